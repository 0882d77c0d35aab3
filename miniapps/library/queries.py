"""Reading the library's data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from machi_sdk import among

from .tables import (
    LibraryBranch,
    LibraryCopy,
    LibraryHistory,
    LibraryHold,
    LibraryImportRun,
    LibraryList,
    LibraryListItem,
    LibraryLoan,
    LibraryPatron,
    LibraryRelated,
    LibraryShelf,
    LibraryTitle,
)

TITLE_COLUMNS = (LibraryTitle.id, LibraryTitle.isbn, LibraryTitle.title, LibraryTitle.title_kana,
                 LibraryTitle.author, LibraryTitle.subject, LibraryTitle.publisher,
                 LibraryTitle.year, LibraryTitle.audience)  # fmt: skip


def _json_list(value: Any) -> list[Any]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


async def branches() -> list[dict[str, Any]]:
    return await LibraryBranch.select().order_by(LibraryBranch.id)


async def titles(ids: list[int]) -> list[dict[str, Any]]:
    """Titles in the order of ``ids``, each with its copies' counts."""
    if not ids:
        return []
    rows = {r["id"]: r for r in await LibraryTitle.select(*TITLE_COLUMNS).where(
        among(LibraryTitle.id, ids))}  # fmt: skip
    counts: dict[int, dict[str, int]] = {}
    for c in await LibraryCopy.select(LibraryCopy.title, LibraryCopy.status).where(
            among(LibraryCopy.title, ids) & (LibraryCopy.status != "withdrawn")):  # fmt: skip
        entry = counts.setdefault(c["title"], {"copies": 0, "shelf": 0})
        entry["copies"] += 1
        entry["shelf"] += c["status"] == "shelf"
    return [{**rows[i], **counts.get(i, {"copies": 0, "shelf": 0})} for i in ids if i in rows]


async def title(title_id: int) -> dict[str, Any] | None:
    row = await LibraryTitle.select(*TITLE_COLUMNS).where(LibraryTitle.id == title_id).first()
    if row is None:
        return None
    row["copies"] = await LibraryCopy.select(
        LibraryCopy.id, LibraryCopy.barcode, LibraryCopy.shelf, LibraryCopy.status,
        LibraryCopy.branch, LibraryCopy.branch.name.as_alias("branch_name"),
        LibraryCopy.branch.name_en.as_alias("branch_name_en"),
        LibraryCopy.branch.kind.as_alias("branch_kind"),
    ).where((LibraryCopy.title == title_id) & (LibraryCopy.status != "withdrawn")).order_by(
        LibraryCopy.branch)  # fmt: skip
    row["waiting"] = await LibraryHold.count().where(
        (LibraryHold.title == title_id) & (LibraryHold.status == "waiting"))  # fmt: skip
    return row


async def loans(patron_id: int) -> list[dict[str, Any]]:
    return await LibraryLoan.select(
        LibraryLoan.id, LibraryLoan.title, LibraryLoan.title.title.as_alias("title_name"),
        LibraryLoan.borrowed_on, LibraryLoan.due_on, LibraryLoan.renewals,
        LibraryLoan.branch.name.as_alias("branch_name"),
    ).where((LibraryLoan.patron == patron_id) & LibraryLoan.returned_on.is_null()).order_by(
        LibraryLoan.due_on)  # fmt: skip


async def holds(patron_id: int) -> list[dict[str, Any]]:
    rows = await LibraryHold.select(
        LibraryHold.id, LibraryHold.title, LibraryHold.title.title.as_alias("title_name"),
        LibraryHold.status, LibraryHold.placed_at, LibraryHold.keep_until, LibraryHold.pickup,
        LibraryHold.pickup.name.as_alias("pickup_name"),
    ).where((LibraryHold.patron == patron_id) & LibraryHold.open_key.is_not_null()).order_by(
        LibraryHold.placed_at)  # fmt: skip
    for row in rows:
        row["position"] = await position(row["id"]) if row["status"] == "waiting" else 0
    return rows


async def position(hold_id: int) -> int:
    """1 for the first in its title's queue of waiting holds."""
    hold = await LibraryHold.select().where(LibraryHold.id == hold_id).first()
    if hold is None:
        return 0
    ahead = await LibraryHold.count().where(
        (LibraryHold.title == hold["title"]) & (LibraryHold.status == "waiting")
        & ((LibraryHold.placed_at < hold["placed_at"])
           | ((LibraryHold.placed_at == hold["placed_at"]) & (LibraryHold.id < hold_id)))
    )  # fmt: skip
    return ahead + 1


async def shelf(patron_id: int) -> list[dict[str, Any]]:
    rows = await LibraryShelf.select(LibraryShelf.title).where(
        LibraryShelf.patron == patron_id).order_by(LibraryShelf.added_at, ascending=False)
    return await titles([r["title"] for r in rows])


async def history(patron_id: int) -> list[dict[str, Any]]:
    return await LibraryHistory.select(
        LibraryHistory.title, LibraryHistory.title.title.as_alias("title_name"),
        LibraryHistory.borrowed_on,
    ).where(LibraryHistory.patron == patron_id).order_by(
        LibraryHistory.borrowed_on, ascending=False).limit(200)  # fmt: skip


async def recommended_for(patron: dict[str, Any], limit: int = 6) -> list[dict[str, Any]]:
    """From the computed title-to-title table, starting from this patron's own loans, shelf and
    history (their data only); nothing they have borrowed or kept already."""
    seeds = {r["title"] for r in await LibraryLoan.select(LibraryLoan.title).where(
        LibraryLoan.patron == patron["id"])}  # fmt: skip
    seeds |= {r["title"] for r in await LibraryShelf.select(LibraryShelf.title).where(
        LibraryShelf.patron == patron["id"])}  # fmt: skip
    seeds |= {r["title"] for r in await LibraryHistory.select(LibraryHistory.title).where(
        LibraryHistory.patron == patron["id"])}  # fmt: skip
    if not seeds:
        return []
    related = await LibraryRelated.select(LibraryRelated.other, LibraryRelated.score).where(
        among(LibraryRelated.title, list(seeds))).order_by(LibraryRelated.score, ascending=False
    ).limit(200)  # fmt: skip
    scores: dict[int, int] = {}
    for r in related:
        if r["other"] not in seeds:
            scores[r["other"]] = scores.get(r["other"], 0) + r["score"]
    best = sorted(scores, key=lambda i: (-scores[i], i))[:limit]
    return await titles(best)


def age_group(age: int) -> str:
    if age <= 5:
        return "picture"
    if age <= 11:
        return "child"
    if age <= 15:
        return "teen"
    return "general"


async def lists(age_groups: list[str] | None = None) -> list[dict[str, Any]]:
    query = LibraryList.select().order_by(LibraryList.created_at, ascending=False)
    if age_groups is not None:
        if not age_groups:
            return []
        query = query.where(LibraryList.age_group.is_in(age_groups))
    out = []
    for row in await query.limit(20):
        items = await LibraryListItem.select(LibraryListItem.title).where(
            LibraryListItem.list == row["id"]).order_by(LibraryListItem.id)  # fmt: skip
        out.append({**row, "titles": await titles([i["title"] for i in items])})
    return out


async def popular(audience: str, limit: int = 6) -> list[dict[str, Any]]:
    """Most lent titles for an audience over the last 365 days (counted over everyone)."""
    since = dt.date.today() - dt.timedelta(days=365)
    rows = await LibraryLoan.select(LibraryLoan.title).where(
        (LibraryLoan.borrowed_on >= since) & (LibraryLoan.title.audience == audience))
    counts: dict[int, int] = {}
    for r in rows:
        counts[r["title"]] = counts.get(r["title"], 0) + 1
    best = sorted(counts, key=lambda i: (-counts[i], i))[:limit]
    return await titles(best)


async def patron_count() -> int:
    return await LibraryPatron.count()


async def holds_queue(branch: int | None = None) -> list[dict[str, Any]]:
    """Open holds for the staff page, per title in queue order."""
    query = LibraryHold.select(
        LibraryHold.id, LibraryHold.title, LibraryHold.title.title.as_alias("title_name"),
        LibraryHold.status, LibraryHold.placed_at, LibraryHold.keep_until,
        LibraryHold.pickup.name.as_alias("pickup_name"),
        LibraryHold.patron.card_number.as_alias("card_number"),
        LibraryHold.copy.barcode.as_alias("barcode"),
    ).where(LibraryHold.open_key.is_not_null())  # fmt: skip
    if branch is not None:
        query = query.where(LibraryHold.pickup == branch)
    return await query.order_by(LibraryHold.title, LibraryHold.placed_at, LibraryHold.id).limit(300)


async def collection(branch: int, limit: int = 200) -> list[dict[str, Any]]:
    """A library's own copies (not withdrawn), for its librarians."""
    return await LibraryCopy.select(
        LibraryCopy.barcode, LibraryCopy.shelf, LibraryCopy.status, LibraryCopy.title,
        LibraryCopy.title.title.as_alias("title_name"),
    ).where((LibraryCopy.branch == branch) & (LibraryCopy.status != "withdrawn")).order_by(
        LibraryCopy.shelf, LibraryCopy.barcode).limit(limit)  # fmt: skip


async def import_runs(limit: int = 10) -> list[dict[str, Any]]:
    query = LibraryImportRun.select().order_by(LibraryImportRun.id, ascending=False)
    rows = await query.limit(limit)
    for row in rows:
        row["problems"] = _json_list(row["problems"])
    return rows


async def monthly_loans(months: int = 12, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Loans per month (all, and by junior-high students) for the KPI charts; the loans of the
    last ``months`` months, counted from the anonymised loan records."""
    on = on or dt.date.today()
    first = dt.date(on.year, on.month, 1)
    start = first
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    rows = await LibraryLoan.select(LibraryLoan.borrowed_on, LibraryLoan.group,
                                    LibraryLoan.branch.kind.as_alias("kind")).where(
        LibraryLoan.borrowed_on >= start)  # fmt: skip
    out: dict[str, dict[str, Any]] = {}
    month = start
    while month <= first:
        out[f"{month:%Y-%m}"] = {"month": f"{month:%Y-%m}", "loans": 0, "city": 0,
                                 "junior_high": 0}  # fmt: skip
        month = (month + dt.timedelta(days=32)).replace(day=1)
    for r in rows:
        entry = out.get(f"{r['borrowed_on']:%Y-%m}")
        if entry is None:
            continue
        entry["loans"] += 1
        entry["city"] += r["kind"] == "city"
        entry["junior_high"] += r["group"] == "junior_high"
    return list(out.values())


async def junior_high_patrons() -> int:
    return await LibraryPatron.count().where(LibraryPatron.group == "junior_high")
