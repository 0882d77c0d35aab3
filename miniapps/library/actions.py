"""What changes the library's data. Every refusal raises :class:`Refused` before anything is
written, and each change runs in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import card
from .tables import (
    LibraryBranch,
    LibraryCopy,
    LibraryHistory,
    LibraryHold,
    LibraryJoinCode,
    LibraryList,
    LibraryListItem,
    LibraryLoan,
    LibraryPatron,
    LibraryShelf,
    LibraryStaffSchool,
    LibraryTitle,
)

LOAN_DAYS = 14
MAX_RENEWALS = 1
MAX_LOANS = 10
MAX_HOLDS = 10
KEEP_DAYS = 7  # a ready hold is kept this long at the pickup branch
FIRST_SERIAL = 100000001
GROUPS = ("adult", "elementary", "junior_high")
AGE_GROUPS = ("picture", "child", "teen", "general")


class Refused(Exception):
    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def _db() -> Any:
    return LibraryTitle._meta.db


def today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()


# --- patrons and cards -------------------------------------------------------------------------


async def patron(subject: str) -> dict[str, Any] | None:
    return await LibraryPatron.select().where(LibraryPatron.subject == subject).first()


async def issue_card(
    subject: str, *, locale: str = "ja", group: str = "adult", school: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any], bool]:  # fmt: skip
    """The resident's patron record, made with a new card number the first time.
    Returns (patron, created)."""
    found = await patron(subject)
    if found:
        return found, False
    if group not in GROUPS:
        raise Refused("bad_group")
    if school is not None and not await LibraryBranch.exists().where(
        (LibraryBranch.id == school) & (LibraryBranch.kind != "city")
    ):
        raise Refused("unknown_school")
    now = now or dt.datetime.now(dt.UTC)
    for _ in range(5):  # two residents at once may pick the same serial: the unique index says
        last = await LibraryPatron.select(LibraryPatron.card_number).order_by(
            LibraryPatron.card_number, ascending=False).first()  # fmt: skip
        serial = int(last["card_number"][:-1]) + 1 if last else FIRST_SERIAL
        try:
            await LibraryPatron.insert(LibraryPatron(
                subject=subject, card_number=card.make_number(serial), locale=locale,
                group=group, school=school, created_at=now,
            ))  # fmt: skip
        except Exception:
            found = await patron(subject)
            if found:
                return found, False
            continue
        return await patron(subject), True  # type: ignore[return-value]
    raise Refused("busy")


async def update_settings(
    subject: str, *, history_on: bool, children_ages: list[int], group: str, school: int | None,
    locale: str = "ja",
) -> None:  # fmt: skip
    me = await patron(subject)
    if me is None:
        raise Refused("no_card")
    if group not in GROUPS:
        raise Refused("bad_group")
    if any(a < 0 or a > 18 for a in children_ages) or len(children_ages) > 8:
        raise Refused("bad_ages")
    if school is not None and not await LibraryBranch.exists().where(
        (LibraryBranch.id == school) & (LibraryBranch.kind != "city")
    ):
        raise Refused("unknown_school")
    async with _db().transaction():
        await LibraryPatron.update({
            LibraryPatron.history_on: history_on, LibraryPatron.children_ages: children_ages,
            LibraryPatron.group: group, LibraryPatron.school: school,
            LibraryPatron.locale: locale,
        }).where(LibraryPatron.id == me["id"])  # fmt: skip
        if not history_on:  # turning it off forgets it
            await LibraryHistory.delete().where(LibraryHistory.patron == me["id"])


async def patron_by_card(number: str) -> dict[str, Any]:
    try:
        value = card.validate(number)
    except card.BadCardNumber as exc:
        raise Refused("bad_card_format" if str(exc) == "format" else "bad_check_digit") from None
    found = await LibraryPatron.select().where(LibraryPatron.card_number == value).first()
    if found is None:
        raise Refused("unknown_card")
    return found


# --- holds -------------------------------------------------------------------------------------


async def place_hold(
    subject: str, title_id: int, pickup: int, now: dt.datetime | None = None
) -> int:
    """A hold at the end of the title's queue. Refused: no card, unknown title or branch, a
    title held nowhere (no copy in any library), already on hold or on loan to them, too many."""
    now = now or dt.datetime.now(dt.UTC)
    me = await patron(subject)
    if me is None:
        raise Refused("no_card")
    if not await LibraryTitle.exists().where(LibraryTitle.id == title_id):
        raise Refused("unknown_title")
    if not await LibraryCopy.exists().where(
        (LibraryCopy.title == title_id) & (LibraryCopy.status != "withdrawn")
    ):
        raise Refused("held_nowhere")
    if not await LibraryBranch.exists().where(LibraryBranch.id == pickup):
        raise Refused("unknown_branch")
    if await LibraryLoan.exists().where(
        (LibraryLoan.patron == me["id"]) & (LibraryLoan.title == title_id)
        & LibraryLoan.returned_on.is_null()
    ):  # fmt: skip
        raise Refused("already_borrowed")
    open_key = f"{me['id']}|{title_id}"
    if await LibraryHold.exists().where(LibraryHold.open_key == open_key):
        raise Refused("already_held")
    if await LibraryHold.count().where(
        (LibraryHold.patron == me["id"]) & LibraryHold.open_key.is_not_null()
    ) >= MAX_HOLDS:
        raise Refused("too_many_holds")
    try:
        rows = await LibraryHold.insert(LibraryHold(
            title=title_id, patron=me["id"], pickup=pickup, open_key=open_key,
            status="waiting", placed_at=now,
        )).returning(LibraryHold.id)  # fmt: skip
    except Exception:
        raise Refused("already_held") from None
    hold_id = rows[0]["id"]
    # A copy on the shelf right now is set aside at once for the first in the queue.
    shelf = await LibraryCopy.select().where(
        (LibraryCopy.title == title_id) & (LibraryCopy.status == "shelf")
    ).order_by(LibraryCopy.id)  # fmt: skip
    for copy in sorted(shelf, key=lambda c: c["branch"] != pickup):
        if await _assign(copy, copy["branch"], now.date()):
            break
    return hold_id


async def cancel_hold(subject: str, hold_id: int) -> None:
    me = await patron(subject)
    hold = await LibraryHold.select().where(LibraryHold.id == hold_id).first()
    if me is None or hold is None or hold["patron"] != me["id"] or hold["open_key"] is None:
        raise Refused("unknown_hold")
    await _cancel(hold)


async def staff_cancel_hold(hold_id: int) -> dict[str, Any]:
    """A librarian cancels an open hold (the reader asked at the counter); returns the hold with
    its patron's pairwise id, for the audit log."""
    hold = await LibraryHold.select(
        *LibraryHold.all_columns(), LibraryHold.patron.subject.as_alias("subject")
    ).where(LibraryHold.id == hold_id).first()  # fmt: skip
    if hold is None or hold["open_key"] is None:
        raise Refused("unknown_hold")
    await _cancel(hold)
    return hold


async def _cancel(hold: dict[str, Any]) -> None:
    """Close the hold; a copy set aside or on its way for it goes to the next in line."""
    async with _db().transaction():
        await LibraryHold.update({LibraryHold.status: "cancelled", LibraryHold.open_key: None}
                                 ).where(LibraryHold.id == hold["id"])  # fmt: skip
        if hold["copy"]:
            copy = await LibraryCopy.select().where(LibraryCopy.id == hold["copy"]).first()
            await LibraryCopy.update({LibraryCopy.status: "shelf"}).where(
                LibraryCopy.id == hold["copy"])  # fmt: skip
            if copy:
                await _assign({**copy, "status": "shelf"}, copy["branch"], today())


async def queue(title_id: int) -> list[dict[str, Any]]:
    """Open holds of a title in queue order (waiting ones after those a copy went to)."""
    return await LibraryHold.select().where(
        (LibraryHold.title == title_id) & LibraryHold.open_key.is_not_null()
    ).order_by(LibraryHold.placed_at, LibraryHold.id)  # fmt: skip


async def _assign(copy: dict[str, Any], at_branch: int, on: dt.date) -> dict[str, Any] | None:
    """Give a copy now free at ``at_branch`` to the first waiting hold of its title (one queue
    across branches). Ready at once when the pickup branch is where the copy is, otherwise in
    transit. Returns the hold, or None (the copy goes back on the shelf)."""
    waiting = await LibraryHold.select().where(
        (LibraryHold.title == copy["title"]) & (LibraryHold.status == "waiting")
    ).order_by(LibraryHold.placed_at, LibraryHold.id).first()  # fmt: skip
    if waiting is None:
        await LibraryCopy.update({LibraryCopy.status: "shelf", LibraryCopy.branch: at_branch}
                                 ).where(LibraryCopy.id == copy["id"])  # fmt: skip
        return None
    ready = waiting["pickup"] == at_branch
    await LibraryHold.update({
        LibraryHold.status: "ready" if ready else "transit", LibraryHold.copy: copy["id"],
        LibraryHold.ready_on: on if ready else None,
        LibraryHold.keep_until: on + dt.timedelta(days=KEEP_DAYS) if ready else None,
    }).where(LibraryHold.id == waiting["id"])  # fmt: skip
    await LibraryCopy.update({
        LibraryCopy.status: "held" if ready else "transit", LibraryCopy.branch: at_branch,
    }).where(LibraryCopy.id == copy["id"])  # fmt: skip
    return {**waiting, "status": "ready" if ready else "transit"}


# --- the counter: check-out, return, renew -----------------------------------------------------


async def copy_by_barcode(barcode: str) -> dict[str, Any]:
    code = card.book_barcode(barcode)
    found = await LibraryCopy.select().where(
        (LibraryCopy.barcode == code) & (LibraryCopy.status != "withdrawn")
    ).first() if code else None  # fmt: skip
    if found is None:
        raise Refused("unknown_copy")
    return found


async def check_out(card_number: str, barcode: str, branch: int, on: dt.date | None = None
                    ) -> dict[str, Any]:  # fmt: skip
    """Lend a copy to the card's holder. Refused: bad card, unknown copy, a copy already out, a
    copy set aside for someone else's hold, too many loans."""
    on = on or today()
    me = await patron_by_card(card_number)
    copy = await copy_by_barcode(barcode)
    if copy["status"] == "loan":
        raise Refused("already_on_loan")
    hold = await LibraryHold.select().where(
        (LibraryHold.copy == copy["id"]) & LibraryHold.open_key.is_not_null()
    ).first()  # fmt: skip
    if hold and hold["patron"] != me["id"]:
        raise Refused("held_for_another")
    if copy["status"] == "transit" and not hold:
        raise Refused("in_transit")
    if await LibraryLoan.count().where(
        (LibraryLoan.patron == me["id"]) & LibraryLoan.returned_on.is_null()
    ) >= MAX_LOANS:
        raise Refused("too_many_loans")
    due = on + dt.timedelta(days=LOAN_DAYS)
    async with _db().transaction():
        try:
            await LibraryLoan.insert(LibraryLoan(
                copy=copy["id"], title=copy["title"], branch=branch, patron=me["id"],
                group=me["group"], open_key=str(copy["id"]), borrowed_on=on, due_on=due,
            ))  # fmt: skip
        except Exception:
            raise Refused("already_on_loan") from None
        await LibraryCopy.update({LibraryCopy.status: "loan"}).where(LibraryCopy.id == copy["id"])
        if hold:
            await LibraryHold.update({LibraryHold.status: "done", LibraryHold.open_key: None}
                                     ).where(LibraryHold.id == hold["id"])  # fmt: skip
        else:  # their own waiting hold on this title is fulfilled by this copy
            await LibraryHold.update({LibraryHold.status: "done", LibraryHold.open_key: None}
                                     ).where(LibraryHold.open_key == f"{me['id']}|{copy['title']}")
        if me["history_on"]:
            key = f"{me['id']}|{copy['title']}"
            if await LibraryHistory.exists().where(LibraryHistory.key == key):
                await LibraryHistory.update({LibraryHistory.borrowed_on: on}).where(
                    LibraryHistory.key == key)  # fmt: skip
            else:
                await LibraryHistory.insert(LibraryHistory(
                    key=key, patron=me["id"], title=copy["title"], borrowed_on=on))  # fmt: skip
    return {"patron": me, "copy": copy, "due_on": due}


async def check_in(barcode: str, branch: int, on: dt.date | None = None) -> dict[str, Any]:
    """Take a copy back (or receive one in transit) at ``branch``; it goes to the first waiting
    hold of its title, else back on the shelf. The loan forgets its borrower."""
    on = on or today()
    copy = await copy_by_barcode(barcode)
    if not await LibraryBranch.exists().where(LibraryBranch.id == branch):
        raise Refused("unknown_branch")
    async with _db().transaction():
        loan = await LibraryLoan.select(
            *LibraryLoan.all_columns(), LibraryLoan.patron.subject.as_alias("borrower")
        ).where(LibraryLoan.open_key == str(copy["id"])).first()  # fmt: skip
        who = loan["borrower"] if loan else None  # their pairwise id, for the audit log
        if loan:
            await LibraryLoan.update({
                LibraryLoan.returned_on: on, LibraryLoan.open_key: None, LibraryLoan.patron: None,
            }).where(LibraryLoan.id == loan["id"])  # fmt: skip
        if copy["status"] == "transit":
            hold = await LibraryHold.select().where(
                (LibraryHold.copy == copy["id"]) & (LibraryHold.status == "transit")).first()
            if hold and hold["pickup"] == branch:
                await LibraryHold.update({
                    LibraryHold.status: "ready", LibraryHold.ready_on: on,
                    LibraryHold.keep_until: on + dt.timedelta(days=KEEP_DAYS),
                }).where(LibraryHold.id == hold["id"])  # fmt: skip
                await LibraryCopy.update({LibraryCopy.status: "held", LibraryCopy.branch: branch}
                                         ).where(LibraryCopy.id == copy["id"])  # fmt: skip
                return {"copy": copy, "returned": who, "hold": {**hold, "status": "ready"}}
            if hold:  # still on its way to another branch
                return {"copy": copy, "returned": who, "hold": hold}
        if copy["status"] == "held":
            hold = await LibraryHold.select().where(
                (LibraryHold.copy == copy["id"]) & LibraryHold.open_key.is_not_null()).first()
            if hold:  # scanned again while set aside: nothing changes
                return {"copy": copy, "returned": who, "hold": hold}
        hold = await _assign(copy, branch, on)
    return {"copy": copy, "returned": who, "hold": hold}


async def renew(subject: str, loan_id: int, on: dt.date | None = None) -> dt.date:
    """A new due date LOAN_DAYS from today (or from the due date, if later). Refused when
    someone waits for the title, when overdue, or renewed MAX_RENEWALS times already."""
    on = on or today()
    me = await patron(subject)
    loan = await LibraryLoan.select().where(LibraryLoan.id == loan_id).first()
    if me is None or loan is None or loan["patron"] != me["id"] or loan["returned_on"]:
        raise Refused("unknown_loan")
    if await LibraryHold.exists().where(
        (LibraryHold.title == loan["title"]) & (LibraryHold.status == "waiting")
    ):
        raise Refused("someone_waiting")
    if loan["renewals"] >= MAX_RENEWALS:
        raise Refused("renewed_already")
    if loan["due_on"] < on:
        raise Refused("overdue")
    due = max(on, loan["due_on"]) + dt.timedelta(days=LOAN_DAYS)
    await LibraryLoan.update({LibraryLoan.due_on: due, LibraryLoan.renewals: loan["renewals"] + 1}
                             ).where(LibraryLoan.id == loan_id)  # fmt: skip
    return due


async def expire_holds(on: dt.date | None = None) -> int:
    """Ready holds not collected by ``keep_until`` expire; their copy goes to the next in line."""
    on = on or today()
    stale = await LibraryHold.select().where(
        (LibraryHold.status == "ready") & (LibraryHold.keep_until < on))  # fmt: skip
    for hold in stale:
        async with _db().transaction():
            await LibraryHold.update({LibraryHold.status: "expired", LibraryHold.open_key: None}
                                     ).where(LibraryHold.id == hold["id"])  # fmt: skip
            copy = await LibraryCopy.select().where(LibraryCopy.id == hold["copy"]).first()
            if copy:
                await _assign(copy, copy["branch"], on)
    return len(stale)


# --- a library's own collection (school librarians manage theirs in the union catalogue) ------


async def add_copy(title_ref: str, barcode: str, branch: int, shelf: str = "") -> dict[str, Any]:
    """A new copy of a catalogued title (by ISBN or title number) in ``branch``; it goes to the
    first waiting hold of the title at once, else on the shelf."""
    from . import text

    ref, code = title_ref.strip(), card.book_barcode(barcode)
    if not code or len(code) > 32:
        raise Refused("bad_barcode")
    if not await LibraryBranch.exists().where(LibraryBranch.id == branch):
        raise Refused("unknown_branch")
    isbn = text.isbn_digits(ref)
    title = None
    if isbn:
        title = await LibraryTitle.select(LibraryTitle.id).where(
            LibraryTitle.isbn == text.isbn13(isbn)).first()  # fmt: skip
    elif ref.isdigit():
        title = await LibraryTitle.select(LibraryTitle.id).where(
            LibraryTitle.id == int(ref)).first()  # fmt: skip
    if title is None:
        raise Refused("unknown_title")
    if await LibraryCopy.exists().where(LibraryCopy.barcode == code):
        raise Refused("barcode_taken")
    async with _db().transaction():
        try:
            rows = await LibraryCopy.insert(LibraryCopy(
                barcode=code, title=title["id"], branch=branch, shelf=shelf.strip()[:40],
                status="shelf",
            )).returning(LibraryCopy.id)  # fmt: skip
        except Exception:  # the same barcode a moment ago: the unique index
            raise Refused("barcode_taken") from None
        copy = await LibraryCopy.select().where(LibraryCopy.id == rows[0]["id"]).first()
        await _assign(copy, branch, today())
    return copy


async def withdraw_copy(barcode: str, branch: int) -> dict[str, Any]:
    """Withdraw (除籍) a copy of ``branch`` that is on its shelf: out of the union catalogue (kept
    as ``withdrawn``, so the figures of its past loans stay)."""
    copy = await copy_by_barcode(barcode)
    if copy["branch"] != branch:
        raise Refused("other_branch")
    if copy["status"] != "shelf":
        raise Refused("not_on_shelf")
    await LibraryCopy.update({LibraryCopy.status: "withdrawn"}).where(
        (LibraryCopy.id == copy["id"]) & (LibraryCopy.status == "shelf"))  # fmt: skip
    return copy


# --- school librarians ----------------------------------------------------------------------------

JOIN_CODE_DAYS = 7
JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _code_hash(code: str) -> str:
    import hashlib

    return hashlib.sha256(card.book_barcode(code).upper().replace("-", "").encode()).hexdigest()


async def make_join_code(branch: int, now: dt.datetime | None = None) -> str:
    """A one-time code (7 days) for a school librarian to join the school library ``branch``."""
    import secrets

    if not await LibraryBranch.exists().where(
        (LibraryBranch.id == branch) & (LibraryBranch.kind != "city")
    ):
        raise Refused("unknown_school")
    raw = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(8))
    now = now or dt.datetime.now(dt.UTC)
    await LibraryJoinCode.insert(LibraryJoinCode(
        code_hash=_code_hash(raw), branch=branch,
        expires_at=now + dt.timedelta(days=JOIN_CODE_DAYS),
    ))  # fmt: skip
    return f"{raw[:4]}-{raw[4:]}"


async def join_school(subject: str, code: str, now: dt.datetime | None = None) -> int:
    """Bind a school librarian to the school of ``code`` (used once, unexpired); returns it."""
    now = now or dt.datetime.now(dt.UTC)
    found = await LibraryJoinCode.select().where(
        (LibraryJoinCode.code_hash == _code_hash(code)) & LibraryJoinCode.used.eq(False)
        & (LibraryJoinCode.expires_at > now)
    ).first()  # fmt: skip
    if found is None:
        raise Refused("bad_join_code")
    async with _db().transaction():
        await LibraryJoinCode.update({LibraryJoinCode.used: True}).where(
            LibraryJoinCode.id == found["id"])  # fmt: skip
        await LibraryStaffSchool.delete().where(LibraryStaffSchool.subject == subject)
        await LibraryStaffSchool.insert(LibraryStaffSchool(
            subject=subject, branch=found["branch"], joined_at=now))  # fmt: skip
    return found["branch"]


async def staff_school(subject: str) -> int | None:
    row = await LibraryStaffSchool.select(LibraryStaffSchool.branch).where(
        LibraryStaffSchool.subject == subject).first()  # fmt: skip
    return row["branch"] if row else None


async def hold_pickup(hold_id: int) -> int | None:
    row = await LibraryHold.select(LibraryHold.pickup).where(LibraryHold.id == hold_id).first()
    return row["pickup"] if row else None


# --- my collection -----------------------------------------------------------------------------


async def keep(subject: str, title_id: int, now: dt.datetime | None = None) -> None:
    me = await patron(subject)
    if me is None:
        raise Refused("no_card")
    if not await LibraryTitle.exists().where(LibraryTitle.id == title_id):
        raise Refused("unknown_title")
    key = f"{me['id']}|{title_id}"
    if not await LibraryShelf.exists().where(LibraryShelf.key == key):
        at = now or dt.datetime.now(dt.UTC)
        await LibraryShelf.insert(
            LibraryShelf(key=key, patron=me["id"], title=title_id, added_at=at)
        )


async def unkeep(subject: str, title_id: int) -> None:
    me = await patron(subject)
    if me:
        await LibraryShelf.delete().where(LibraryShelf.key == f"{me['id']}|{title_id}")


# --- librarians' recommendation lists ----------------------------------------------------------


async def add_list(age_group: str, heading: str, note: str, isbns_or_ids: list[str],
                   branch: int | None = None, now: dt.datetime | None = None) -> int:  # fmt: skip
    from . import text

    heading, note = heading.strip(), note.strip()
    if age_group not in AGE_GROUPS:
        raise Refused("bad_age_group")
    if not heading or len(heading) > 200:
        raise Refused("no_heading")
    titles: list[int] = []
    unknown: list[str] = []
    for raw in isbns_or_ids:
        raw = raw.strip()
        if not raw:
            continue
        isbn = text.isbn_digits(raw)
        row = None
        if isbn:
            row = await LibraryTitle.select(LibraryTitle.id).where(
                LibraryTitle.isbn == text.isbn13(isbn)).first()  # fmt: skip
        elif raw.isdigit():
            row = await LibraryTitle.select(LibraryTitle.id).where(
                LibraryTitle.id == int(raw)).first()  # fmt: skip
        if row is None:
            unknown.append(raw)
        elif row["id"] not in titles:
            titles.append(row["id"])
    if unknown:
        raise Refused("unknown_items", items=", ".join(unknown[:5]))
    if not titles:
        raise Refused("no_items")
    async with _db().transaction():
        rows = await LibraryList.insert(LibraryList(
            age_group=age_group, heading=heading, note=note[:2000], branch=branch,
            created_at=now or dt.datetime.now(dt.UTC),
        )).returning(LibraryList.id)  # fmt: skip
        list_id = rows[0]["id"]
        for title_id in titles:
            await LibraryListItem.insert(LibraryListItem(
                key=f"{list_id}|{title_id}", list=list_id, title=title_id))  # fmt: skip
    return list_id


async def delete_list(list_id: int) -> None:
    async with _db().transaction():
        await LibraryListItem.delete().where(LibraryListItem.list == list_id)
        await LibraryList.delete().where(LibraryList.id == list_id)
