"""Catalogue search on the database's own full-text index: SQLite FTS5, or PostgreSQL's
``tsvector`` with a GIN index. Both read ``library_title.search_text`` (bigram tokens, text.py).

A query's bigrams are first all required (AND); when that finds too little for a query of four
bigrams or more, all but any two neighbouring bigrams are required (one wrong, missing or extra
character breaks at most two), and those candidates are ranked by the share of the query's bigrams
they hold: 「はりーぽったあ」 or "Harry Poter" still find the book. An ISBN is looked up directly.
Results are ordered by ``ts_rank`` on PostgreSQL; on SQLite by where the query is found (title,
reading, author, elsewhere), see :func:`_ids`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from machi_sdk import among

from . import text
from .tables import LibraryTitle

TYPO_SHARE = 0.5
CANDIDATES = 200
RANK_CAP = 500  # SQLite: matches read and ordered per query
MAX_QUERY_GRAMS = 24

def engine_type() -> str:
    return LibraryTitle._meta.db.engine_type


@dataclass
class Filters:
    branch: int | None = None  # only titles with a copy in this branch
    available: bool = False  # only titles with a copy on the shelf (in ``branch`` if given)


def _match(tokens: list[str], joiner: str, prefix_last: bool, sqlite: bool) -> str:
    if sqlite:
        parts = [f"{t}*" if prefix_last and i == len(tokens) - 1 else t
                 for i, t in enumerate(tokens)]  # fmt: skip
        return f" {joiner} ".join(parts)
    parts = [f"{t}:*" if prefix_last and i == len(tokens) - 1 else t
             for i, t in enumerate(tokens)]  # fmt: skip
    return (" & " if joiner == "AND" else " | ").join(parts)


def _typo_match(tokens: list[str], sqlite: bool) -> str:
    """All of the query's bigrams but the (at most two, neighbouring) ones that one wrong,
    missing or extra character breaks: an OR of ANDs. Up to 9 bigrams, one group per pair of
    neighbours left out; longer queries, two halves that leave out the bigram between them (one
    of the two holds no broken bigram), so the OR stays short and each part selective."""
    if len(tokens) <= 9:
        parts = [tokens[:i] + tokens[i + 2 :] for i in range(len(tokens) - 1)]
    else:
        half = len(tokens) // 2
        parts = [tokens[:half], tokens[half + 1 :]]
    groups: list[str] = []
    for kept in parts:
        group = "(" + _match(kept, "AND", False, sqlite) + ")"
        if group not in groups:
            groups.append(group)
    return (" OR " if sqlite else " | ").join(groups)


def _copy_filter(filters: Filters, args: list[Any]) -> str:
    if filters.branch is None and not filters.available:
        return ""
    cond = ["c.status <> 'withdrawn'"]
    if filters.branch is not None:
        args.append(filters.branch)
        cond.append("c.branch = {}")
    if filters.available:
        cond.append("c.status = 'shelf'")
    # only constant SQL and placeholders: the values are bound
    return (" AND EXISTS (SELECT 1 FROM library_copy c WHERE c.title = t.id AND "  # noqa: S608
            + " AND ".join(cond) + ")")  # fmt: skip


async def _ids(match: str, filters: Filters, limit: int, *, rank: bool = True,
               query: str = "") -> list[int]:  # fmt: skip
    """Piccolo's ``raw`` binds each ``{}`` to the next argument, on either engine.

    On SQLite, bm25 ranking costs per matching row and a common word matches thousands of titles,
    so up to ``RANK_CAP`` matches are read once, unranked, and ordered here by where the query
    is found (title, then reading, then author, then elsewhere), shorter titles first."""
    args: list[Any] = [match]
    if engine_type() == "sqlite":
        columns = "t.id AS id" + (", t.title AS title, t.title_kana AS kana, t.author AS author, "
                                  "t.author_kana AS author_kana" if rank else "")  # fmt: skip
        sql = (f"SELECT {columns} FROM library_title_fts f JOIN library_title t "  # noqa: S608
               "ON t.id = f.rowid WHERE library_title_fts MATCH {}")  # fmt: skip
        sql += _copy_filter(filters, args)
        sql += f" LIMIT {RANK_CAP if rank else int(limit)}"
        rows = await LibraryTitle.raw(sql, *args)
        if rank:
            rows = sorted(rows, key=_relevance(query))[:limit]
        return [row["id"] for row in rows]
    vector = "to_tsvector('simple', t.search_text)"
    sql = f"SELECT t.id AS id FROM library_title t WHERE {vector} @@ "  # noqa: S608
    sql += "to_tsquery('simple', {})"
    sql += _copy_filter(filters, args)
    if rank:
        sql += f" ORDER BY ts_rank({vector}, to_tsquery('simple', {{}})) DESC, t.id"
        args.append(match)
    sql += f" LIMIT {int(limit)}"
    rows = await LibraryTitle.raw(sql, *args)
    return [row["id"] for row in rows]


def _relevance(query: str) -> Any:
    wanted = text.squash(query)

    def key(row: dict[str, Any]) -> tuple[int, int, int]:
        where = 3
        if wanted:
            for weight, name in ((0, "title"), (1, "kana"), (2, "author"), (2, "author_kana")):
                value = row[name]
                if value and wanted in text.squash(value):
                    where = weight
                    break
        return (where, len(row["title"]), row["id"])

    return key


async def search(query: str, filters: Filters | None = None, limit: int = 30) -> list[int]:
    """Title ids, best first."""
    filters = filters or Filters()
    isbn = text.isbn_digits(query)
    if isbn:
        rows = await LibraryTitle.select(LibraryTitle.id).where(
            LibraryTitle.isbn == text.isbn13(isbn)
        )
        ids = [r["id"] for r in rows]
        if ids and (filters.branch is not None or filters.available):
            kept = set(await _ids_with_copies(ids, filters))
            ids = [i for i in ids if i in kept]
        return ids
    grams = text.grams(query)[:MAX_QUERY_GRAMS]
    if not grams:
        return []
    tokens = [text.token(g) for g in grams]
    sqlite = engine_type() == "sqlite"
    # a one-character query, or a last word still being typed, matches as a prefix
    single = len(grams) == 1 and len(grams[0]) == 1
    found = await _ids(_match(tokens, "AND", single, sqlite), filters, limit, query=query)
    if len(found) >= limit or len(tokens) < 4:  # a short query must match as typed
        return found
    loose = await _ids(_typo_match(tokens, sqlite), filters, CANDIDATES, rank=False)
    loose = [i for i in loose if i not in set(found)]
    if not loose:
        return found
    rows = await LibraryTitle.select(LibraryTitle.id, LibraryTitle.search_text).where(
        among(LibraryTitle.id, loose)
    )
    docs = {r["id"]: set(r["search_text"].split()) for r in rows}
    wanted = set(tokens)
    scored = []
    for order, i in enumerate(loose):
        share = len(wanted & docs.get(i, set())) / len(wanted)
        if share >= TYPO_SHARE:
            scored.append((-share, order, i))
    scored.sort()
    return (found + [i for _, _, i in scored])[:limit]


async def _ids_with_copies(ids: list[int], filters: Filters) -> list[int]:
    from .tables import LibraryCopy

    where = among(LibraryCopy.title, ids) & (LibraryCopy.status != "withdrawn")
    if filters.branch is not None:
        where &= LibraryCopy.branch == filters.branch
    if filters.available:
        where &= LibraryCopy.status == "shelf"
    return [r["title"] for r in await LibraryCopy.select(LibraryCopy.title).where(where)]
