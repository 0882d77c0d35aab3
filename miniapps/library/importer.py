"""The catalogue import: MARC 21 (ISO 2709, read with pymarc) or CSV, all or nothing.

One copy per CSV row / per 852 field of a MARC record (852 $b branch code, $p barcode, $h shelf
mark). Titles are keyed by ISBN-13 (978…), or by the record's control number (001) / the CSV's
``id`` when there is no ISBN. Every record is checked first; each problem is reported with its row
or record number and nothing is stored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from . import text
from .card import book_barcode

AUDIENCES = ("picture", "child", "teen", "general")
BRANCH_KINDS = ("city", "elementary", "junior_high")
# MARC 21 008/22, target audience
MARC_AUDIENCE = {"a": "picture", "b": "picture", "c": "child", "j": "child", "d": "teen"}
CSV_FIELDS = ("isbn", "id", "title", "title_kana", "author", "author_kana", "subject",
              "publisher", "year", "audience", "branch", "branch_name", "branch_kind", "barcode",
              "shelf")  # fmt: skip


@dataclass
class Problem:
    row: int
    message: str

    def __str__(self) -> str:
        return f"record {self.row}: {self.message}" if self.row else self.message


class ImportProblems(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class CopyRow:
    branch: str
    barcode: str
    shelf: str = ""
    branch_name: str = ""
    branch_kind: str = ""


@dataclass
class Record:
    row: int
    key: str
    isbn: str
    title: str
    title_kana: str = ""
    author: str = ""
    author_kana: str = ""
    subject: str = ""
    publisher: str = ""
    year: int = 0
    audience: str = "general"
    copies: list[CopyRow] = field(default_factory=list)


def _key(isbn_raw: str, ident: str, row: int, problems: list[Problem]) -> tuple[str, str] | None:
    isbn = ""
    if isbn_raw.strip():
        digits = text.isbn_digits(isbn_raw)
        if digits is None or not _isbn_ok(digits):
            problems.append(Problem(row, f"ISBN {isbn_raw.strip()!r} is not a valid ISBN"))
            return None
        isbn = text.isbn13(digits)
    if isbn:
        return f"isbn:{isbn}", isbn
    if ident.strip():
        return f"id:{ident.strip()[:60]}", ""
    problems.append(Problem(row, "neither an ISBN nor an id"))
    return None


def _isbn_ok(digits: str) -> bool:
    if len(digits) == 13:
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
        return (10 - total % 10) % 10 == int(digits[12])
    total = sum((10 - i) * (10 if d == "X" else int(d)) for i, d in enumerate(digits))
    return total % 11 == 0 and "X" not in digits[:9]


def _year(value: str, row: int, problems: list[Problem]) -> int:
    digits = "".join(ch for ch in value if ch.isdigit())[:4]
    if value.strip() and (len(digits) != 4):
        problems.append(Problem(row, f"year {value.strip()!r} is not a year"))
        return 0
    return int(digits) if digits else 0


def parse_csv(data: bytes) -> list[Record]:
    """Rows of a UTF-8 (or UTF-8 with BOM, or Shift_JIS) CSV with a header row."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportProblems([Problem(0, "the file is neither UTF-8 nor Shift_JIS text")])
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [h for h in ("title", "branch", "barcode") if h not in header]
    if missing:
        raise ImportProblems([Problem(1, "missing column(s): " + ", ".join(missing))])
    problems: list[Problem] = []
    records: dict[str, Record] = {}
    barcodes: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        row["barcode"] = book_barcode(row.get("barcode", ""))
        if not any(row.values()):
            continue
        keyed = _key(row.get("isbn", ""), row.get("id", ""), number, problems)
        if not row.get("title"):
            problems.append(Problem(number, "the title is empty"))
            continue
        audience = row.get("audience") or "general"
        if audience not in AUDIENCES:
            problems.append(Problem(number, f"audience {audience!r} is not one of "
                                            + ", ".join(AUDIENCES)))  # fmt: skip
            continue
        kind = row.get("branch_kind", "")
        if kind and kind not in BRANCH_KINDS:
            problems.append(Problem(number, f"branch_kind {kind!r} is not one of "
                                            + ", ".join(BRANCH_KINDS)))  # fmt: skip
            continue
        if not row.get("branch") or not row.get("barcode"):
            problems.append(Problem(number, "a copy needs a branch code and a barcode"))
            continue
        if row["barcode"] in barcodes:
            problems.append(Problem(number, f"barcode {row['barcode']} appears twice"))
            continue
        barcodes.add(row["barcode"])
        year = _year(row.get("year", ""), number, problems)
        if keyed is None:
            continue
        key, isbn = keyed
        record = records.get(key) or Record(
            row=number, key=key, isbn=isbn, title=row["title"][:500],
            title_kana=row.get("title_kana", "")[:500], author=row.get("author", "")[:300],
            author_kana=row.get("author_kana", "")[:300], subject=row.get("subject", "")[:300],
            publisher=row.get("publisher", "")[:200], year=year, audience=audience,
        )  # fmt: skip
        record.copies.append(CopyRow(row["branch"][:32], row["barcode"][:32],
                                     row.get("shelf", "")[:40], row.get("branch_name", "")[:100],
                                     kind))  # fmt: skip
        records[key] = record
    if problems:
        raise ImportProblems(problems)
    return list(records.values())


def parse_marc(data: bytes) -> list[Record]:
    """Records of a MARC 21 file (ISO 2709). A record pymarc cannot read, or one without a
    title (245) or without holdings (852 $b and $p), is a problem."""
    from pymarc import MARCReader

    problems: list[Problem] = []
    records: dict[str, Record] = {}
    barcodes: set[str] = set()
    reader = MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True,
                        utf8_handling="strict")  # fmt: skip
    number = 0
    for marc in reader:
        number += 1
        if marc is None:
            reason = reader.current_exception
            problems.append(Problem(
                number, f"not a readable MARC 21 record ({type(reason).__name__}: {reason})"))
            continue
        titles = marc.get_fields("245")
        if not titles or not (titles[0].get_subfields("a") or [""])[0].strip():
            problems.append(Problem(number, "no title (245 $a)"))
            continue
        t245 = titles[0]
        title = " ".join(s.strip(" /:;") for s in t245.get_subfields("a", "b") if s.strip())
        isbn_raw = ""
        for f in marc.get_fields("020"):
            values = f.get_subfields("a")
            if values:
                isbn_raw = values[0].split(" ")[0]
                break
        control = marc.get("001").data if marc.get("001") else ""
        keyed = _key(isbn_raw, control, number, problems)
        readings = {}
        for f in marc.get_fields("880"):
            link = (f.get_subfields("6") or [""])[0]
            readings.setdefault(link[:3], " ".join(f.get_subfields("a", "b")))
        author_f = marc.get("100") or marc.get("110") or marc.get("700")
        author = (author_f.get_subfields("a") or [""])[0].strip(" ,.") if author_f else ""
        subjects = [s.strip(" .") for f in marc.get_fields("650") for s in f.get_subfields("a")]
        pub = marc.get("264") or marc.get("260")
        publisher = (pub.get_subfields("b") or [""])[0].strip(" ,:;") if pub else ""
        year_text = (pub.get_subfields("c") or [""])[0] if pub else ""
        year = _year(year_text, number, problems)
        fixed = marc.get("008").data if marc.get("008") else ""
        audience = MARC_AUDIENCE.get(fixed[22:23], "general") if len(fixed) > 22 else "general"
        copies = []
        for f in marc.get_fields("852"):
            branch = (f.get_subfields("b") or [""])[0].strip()
            barcode = book_barcode((f.get_subfields("p") or [""])[0])
            if not branch or not barcode:
                problems.append(Problem(number, "852 holdings need $b (branch) and $p (barcode)"))
                continue
            if barcode in barcodes:
                problems.append(Problem(number, f"barcode {barcode} appears twice"))
                continue
            barcodes.add(barcode)
            copies.append(CopyRow(branch[:32], barcode[:32],
                                  (f.get_subfields("h") or [""])[0][:40]))  # fmt: skip
        if not copies:
            problems.append(Problem(number, "no holdings (852)"))
            continue
        if keyed is None:
            continue
        key, isbn = keyed
        records[key] = Record(
            row=number, key=key, isbn=isbn, title=title[:500],
            title_kana=readings.get("245", "")[:500],
            author=author[:300], author_kana=readings.get("100", "")[:300],
            subject="; ".join(subjects)[:300], publisher=publisher[:200], year=year,
            audience=audience, copies=copies,
        )  # fmt: skip
    if number == 0:
        problems.append(Problem(0, "no MARC 21 records in the file"))
    if problems:
        raise ImportProblems(problems)
    return list(records.values())


def parse(data: bytes, file_name: str) -> list[Record]:
    """MARC 21 for .mrc/.marc/.iso files (or data that starts like a MARC leader), else CSV."""
    name = file_name.lower()
    looks_marc = len(data) >= 24 and data[:5].isdigit() and data[20:24] == b"4500"
    if name.endswith((".mrc", ".marc", ".iso", ".dat")) or looks_marc:
        return parse_marc(data)
    return parse_csv(data)
