"""The disaster menu and safety-check answers for residents; disaster operations for staff."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from shell.disaster import actions, queries
from shell.disaster.actions import PLACES, Refused
from shell.disaster.home import menu_context
from shell.identity.routes import client_ip
from shell.identity.session import requires_account
from shell.staff.permissions import can, requires
from shell.web import live
from shell.web.i18n import TOKYO, _, lazy
from shell.web.security import NO_STORE
from shell.web.templates import render

FormData = URLEncodedBody[dict[str, str]]

PLACE_LABELS = {
    "home": lazy("自宅"),
    "shelter": lazy("避難所"),
    "relatives": lazy("親せき・知人の家"),
    "car": lazy("車の中"),
    "other": lazy("その他"),
}
DECISIONS = {
    "drill": lazy("訓練・試験（対応なし）"),
    "cancelled": lazy("取消（職員が確認）"),
    "not_here": lazy("この市町村の情報なし"),
    "superseded": lazy("古い報（対応なし）"),
    "mode_on": lazy("災害モードを開始"),
    "noticed": lazy("住民にお知らせ"),
    "cleared": lazy("解除を住民にお知らせ"),
    "recorded": lazy("記録のみ"),
}


def refusal(reason: str) -> str:
    return {
        "no_reason": _("災害モードにする理由を入力してください。"),
        "reason_too_long": _("理由は500文字までです。"),
        "already_on": _("すでに災害モードです。"),
        "already_off": _("災害モードではありません。"),
        "not_confirmed": _("確認のチェックを入れてください。"),
        "no_shelter": _("その避難所はありません。"),
        "no_title": _("安否確認の件名を入力してください。"),
        "title_too_long": _("件名は200文字までです。"),
        "check_open": _("実施中の安否確認があります。先に終了してください。"),
        "check_closed": _("この安否確認は終了しています。"),
        "no_check": _("その安否確認はありません。"),
        "bad_status": _("「無事」か「助けが必要」を選んでください。"),
        "bad_place": _("いる場所を一覧から選んでください。"),
        "bad_household": _("人数は1から30までの数字で入力してください。"),
    }.get(reason, _("操作できませんでした。"))


def _is_answers_reader(request: Request[Any, Any, Any], _name: str) -> bool:
    return can(request.state.get("roles", ()), "disaster.answers")


live.channel_rule("disaster.check.", _is_answers_reader)


class DisasterMenu(Controller):
    """Public: anyone may read the disaster menu (shelters and numbers are for everyone)."""

    path = "/disaster"
    cache_control = NO_STORE

    @get("/", name="disaster")
    async def menu(self, request: Request[Any, Any, Any]) -> Response[str]:
        return render(request, "disaster/menu.html", await menu_context(request))

    @get("/banner", name="disaster_banner")
    async def banner(self, request: Request[Any, Any, Any]) -> Response[str]:
        code = request.app.state.settings.municipality_code
        request.state.disaster = await queries.mode(code)
        return render(request, "disaster/_banner.html")

    @get("/checks/{check_id:int}", guards=[requires_account])
    async def check_page(
        self, request: Request[Any, Any, Any], check_id: FromPath[int]
    ) -> Response[str]:
        return await self._check(request, check_id)

    async def _check(
        self,
        request: Request[Any, Any, Any],
        check_id: int,
        *,
        error: str = "",
        saved: bool = False,
        status_code: int = 200,
    ) -> Response[str]:
        check = await queries.check(check_id)
        if check is None:
            raise NotFoundException(refusal("no_check"))
        context = {
            "check": check,
            "answer": await queries.answer_of(check_id, request.state.account["id"]),
            "shelters": await queries.shelters(open_only=True),
            "places": PLACE_LABELS,
            "error": error,
            "saved": saved,
        }
        return render(
            request, "disaster/check.html", context, block="answer", status_code=status_code
        )

    @post("/checks/{check_id:int}/answer", guards=[requires_account], status_code=200)
    async def answer(
        self, request: Request[Any, Any, Any], check_id: FromPath[int], data: FormData
    ) -> Response[str]:
        """The second tap: safe or need help. Details the resident gave before are kept."""
        try:
            await actions.answer(
                check_id, request.state.account["id"], status=data.get("status", ""),
                keep_details=True,
            )  # fmt: skip
        except Refused as refused:
            return await self._check(
                request, check_id, error=refusal(refused.reason), status_code=400
            )
        return await self._check(request, check_id, saved=True)

    @post("/checks/{check_id:int}/details", guards=[requires_account], status_code=200)
    async def details(
        self, request: Request[Any, Any, Any], check_id: FromPath[int], data: FormData
    ) -> Response[str]:
        """Optional: where the resident is and how many are with them."""
        household_text = data.get("household", "").strip()
        shelter_text = data.get("shelter", "").strip()
        try:
            household = int(household_text) if household_text else None
            shelter = int(shelter_text) if shelter_text else None
        except ValueError:
            return await self._check(
                request, check_id, error=refusal("bad_household"), status_code=400
            )
        try:
            await actions.answer(
                check_id,
                request.state.account["id"],
                status=data.get("status", ""),
                place=data.get("place", ""),
                shelter=shelter,
                household=household,
            )
        except Refused as refused:
            return await self._check(
                request, check_id, error=refusal(refused.reason), status_code=400
            )
        return await self._check(request, check_id, saved=True)


class StaffDisaster(Controller):
    path = "/staff/disaster"
    cache_control = NO_STORE
    guards = [requires("disaster.operate")]  # noqa: RUF012

    async def _page(
        self, request: Request[Any, Any, Any], *, error: str = "", done: str = ""
    ) -> Response[str]:
        settings = request.app.state.settings
        code = settings.municipality_code
        latest = await queries.latest_acted_report(code)
        mode = await queries.mode(code)
        context = {
            "mode": mode,
            "history": await queries.history(code),
            "shelters": await queries.shelters(),
            "checks": await queries.checks(),
            "open_check": await queries.open_check(),
            "reports": await queries.reports(),
            "decisions": DECISIONS,
            # JMA has lifted every warning that switched the mode on: staff may switch back.
            "jma_cleared": bool(
                mode
                and latest
                and not any(k.get("triggers") and k["in_force"] for k in latest["kinds"])
            ),
            "can_read_answers": can(request.state.roles, "disaster.answers"),
            "error": error,
            "done": done,
        }
        return render(request, "disaster/staff.html", context, status_code=400 if error else 200)

    @get("/", name="staff_disaster")
    async def page(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await self._page(request)

    @post("/mode", status_code=200)
    async def switch(self, request: Request[Any, Any, Any], data: FormData) -> Response[str]:
        active = data.get("active") == "on"
        if data.get("confirm") != "yes":
            return await self._page(request, error=refusal("not_confirmed"))
        try:
            await actions.switch_mode(
                request.app.state.settings.municipality_code,
                active=active,
                reason=data.get("reason", ""),
                source="staff",
                actor=request.state.account["id"],
                ip=client_ip(request),
            )
        except Refused as refused:
            return await self._page(request, error=refusal(refused.reason))
        done = _("災害モードを開始しました。") if active else _("災害モードを終了しました。")
        return await self._page(request, done=done)

    @post("/shelters/{shelter_id:int}", status_code=200)
    async def shelter(
        self, request: Request[Any, Any, Any], shelter_id: FromPath[int], data: FormData
    ) -> Response[str]:
        try:
            await actions.set_shelter_open(
                shelter_id,
                data.get("open") == "1",
                actor=request.state.account["id"],
                ip=client_ip(request),
            )
        except Refused as refused:
            return await self._page(request, error=refusal(refused.reason))
        return await self._page(request, done=_("避難所の開設状況を更新しました。"))

    @post("/checks", status_code=200)
    async def start_check(self, request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
        try:
            check_id = await actions.start_check(
                data.get("title", ""), actor=request.state.account["id"], ip=client_ip(request)
            )
        except Refused as refused:
            return await self._page(request, error=refusal(refused.reason))
        if can(request.state.roles, "disaster.answers"):
            return Redirect(f"/staff/disaster/checks/{check_id}", status_code=303)
        return await self._page(request, done=_("安否確認を開始しました。"))

    @post("/checks/{check_id:int}/close", status_code=200)
    async def close_check(
        self, request: Request[Any, Any, Any], check_id: FromPath[int]
    ) -> Response[str]:
        try:
            await actions.close_check(
                check_id, actor=request.state.account["id"], ip=client_ip(request)
            )
        except Refused as refused:
            return await self._page(request, error=refusal(refused.reason))
        return await self._page(request, done=_("安否確認を終了しました。"))

    @get("/checks/{check_id:int}", guards=[requires("disaster.answers")])
    async def answers(
        self, request: Request[Any, Any, Any], check_id: FromPath[int]
    ) -> Response[str]:
        check = await queries.check(check_id)
        if check is None:
            raise NotFoundException(refusal("no_check"))
        # A live refresh of the open page is the same viewing; the opening is what is audited.
        if "x-live-refresh" not in request.headers:
            await actions.viewed(check_id, actor=request.state.account["id"], ip=client_ip(request))
        context = {
            "check": check,
            "districts": await queries.by_district(check_id),
            "need_help": await queries.answers(check_id, status="need_help"),
            "answered": await queries.answer_count(check_id),
            "places": PLACE_LABELS,
        }
        return render(request, "disaster/answers.html", context)

    @get("/checks/{check_id:int}/export.csv", guards=[requires("disaster.answers")])
    async def export(
        self, request: Request[Any, Any, Any], check_id: FromPath[int]
    ) -> Response[bytes]:
        if await queries.check(check_id) is None:
            raise NotFoundException(refusal("no_check"))
        rows = await queries.answers(check_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                _("回答日時"),
                _("更新日時"),
                _("地区"),
                _("氏名"),
                _("状況"),
                _("場所"),
                _("避難所"),
                _("人数"),
            ]
        )
        for row in rows:
            writer.writerow(
                [
                    row["answered_at"].astimezone(TOKYO).isoformat(timespec="minutes"),
                    row["updated_at"].astimezone(TOKYO).isoformat(timespec="minutes"),
                    row["district"] or "",
                    row["name"],
                    _("無事") if row["status"] == "safe" else _("助けが必要"),
                    _(PLACE_LABELS[row["place"]]) if row["place"] in PLACES else "",
                    row["shelter_name"] or "",
                    row["household"] or "",
                ]
            )
        await actions.exported(
            check_id, actor=request.state.account["id"], rows=len(rows), ip=client_ip(request)
        )
        # A BOM so that spreadsheet programs in Japan read the UTF-8 as such.
        return Response(
            ("\ufeff" + buffer.getvalue()).encode(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="safety-check-{check_id}.csv"',
            },
        )
