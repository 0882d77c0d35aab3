"""Storing imported records: titles (with their search tokens), copies and new branches, in one
transaction or not at all; each run is recorded for the staff page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import text
from .importer import ImportProblems, Problem, Record
from .tables import LibraryBranch, LibraryCopy, LibraryImportRun, LibraryTitle


def search_text(record: Any) -> str:
    get = record.get if isinstance(record, dict) else lambda k: getattr(record, k)
    return text.document(get("title"), get("title_kana"), get("author"), get("author_kana"),
                         get("subject"), get("publisher"))  # fmt: skip


async def import_records(records: list[Record], file_name: str,
                         now: dt.datetime | None = None) -> dict[str, int]:  # fmt: skip
    now = now or dt.datetime.now(dt.UTC)
    problems: list[Problem] = []
    created = updated = copies = 0
    try:
        async with LibraryTitle._meta.db.transaction():
            branches = {b["code"]: b["id"] for b in await LibraryBranch.select()}
            for record in records:
                for c in record.copies:
                    if c.branch in branches:
                        continue
                    if not c.branch_name:
                        problems.append(Problem(record.row, f"unknown branch {c.branch!r} (give"
                                                            " branch_name to add it)"))  # fmt: skip
                        continue
                    rows = await LibraryBranch.insert(LibraryBranch(
                        code=c.branch, name=c.branch_name, kind=c.branch_kind or "city",
                    )).returning(LibraryBranch.id)  # fmt: skip
                    branches[c.branch] = rows[0]["id"]
            if problems:
                raise ImportProblems(problems)
            for record in records:
                values = {
                    "isbn": record.isbn, "title": record.title, "title_kana": record.title_kana,
                    "author": record.author, "author_kana": record.author_kana,
                    "subject": record.subject, "publisher": record.publisher,
                    "year": record.year, "audience": record.audience,
                    "search_text": search_text(record),
                }  # fmt: skip
                found = await LibraryTitle.select(LibraryTitle.id).where(
                    LibraryTitle.key == record.key).first()  # fmt: skip
                if found:
                    await LibraryTitle.update(
                        {getattr(LibraryTitle, k): v for k, v in values.items()}
                    ).where(LibraryTitle.id == found["id"])
                    title_id = found["id"]
                    updated += 1
                else:
                    rows = await LibraryTitle.insert(LibraryTitle(key=record.key, **values)
                                                     ).returning(LibraryTitle.id)  # fmt: skip
                    title_id = rows[0]["id"]
                    created += 1
                for c in record.copies:
                    existing = await LibraryCopy.select(LibraryCopy.id).where(
                        LibraryCopy.barcode == c.barcode).first()  # fmt: skip
                    if existing:
                        await LibraryCopy.update({
                            LibraryCopy.title: title_id, LibraryCopy.branch: branches[c.branch],
                            LibraryCopy.shelf: c.shelf,
                        }).where(LibraryCopy.id == existing["id"])  # fmt: skip
                    else:
                        await LibraryCopy.insert(LibraryCopy(
                            barcode=c.barcode, title=title_id, branch=branches[c.branch],
                            shelf=c.shelf, status="shelf",
                        ))  # fmt: skip
                    copies += 1
    except ImportProblems as exc:
        await record_run(file_name, ok=False, records=len(records), problems=exc.problems, now=now)
        raise
    await record_run(file_name, ok=True, records=len(records), now=now)
    return {"created": created, "updated": updated, "copies": copies}


async def record_run(file_name: str, *, ok: bool, records: int,
                     problems: list[Problem] | None = None,
                     now: dt.datetime | None = None) -> None:  # fmt: skip
    await LibraryImportRun.insert(LibraryImportRun(
        file_name=file_name[:200], ok=ok, records=records,
        problems=[{"row": p.row, "message": p.message} for p in problems or []],
        at=now or dt.datetime.now(dt.UTC),
    ))  # fmt: skip
