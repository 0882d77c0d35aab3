"""The library's pages. Residents are known by their pairwise id only."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.app import PUBLIC_OPT
from machi_sdk.formatting import format_day
from machi_sdk.i18n import N_
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, card, queries, search
from .jobs import send_notices
from .views import bar_chart, branch_name

CITY_ROLES = ("librarian", "admin")  # every library and school
# the city's school staff role (学校・保育所職員): a school librarian among them joins one school
# with a code a city librarian issued, and works only for it
SCHOOL_ROLE = "school_staff"
PUBLIC = {PUBLIC_OPT: True}



REFUSALS = {
    "no_card": N_("先に図書館カードを作ってください。"),
    "bad_group": N_("利用者の区分を選んでください。"),
    "unknown_school": N_("その学校は見つかりません。一覧から選んでください。"),
    "bad_ages": N_("お子さんの年齢は0歳から18歳まで、8人までで入れてください。"),
    "busy": N_("混み合っています。もう一度お試しください。"),
    "bad_card_format": N_("カード番号は10桁の数字です。"),
    "bad_check_digit": N_(
        "カード番号のチェック数字が合いません。読み取り直すか、番号を確かめてください。"
    ),
    "unknown_card": N_("そのカード番号の利用者はいません。"),
    "unknown_title": N_("その本は見つかりません。"),
    "held_nowhere": N_("この本はどの図書館にも所蔵がないため、予約できません。"),
    "unknown_branch": N_("受け取る図書館を一覧から選んでください。"),
    "already_borrowed": N_("この本はいま借りています。"),
    "already_held": N_("この本はもう予約しています。"),
    "too_many_holds": N_("予約は10冊までです。"),
    "unknown_hold": N_("その予約は見つかりません。"),
    "unknown_copy": N_("その資料番号の本はありません。"),
    "already_on_loan": N_("この本は貸出中です。先に返却の処理をしてください。"),
    "held_for_another": N_("この本はほかの方の予約の取り置き中です。"),
    "in_transit": N_("この本は回送中です。受け取る図書館で返却の処理をしてください。"),
    "too_many_loans": N_("貸出は10冊までです。"),
    "unknown_loan": N_("その貸出は見つかりません。"),
    "someone_waiting": N_("この本を予約して待っている方がいるため、延長できません。"),
    "renewed_already": N_("延長は1回までです。"),
    "overdue": N_("返却期限を過ぎているため延長できません。返却をお願いします。"),
    "bad_age_group": N_("対象の年齢層を選んでください。"),
    "no_heading": N_("リストの見出しを入れてください（200字まで）。"),
    "unknown_items": N_("見つからない本があります: %(items)s"),
    "no_items": N_("ISBNか本の番号を1つ以上入れてください。"),
    "bad_barcode": N_("資料のバーコードを入れてください（32文字まで）。"),
    "barcode_taken": N_("そのバーコードはもう使われています。"),
    "other_branch": N_("その本はこの図書館の蔵書ではありません。"),
    "not_on_shelf": N_("貸出中・予約の取り置き中・回送中の本は除籍できません。"),
    "not_your_library": N_("ほかの図書館の操作はできません。"),
    "bad_join_code": N_("参加コードが正しくないか、期限切れか、使用済みです。"),
}
GROUP_LABELS = {"adult": N_("一般"), "elementary": N_("小学生"), "junior_high": N_("中学生")}
AGE_GROUP_LABELS = {
    "picture": N_("乳幼児（絵本）"),
    "child": N_("小学生"),
    "teen": N_("中学生・高校生"),
    "general": N_("一般"),
}
COPY_STATUS = {
    "shelf": N_("貸出できます"),
    "loan": N_("貸出中"),
    "held": N_("予約の取り置き中"),
    "transit": N_("回送中"),
}


def _t(request: Request[Any, Any, Any], resident: Resident) -> Any:
    runtime = request.app.state["machi_runtime"]
    return runtime.miniapp.translations(resident.locale).gettext


def _refusal(request: Request[Any, Any, Any], resident: Resident, exc: actions.Refused) -> str:
    text = _t(request, resident)(REFUSALS[exc.reason])
    return text % exc.details if exc.details else text


async def _count(platform: Platform, kpi: str, value: int = 1) -> None:
    with contextlib.suppress(PlatformError):  # a figure is not worth failing a page for
        await platform.kpi(kpi, value)


def _is_staff(resident: Resident) -> bool:
    return any(resident.has_role(role) for role in (*CITY_ROLES, SCHOOL_ROLE))


async def _allowed(resident: Resident) -> set[int] | None:
    """The libraries this member of staff may work for: None for all (city librarians), else
    the school a school librarian joined (none before joining)."""
    if any(resident.has_role(role) for role in CITY_ROLES):
        return None
    school = await actions.staff_school(resident.id)
    return {school} if school else set()


async def _guard(resident: Resident, branch: int | None) -> int:
    """``branch``, if this member of staff may work for it; else Refused."""
    if branch is None:
        raise actions.Refused("unknown_branch")
    allowed = await _allowed(resident)
    if allowed is not None and branch not in allowed:
        raise actions.Refused("not_your_library")
    return branch


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _base(resident: Resident) -> dict[str, Any]:
    loc = resident.locale
    return {
        "branch_name": lambda row, prefix="branch_": branch_name(row, loc, prefix),
        "group_labels": GROUP_LABELS, "age_group_labels": AGE_GROUP_LABELS,
        "copy_status": COPY_STATUS, "is_staff": _is_staff(resident), "error": None, "done": None,
    }  # fmt: skip


async def _recommendations(me: dict[str, Any] | None) -> dict[str, Any]:
    """For the patron (from their own loans, shelf and history) and for their children's ages
    (the librarians' lists, else what is lent most to that age group)."""
    mine = await queries.recommended_for(me) if me else []
    ages = json.loads(me["children_ages"]) if me and isinstance(me["children_ages"], str) \
        else list(me["children_ages"]) if me else []  # fmt: skip
    groups = sorted({queries.age_group(a) for a in ages})
    if me and me["group"] == "junior_high":
        groups = sorted(set(groups) | {"teen"})
    if me and me["group"] == "elementary":
        groups = sorted(set(groups) | {"child"})
    lists = await queries.lists(groups if me and groups else None)
    for_children = []
    for group in groups:
        if not any(lst["age_group"] == group for lst in lists):
            popular = await queries.popular(group)
            if popular:
                for_children.append({"age_group": group, "titles": popular})
    return {"mine": mine, "lists": lists, "for_children": for_children}


def _shown(recs: dict[str, Any]) -> int:
    return len(recs["mine"]) + sum(len(x["titles"]) for x in recs["lists"] + recs["for_children"])


@get("/", name="library:index", guards=[requires_scopes()])
async def index(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """Search, the card (or the form to make one) and recommendations."""
    me = await actions.patron(resident.id)
    recs = await _recommendations(me)
    if _shown(recs):
        await _count(platform, "recommendations_shown", _shown(recs))
    context = {**_base(resident), "me": me, "recs": recs, "branches": await queries.branches(),
               "q": "", "results": None, "filters": search.Filters()}  # fmt: skip
    return render(request, "library/index.html", context)


@post("/card", name="library:issue", guards=[requires_scopes()])
async def issue(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    form = await request.form()
    try:
        me, created = await actions.issue_card(
            resident.id, locale=resident.locale, group=str(form.get("group", "adult")),
            school=_int(form.get("school")) if form.get("school") else None,
        )  # fmt: skip
    except actions.Refused as exc:
        context = {**_base(resident), "me": None, "recs": await _recommendations(None),
                   "branches": await queries.branches(), "q": "", "results": None,
                   "filters": search.Filters(), "error": _refusal(request, resident, exc)}
        return render(request, "library/index.html", context, status_code=422)
    if created:
        await _count(platform, "app_users")
    return await _card_page(request, resident, me)


async def _card_page(request: Request[Any, Any, Any], resident: Resident, me: dict[str, Any]
                     ) -> Response[str]:  # fmt: skip
    t = _t(request, resident)
    label = t("図書館カード %(number)s") % {"number": me["card_number"]}
    context = {**_base(resident), "me": me, "barcode": card.svg(me["card_number"], label)}
    return render(request, "library/card.html", context)


@get("/card", name="library:card", guards=[requires_scopes()])
async def card_page(request: Request, resident: ResidentDep) -> Response[str]:
    """The library card: the NW-7 barcode, large, black on white; kept on the device for offline."""
    me = await actions.patron(resident.id)
    if me is None:
        return render(request, "library/nocard.html", _base(resident), status_code=404)
    return await _card_page(request, resident, me)


@get("/search", name="library:search", guards=[requires_scopes()])
async def search_page(request: Request, resident: ResidentDep, platform: PlatformDep
                      ) -> Response[str]:  # fmt: skip
    """The union catalogue: title, author, subject, ISBN, kana readings; typo tolerant; filters by
    library and by what is on the shelf."""
    q = str(request.query_params.get("q", ""))[:200].strip()
    filters = search.Filters(branch=_int(request.query_params.get("branch")) or None,
                             available=request.query_params.get("available") == "1")
    results = await queries.titles(await search.search(q, filters)) if q else []
    me = await actions.patron(resident.id)
    if q:
        await _count(platform, "searches")
        if me and (me["group"] in ("elementary", "junior_high") or me["school"]):
            await _count(platform, "school_searches")
    context = {**_base(resident), "me": me, "q": q, "results": results if q else None,
               "filters": filters, "branches": await queries.branches(),
               "recs": {"mine": [], "lists": [], "for_children": []}}  # fmt: skip
    return render(request, "library/index.html", context,
                  block="results" if request.headers.get("hx-target") == "library-results"
                  else "content")  # fmt: skip


async def _title_context(resident: Resident, title_id: int) -> dict[str, Any] | None:
    row = await queries.title(title_id)
    if row is None:
        return None
    me = await actions.patron(resident.id)
    kept = False
    if me:
        from .tables import LibraryShelf

        kept = await LibraryShelf.exists().where(LibraryShelf.key == f"{me['id']}|{title_id}")
    return {**_base(resident), "book": row, "me": me, "kept": kept,
            "branches": await queries.branches()}  # fmt: skip


@get("/titles/{title_id:int}", name="library:title", guards=[requires_scopes()])
async def title_page(request: Request, resident: ResidentDep, title_id: FromPath[int]
                     ) -> Response[str]:  # fmt: skip
    """Where each copy is and whether it is on the shelf; the hold form."""
    context = await _title_context(resident, title_id)
    if context is None:
        return render(request, "library/nocard.html",
                      {**_base(resident), "missing": True}, status_code=404)  # fmt: skip
    return render(request, "library/title.html", context)


@post("/titles/{title_id:int}/hold", name="library:hold", guards=[requires_scopes()])
async def hold(request: Request, resident: ResidentDep, platform: PlatformDep,
               title_id: FromPath[int]) -> Response[str]:  # fmt: skip
    form = await request.form()
    status = 200
    context = await _title_context(resident, title_id)
    if context is None:
        return render(request, "library/nocard.html",
                      {**_base(resident), "missing": True}, status_code=404)  # fmt: skip
    try:
        await actions.place_hold(resident.id, title_id, _int(form.get("pickup")) or 0)
        with contextlib.suppress(PlatformError):  # set aside at once: say so now
            await send_notices(platform, subject=resident.id)
        context = await _title_context(resident, title_id) or context
        context["done"] = _t(request, resident)(N_("予約しました。用意ができたらお知らせします。"))
    except actions.Refused as exc:
        context["error"] = _refusal(request, resident, exc)
        status = 422
    return render(request, "library/title.html", context, status_code=status)


@post("/titles/{title_id:int}/keep", name="library:keep", guards=[requires_scopes()])
async def keep(request: Request, resident: ResidentDep, title_id: FromPath[int]) -> Response[str]:
    form = await request.form()
    status = 200
    try:
        if form.get("remove"):
            await actions.unkeep(resident.id, title_id)
        else:
            await actions.keep(resident.id, title_id)
    except actions.Refused as exc:
        status = 422
        error = _refusal(request, resident, exc)
    else:
        error = None
    context = await _title_context(resident, title_id)
    if context is None:
        return render(request, "library/nocard.html",
                      {**_base(resident), "missing": True}, status_code=404)  # fmt: skip
    context["error"] = error
    return render(request, "library/title.html", context, status_code=status)


async def _me_context(resident: Resident) -> dict[str, Any] | None:
    me = await actions.patron(resident.id)
    if me is None:
        return None
    ages = json.loads(me["children_ages"]) if isinstance(me["children_ages"], str) \
        else me["children_ages"]  # fmt: skip
    recs = await _recommendations(me)
    return {**_base(resident), "me": me, "ages": ages, "loans": await queries.loans(me["id"]),
            "holds": await queries.holds(me["id"]), "shelf": await queries.shelf(me["id"]),
            "history": await queries.history(me["id"]) if me["history_on"] else [],
            "branches": await queries.branches(), "recs": recs}  # fmt: skip


@get("/me", name="library:me", guards=[requires_scopes()])
async def me_page(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """My library: loans and due dates (renew), holds (ready to collect?), my collection, the
    reading history (off unless turned on), recommendations."""
    context = await _me_context(resident)
    if context is None:
        return render(request, "library/nocard.html", _base(resident), status_code=404)
    if _shown(context["recs"]):
        await _count(platform, "recommendations_shown", _shown(context["recs"]))
    return render(request, "library/me.html", context)


async def _me_after(
    request: Request[Any, Any, Any], resident: Resident, *, done: str | None = None,
    error: str | None = None,
) -> Response[str]:  # fmt: skip
    context = await _me_context(resident)
    if context is None:
        return render(request, "library/nocard.html", _base(resident), status_code=404)
    context["done"], context["error"] = done, error
    return render(request, "library/me.html", context, status_code=422 if error else 200)


@post("/loans/{loan_id:int}/renew", name="library:renew", guards=[requires_scopes()])
async def renew(request: Request, resident: ResidentDep, loan_id: FromPath[int]) -> Response[str]:
    t = _t(request, resident)
    try:
        due = await actions.renew(resident.id, loan_id)
    except actions.Refused as exc:
        return await _me_after(request, resident, error=_refusal(request, resident, exc))
    return await _me_after(request, resident,
                           done=t("延長しました。新しい返却期限は %(date)s です。")
                           % {"date": format_day(due, resident.locale)})  # fmt: skip


@post("/holds/{hold_id:int}/cancel", name="library:cancel", guards=[requires_scopes()])
async def cancel(request: Request, resident: ResidentDep, hold_id: FromPath[int]) -> Response[str]:
    try:
        await actions.cancel_hold(resident.id, hold_id)
    except actions.Refused as exc:
        return await _me_after(request, resident, error=_refusal(request, resident, exc))
    done = _t(request, resident)(N_("予約を取り消しました。"))
    return await _me_after(request, resident, done=done)


@post("/settings", name="library:settings", guards=[requires_scopes()])
async def settings(request: Request, resident: ResidentDep) -> Response[str]:
    form = await request.form()
    ages: list[int] = []
    raw = str(form.get("children_ages", "")).replace("、", ",").replace(" ", ",")
    try:
        ages = [int(a) for a in raw.split(",") if a.strip()]
    except ValueError:
        ages = [-1]
    try:
        await actions.update_settings(
            resident.id, history_on=form.get("history_on") == "1", children_ages=ages,
            group=str(form.get("group", "adult")),
            school=_int(form.get("school")) if form.get("school") else None,
            locale=resident.locale,
        )  # fmt: skip
    except actions.Refused as exc:
        return await _me_after(request, resident, error=_refusal(request, resident, exc))
    done = _t(request, resident)(N_("設定を保存しました。"))
    return await _me_after(request, resident, done=done)


# --- librarians ----------------------------------------------------------------------------------


def _denied(request: Request[Any, Any, Any], resident: Resident) -> Response[str]:
    text = _t(request, resident)(N_("この画面は図書館の職員だけが使えます。"))
    return render(request, "library/staff.html", {**_base(resident), "denied": text},
                  status_code=403)  # fmt: skip


async def _staff_context(resident: Resident, branch: int | None) -> dict[str, Any]:
    allowed = await _allowed(resident)
    every = await queries.branches()
    branches = [b for b in every if allowed is None or b["id"] in allowed]
    if branch is None or not any(b["id"] == branch for b in branches):
        branch = branches[0]["id"] if branches else None
    months = await queries.monthly_loans()
    return {**_base(resident), "denied": None, "branches": branches, "branch": branch,
            "city": allowed is None, "join_needed": allowed == set(),
            "schools": [b for b in every if b["kind"] != "city"], "join_code": None,
            "holds_queue": await queries.holds_queue(None if allowed is None else branch)
            if branch else [], "lists": await queries.lists(),
            "runs": await queries.import_runs(), "months": months,
            "collection": await queries.collection(branch, 50) if branch else [],
            "patrons": await queries.patron_count(),
            "junior_high_patrons": await queries.junior_high_patrons(), "result": None}  # fmt: skip


def _charts(request: Request[Any, Any, Any], resident: Resident, months: list[dict[str, Any]]
            ) -> dict[str, Any]:  # fmt: skip
    t = _t(request, resident)
    return {
        "loans_chart": bar_chart(months, "loans", t("月ごとの貸出冊数"), "library-bar"),
        "jhs_chart": bar_chart(months, "junior_high", t("月ごとの中学生の貸出冊数"),
                               "library-bar library-bar--teen"),
    }


@get("/staff", name="library:staff", guards=[requires_scopes()])
async def staff_page(request: Request, resident: ResidentDep, platform: PlatformDep
                     ) -> Response[str]:  # fmt: skip
    """The counter (check-out and return by scanning), the holds queues, recommendation lists,
    imports and the figures."""
    if not _is_staff(resident):
        return _denied(request, resident)
    context = await _staff_context(resident, _int(request.query_params.get("branch")))
    with contextlib.suppress(PlatformError):
        await platform.audit(resident, "library.holds.view", "library-holds-queue")
    return render(request, "library/staff.html", {**context, **_charts(request, resident,
                                                                        context["months"])})


async def _staff_after(request: Request[Any, Any, Any], resident: Resident, branch: int | None,
                       **extra: Any) -> Response[str]:  # fmt: skip
    context = await _staff_context(resident, branch)
    context.update(extra)
    return render(request, "library/staff.html",
                  {**context, **_charts(request, resident, context["months"])},
                  status_code=422 if extra.get("error") else 200)  # fmt: skip


@post("/staff/checkout", name="library:checkout", guards=[requires_scopes()])
async def checkout(request: Request, resident: ResidentDep, platform: PlatformDep
                   ) -> Response[str]:  # fmt: skip
    if not _is_staff(resident):
        return _denied(request, resident)
    form = await request.form()
    branch = _int(form.get("branch"))
    t = _t(request, resident)
    try:
        branch = await _guard(resident, branch)
        done = await actions.check_out(str(form.get("card", "")), str(form.get("barcode", "")),
                                       branch)  # fmt: skip
    except actions.Refused as exc:
        return await _staff_after(request, resident, branch, error=_refusal(request, resident, exc))
    with contextlib.suppress(PlatformError):
        await platform.audit(resident, "library.loan.checkout", done["patron"]["subject"],
                             {"barcode": done["copy"]["barcode"]})  # fmt: skip
    await _count(platform, "loans")
    if done["patron"]["group"] == "junior_high":
        await _count(platform, "junior_high_loans")
    message = t("貸し出しました。返却期限は %(date)s です。") % {
        "date": format_day(done["due_on"], resident.locale)}
    return await _staff_after(request, resident, branch, done=message)


@post("/staff/checkin", name="library:checkin", guards=[requires_scopes()])
async def checkin(request: Request, resident: ResidentDep, platform: PlatformDep
                  ) -> Response[str]:  # fmt: skip
    if not _is_staff(resident):
        return _denied(request, resident)
    form = await request.form()
    branch = _int(form.get("branch"))
    t = _t(request, resident)
    try:
        branch = await _guard(resident, branch)
        done = await actions.check_in(str(form.get("barcode", "")), branch)
    except actions.Refused as exc:
        return await _staff_after(request, resident, branch, error=_refusal(request, resident, exc))
    if done["returned"]:  # the loan, now forgetting its borrower, was a person's record
        with contextlib.suppress(PlatformError):
            await platform.audit(resident, "library.loan.return", done["returned"],
                                 {"barcode": done["copy"]["barcode"]})  # fmt: skip
    hold_row = done["hold"]
    if hold_row and hold_row["status"] == "ready":
        from .tables import LibraryPatron

        who = await LibraryPatron.select(LibraryPatron.subject).where(
            LibraryPatron.id == hold_row["patron"]).first()  # fmt: skip
        if who:
            with contextlib.suppress(PlatformError):
                await platform.audit(resident, "library.hold.ready", who["subject"],
                                     {"barcode": done["copy"]["barcode"]})  # fmt: skip
            with contextlib.suppress(PlatformError):  # else the notices job sends it
                await send_notices(platform, subject=who["subject"])
        message = t("予約の本です。取り置きの棚へ置いてください。予約した方にお知らせしました。")
    elif hold_row and hold_row["status"] == "transit":
        message = t("予約の本です。受け取る図書館へ回送してください。")
    elif done["returned"]:
        message = t("返却を受け付けました。棚に戻してください。")
    else:
        message = t("この本は貸出中ではありません。棚に戻してください。")
    return await _staff_after(request, resident, branch, done=message,
                              result=hold_row["status"] if hold_row else "shelf")  # fmt: skip


@post("/staff/holds/{hold_id:int}/cancel", name="library:staff_cancel",
      guards=[requires_scopes()])  # fmt: skip
async def staff_cancel(request: Request, resident: ResidentDep, platform: PlatformDep,
                       hold_id: FromPath[int]) -> Response[str]:  # fmt: skip
    """A librarian cancels a hold at the reader's request (written to the audit log)."""
    if not _is_staff(resident):
        return _denied(request, resident)
    form = await request.form()
    branch = _int(form.get("branch"))
    try:
        await _guard(resident, await actions.hold_pickup(hold_id) or 0)
        hold_row = await actions.staff_cancel_hold(hold_id)
    except actions.Refused as exc:
        return await _staff_after(request, resident, branch, error=_refusal(request, resident, exc))
    with contextlib.suppress(PlatformError):
        await platform.audit(resident, "library.hold.cancel", hold_row["subject"],
                             {"hold": hold_id})  # fmt: skip
    return await _staff_after(request, resident, branch,
                              done=_t(request, resident)(N_("予約を取り消しました。")))


@post("/staff/collection/add", name="library:add_copy", guards=[requires_scopes()])
async def add_copy(request: Request, resident: ResidentDep) -> Response[str]:
    """A library's librarian adds a copy of a catalogued title to its collection."""
    if not _is_staff(resident):
        return _denied(request, resident)
    form = await request.form()
    branch = _int(form.get("branch"))
    try:
        branch = await _guard(resident, branch)
        await actions.add_copy(str(form.get("title", "")), str(form.get("barcode", "")), branch,
                               str(form.get("shelf", "")))  # fmt: skip
    except actions.Refused as exc:
        return await _staff_after(request, resident, branch, error=_refusal(request, resident, exc))
    return await _staff_after(request, resident, branch,
                              done=_t(request, resident)(N_("蔵書に加えました。")))


@post("/staff/collection/withdraw", name="library:withdraw", guards=[requires_scopes()])
async def withdraw(request: Request, resident: ResidentDep) -> Response[str]:
    """Withdraw (除籍) a copy of this library that is on its shelf."""
    if not _is_staff(resident):
        return _denied(request, resident)
    form = await request.form()
    branch = _int(form.get("branch"))
    try:
        branch = await _guard(resident, branch)
        await actions.withdraw_copy(str(form.get("barcode", "")), branch)
    except actions.Refused as exc:
        return await _staff_after(request, resident, branch, error=_refusal(request, resident, exc))
    return await _staff_after(request, resident, branch,
                              done=_t(request, resident)(N_("除籍しました。")))


@post("/staff/join-codes", name="library:join_code", guards=[requires_scopes()])
async def join_code(request: Request, resident: ResidentDep) -> Response[str]:
    """A city librarian issues a one-time code for a school librarian to join a school."""
    if not any(resident.has_role(role) for role in CITY_ROLES):
        return _denied(request, resident)
    form = await request.form()
    branch = _int(form.get("branch"))
    try:
        code = await actions.make_join_code(_int(form.get("school")) or 0)
    except actions.Refused as exc:
        return await _staff_after(request, resident, branch, error=_refusal(request, resident, exc))
    return await _staff_after(request, resident, branch, join_code=code)


@post("/staff/join", name="library:join", guards=[requires_scopes()])
async def join(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """A school librarian joins their school with the code a city librarian gave them."""
    if not resident.has_role(SCHOOL_ROLE):
        return _denied(request, resident)
    form = await request.form()
    try:
        school = await actions.join_school(resident.id, str(form.get("code", "")))
    except actions.Refused as exc:
        return await _staff_after(request, resident, None, error=_refusal(request, resident, exc))
    with contextlib.suppress(PlatformError):
        await platform.audit(resident, "library.staff.join", f"branch-{school}")
    return await _staff_after(request, resident, school,
                              done=_t(request, resident)(N_("学校図書館に参加しました。")))


@post("/staff/lists", name="library:add_list", guards=[requires_scopes()])
async def add_list(request: Request, resident: ResidentDep) -> Response[str]:
    if not _is_staff(resident):
        return _denied(request, resident)
    form = await request.form()
    branch = _int(form.get("branch"))
    items = str(form.get("items", "")).replace("、", "\n").replace(",", "\n").splitlines()
    try:
        await actions.add_list(str(form.get("age_group", "")), str(form.get("heading", "")),
                               str(form.get("note", "")), items)  # fmt: skip
    except actions.Refused as exc:
        return await _staff_after(request, resident, branch, error=_refusal(request, resident, exc))
    return await _staff_after(request, resident, branch,
                              done=_t(request, resident)(N_("おすすめリストを公開しました。")))


@post("/staff/lists/{list_id:int}/delete", name="library:delete_list", guards=[requires_scopes()])
async def delete_list(request: Request, resident: ResidentDep, list_id: FromPath[int]
                      ) -> Response[str]:  # fmt: skip
    if not _is_staff(resident):
        return _denied(request, resident)
    form = await request.form()
    await actions.delete_list(list_id)
    return await _staff_after(request, resident, _int(form.get("branch")),
                              done=_t(request, resident)(N_("おすすめリストを削除しました。")))


# --- offline card ---------------------------------------------------------------------------------


@get("/offline", name="library:offline", opt=PUBLIC)
async def offline(request: Request) -> Response[str]:
    """The page the service worker shows without network: nothing personal in it; the card kept
    on this device (by app.js, in the app's own storage) is drawn by offline.js."""
    return render(request, "library/offline.html", {}, block=None,
                  headers={"Cache-Control": "no-cache"})  # fmt: skip



ROUTES = [
    index, issue, card_page, search_page, title_page, hold, keep, me_page, renew, cancel, settings,
    staff_page, checkout, checkin, staff_cancel, add_copy, withdraw, join_code, join, add_list,
    delete_list,
    offline,
]  # fmt: skip
