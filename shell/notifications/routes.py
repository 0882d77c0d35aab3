"""Residents' inbox and notification settings; staff composing, approving and watching messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from shell.city.queries import districts
from shell.identity.routes import client_ip
from shell.identity.session import requires_account
from shell.notifications import actions, queries
from shell.notifications.actions import Refused
from shell.notifications.segments import AGE_BAND_LABELS, CHILD_AGE_LABELS, Segment, reach
from shell.notifications.topics import LOCKED, STAFF_TOPICS, TOPICS
from shell.notifications.webpush import application_server_key
from shell.staff.permissions import requires
from shell.translation import composer
from shell.web.i18n import DEFAULT, LANGUAGES, TOKYO, _
from shell.web.security import NO_STORE
from shell.web.templates import render
from shell.web.urls import safe_next


def refusal(reason: str) -> str:
    return {
        "malformed_subscription": _("この端末の通知の登録情報を読み取れませんでした。"),
        "unknown_push_service": _("この端末の通知サービスには対応していません。"),
        "unknown_topic": _("その分類はありません。"),
        "not_found": _("そのお知らせは見つかりません。"),
        "empty": _("日本語の件名と本文を入力してください。"),
        "half_translated": _("翻訳は件名と本文の両方を入力するか、両方とも空にしてください。"),
        "too_long": _("件名は100文字、本文は2000文字までです。"),
        "unknown_language": _("その言語には対応していません。"),
        "unknown_urgency": _("緊急度の指定が正しくありません。"),
        "bad_url": _("リンク先は「/」で始まるこのアプリ内のページにしてください。"),
        "unknown_district": _("その地区はありません。"),
        "bad_segment": _("配信先の条件が正しくありません。"),
        "schedule_in_past": _("予約日時は今より後（1分以上先）にしてください。"),
        "bad_schedule": _("予約日時を読み取れませんでした。"),
        "nobody": _("この条件に当てはまる住民がいません。条件を見直してください。"),
        "not_awaiting": _("このお知らせは承認待ちではありません。"),
        "own_message": _(
            "自分で作成したお知らせは承認できません。別の配信担当者に依頼してください。"
        ),
        "not_cancellable": _("送信済みのお知らせは取り消せません。"),
        "bad_child_month": _("お子さんの生まれた年と月を、今月から18年以内で選んでください。"),
        "too_many_children": _("登録できるのは10人までです。"),
    }.get(reason, _("操作できませんでした。"))


def _account_id(request: Request[Any, Any, Any]) -> int:
    return int(request.state.account["id"])


class Inbox(Controller):
    path = "/"
    guards = [requires_account]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/inbox", name="inbox")
    async def inbox(self, request: Request[Any, Any, Any]) -> Response[str]:
        items = await queries.inbox(_account_id(request), request.state.locale)
        return render(request, "notifications/inbox.html", {"items": items})

    @post("/inbox/read-all", status_code=200)
    async def read_all(self, request: Request[Any, Any, Any]) -> Redirect:
        await actions.mark_all_read(_account_id(request))
        return Redirect("/inbox", status_code=303)

    @get("/inbox/{item_id:int}", name="inbox_item")
    async def item(self, request: Request[Any, Any, Any], item_id: FromPath[int]) -> Response[str]:
        found = await queries.item(_account_id(request), item_id, request.state.locale)
        if found is None:
            raise NotFoundException(refusal("not_found"))
        await actions.mark_read(_account_id(request), item_id)
        return render(request, "notifications/item.html", {"item": found})

    @get("/inbox/{item_id:int}/open")
    async def open(self, request: Request[Any, Any, Any], item_id: FromPath[int]) -> Redirect:
        """Where a tapped notification lands: count it as opened, then go to its page."""
        found = await queries.item(_account_id(request), item_id, request.state.locale)
        if found is None:
            raise NotFoundException(refusal("not_found"))
        await actions.mark_read(_account_id(request), item_id, opened=True)
        target = found["url"] if found["url"] != "/inbox" else f"/inbox/{item_id}"
        return Redirect(safe_next(target, f"/inbox/{item_id}"), status_code=303)

    @get("/notifications/unread")
    async def unread(self, request: Request[Any, Any, Any]) -> dict[str, int]:
        return {"unread": await queries.unread_count(_account_id(request))}

    @get("/notifications/badge")
    async def badge(self, request: Request[Any, Any, Any]) -> Response[str]:
        """The menu's unread badge alone, which open pages fetch again when a notice arrives."""
        unread = await queries.unread_count(_account_id(request))
        return render(request, "notifications/_badge.html", {"unread": unread})

    @get("/notifications/settings", name="notification_settings")
    async def settings_page(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await self._settings(request)

    async def _settings(
        self, request: Request[Any, Any, Any], *, saved: bool = False, error: str = "",
        child_saved: bool = False, child_error: str = "",
    ) -> Response[str]:  # fmt: skip
        muted = await queries.muted_topics(_account_id(request))
        topics = [
            {"id": t, "label": _(label), "on": t not in muted, "locked": t in LOCKED}
            for t, label in TOPICS.items()
        ]
        apps = [
            {"id": app.id, "label": app.name, "on": f"app:{app.id}" not in muted}
            for app in await request.app.state.miniapps.aall()
        ]
        return render(
            request,
            "notifications/settings.html",
            {
                "topics": topics,
                "apps": apps,
                "saved": saved,
                "error": error,
                "child_saved": child_saved,
                "child_error": child_error,
                "this_month": dt.date.today().strftime("%Y-%m"),
                "devices": await queries.devices(_account_id(request)),
                "children": await queries.child_months(_account_id(request)),
                "vapid_key": await application_server_key(),
            },
        )

    @post("/notifications/settings", status_code=200)
    async def save_settings(self, request: Request[Any, Any, Any]) -> Response[str]:
        form = await request.form()
        wanted = set(form.getall("topic", [])) | LOCKED
        try:
            await actions.set_topics(_account_id(request), wanted)
            for app in await request.app.state.miniapps.aall():
                await actions.mute_app(
                    _account_id(request), app.id, app.id not in form.getall("app", [])
                )
        except Refused as refused:
            return await self._settings(request, error=refusal(refused.reason))
        return await self._settings(request, saved=True)

    @post("/notifications/children", status_code=200)
    async def children(self, request: Request[Any, Any, Any]) -> Response[str]:
        """Add or remove a child's month of birth (for child-rearing notices by age)."""
        form = await request.form()
        account = _account_id(request)
        try:
            if form.get("remove"):
                await actions.remove_child_month(account, int(str(form.get("remove"))))
            else:
                await actions.add_child_month(account, str(form.get("month", "")))
        except ValueError:
            return await self._settings(request, child_error=refusal("bad_child_month"))
        except Refused as refused:
            return await self._settings(request, child_error=refusal(refused.reason))
        return await self._settings(request, child_saved=True)

    @post("/notifications/subscriptions", status_code=201)
    async def subscribe(self, request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
        try:
            await actions.subscribe(
                _account_id(request), await request.json(), request.app.state.settings
            )
        except (Refused, ValueError) as refused:
            reason = refused.reason if isinstance(refused, Refused) else "malformed_subscription"
            return Response({"error": reason, "message": refusal(reason)}, status_code=400)
        return Response({"status": "subscribed"}, status_code=201)

    @post("/notifications/subscriptions/delete", status_code=200)
    async def unsubscribe(self, request: Request[Any, Any, Any]) -> dict[str, str]:
        body = await request.json()
        endpoint = body.get("endpoint", "") if isinstance(body, dict) else ""
        await actions.unsubscribe(_account_id(request), str(endpoint))
        return {"status": "unsubscribed"}


@post(
    "/notifications/receipts/{item_id:int}/{token:str}",
    status_code=204,
    include_in_schema=False,
)
async def receipt(item_id: FromPath[int], token: FromPath[str]) -> None:
    """A device's service worker reports that a push arrived (the token stands for a cookie)."""
    from shell.notifications.runtime import check_receipt

    if check_receipt(item_id, token):
        await actions.delivered(item_id)


def _form_texts(form: Any) -> dict[str, dict[str, str]]:
    return {
        code: {"title": form.get(f"title_{code}", ""), "body": form.get(f"body_{code}", "")}
        for code in LANGUAGES
    }


def _form_segment(form: Any) -> Segment:
    try:
        district_ids = tuple(int(value) for value in form.getall("district", []))
    except ValueError:
        raise Refused("unknown_district") from None
    return Segment(
        districts=district_ids,
        age_bands=tuple(form.getall("age_band", [])),
        languages=tuple(form.getall("language", [])),
        child_ages=tuple(form.getall("child_age", [])),
    )


def _form_schedule(form: Any) -> dt.datetime | None:
    value = (form.get("scheduled_at") or "").strip()
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=TOKYO)
    except ValueError:
        raise Refused("bad_schedule") from None


class StaffNotifications(Controller):
    path = "/staff/notifications"
    cache_control = NO_STORE
    guards = [requires("notifications.send")]  # noqa: RUF012

    @get("/", name="staff_notifications")
    async def list(self, request: Request[Any, Any, Any]) -> Response[str]:
        return render(
            request, "notifications/staff_list.html", {"messages": await queries.staff_messages()}
        )

    async def _compose(
        self,
        request: Request[Any, Any, Any],
        form: Any = None,
        error: str = "",
        status: int = 200,
        *,
        extra: dict[str, Any] | None = None,
        block: str | None = None,
    ) -> Response[str]:
        form = form if form is not None else {}
        return render(
            request,
            "notifications/compose.html",
            {
                "form": form,
                "chosen": {
                    name: set(form.getall(name, [])) if hasattr(form, "getall") else set()
                    for name in ("district", "age_band", "language", "child_age")
                },
                "error": error,
                "districts": await districts(),
                "age_bands": AGE_BAND_LABELS,
                "child_ages": CHILD_AGE_LABELS,
                "languages": LANGUAGES,
                "topics": {t: TOPICS[t] for t in STAFF_TOPICS},
                "default": DEFAULT,
                "draft": None,
                "count": 0,
                "preview_error": "",
                "previewed": False,
                "translated": False,
                "translation_engine": composer.engine_name(),
                **(extra or {}),
            },
            status_code=status,
            block=block,
        )

    @get("/new", name="staff_notifications_new")
    async def new(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await self._compose(request)

    async def _draft(self, form: Any) -> actions.Draft:
        return actions.check_draft(
            _form_texts(form),
            topic=form.get("topic", ""),
            url=(form.get("url") or "/inbox").strip(),
            segment=_form_segment(form),
            urgency=form.get("urgency", "normal"),
            scheduled_at=_form_schedule(form),
            known_districts={d["id"] for d in await districts()},
        )

    @post("/preview", status_code=200)
    async def preview(self, request: Request[Any, Any, Any]) -> Response[str]:
        """How many residents the segment reaches, and the message as a phone shows it."""
        form = await request.form()
        try:
            draft = await self._draft(form)
            count = await reach(draft.segment, draft.topic)
            error = "" if count else refusal("nobody")
        except Refused as refused:
            draft, count, error = None, 0, refusal(refused.reason)
        extra = {"draft": draft, "count": count, "preview_error": error, "previewed": True}
        return await self._compose(request, form, extra=extra, block="preview")

    @post("/translate", status_code=200)
    async def translate(self, request: Request[Any, Any, Any]) -> Response[str]:
        """Machine translations of the Japanese title and body into every other language, put
        into the empty fields for staff to review and correct (issue 7)."""
        form = await request.form()
        filled, problem = await composer.prefill(form, DEFAULT, list(LANGUAGES))
        extra = {"translated": True}
        return await self._compose(request, filled, problem, status=200, extra=extra)

    @post("/", status_code=200)
    async def create(self, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await request.form()
        try:
            draft = await self._draft(form)
            message_id = await actions.compose(
                draft, by=_account_id(request), ip=client_ip(request)
            )
        except Refused as refused:
            return await self._compose(request, form, refusal(refused.reason), status=422)
        await composer.keep_corrections(form, DEFAULT, list(LANGUAGES), by=_account_id(request))
        return Redirect(f"/staff/notifications/{message_id}", status_code=303)

    @get("/{message_id:int}", name="staff_notification")
    async def detail(
        self, request: Request[Any, Any, Any], message_id: FromPath[int]
    ) -> Response[str]:
        return await self._detail(request, message_id)

    async def _detail(
        self, request: Request[Any, Any, Any], message_id: int, error: str = ""
    ) -> Response[str]:
        message = await queries.staff_message(message_id)
        if message is None:
            raise NotFoundException(refusal("not_found"))
        names = {d["id"]: d["name"] for d in await districts()}
        return render(
            request,
            "notifications/staff_detail.html",
            {
                "message": message,
                "stats": await queries.stats(message_id),
                "segment": Segment.from_json(message["segment"]),
                "district_names": names,
                "age_bands": AGE_BAND_LABELS,
                "child_ages": CHILD_AGE_LABELS,
                "languages": LANGUAGES,
                "topics": TOPICS,
                "error": error,
            },
        )

    @get("/{message_id:int}/stats")
    async def stats(
        self, request: Request[Any, Any, Any], message_id: FromPath[int]
    ) -> Response[str]:
        message = await queries.staff_message(message_id)
        if message is None:
            raise NotFoundException(refusal("not_found"))
        return render(
            request,
            "notifications/staff_detail.html",
            {"message": message, "stats": await queries.stats(message_id)},
            block="stats",
        )

    @post("/{message_id:int}/approve", status_code=200, guards=[requires("notifications.approve")])
    async def approve(
        self, request: Request[Any, Any, Any], message_id: FromPath[int]
    ) -> Response[Any]:
        try:
            await actions.approve(message_id, by=_account_id(request), ip=client_ip(request))
        except Refused as refused:
            return await self._detail(request, message_id, refusal(refused.reason))
        return Redirect(f"/staff/notifications/{message_id}", status_code=303)

    @post("/{message_id:int}/cancel", status_code=200)
    async def cancel(
        self, request: Request[Any, Any, Any], message_id: FromPath[int]
    ) -> Response[Any]:
        try:
            await actions.cancel(message_id, by=_account_id(request), ip=client_ip(request))
        except Refused as refused:
            return await self._detail(request, message_id, refusal(refused.reason))
        return Redirect(f"/staff/notifications/{message_id}", status_code=303)
