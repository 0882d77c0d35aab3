"""Reading the billing system's CSV export through the city's column mapping.

Every row is checked before anything is stored; :class:`ImportProblems` names each bad row by its
row number in the file (the header is row 1) and the import stores nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import gettext
import io
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from machi_sdk.i18n import N_

DEFAULT_MAPPING = Path(__file__).parent / "import-mapping.toml"
REQUIRED = (
    "customer_number", "verification_code", "meter_mm", "previous_date", "reading_date",
    "previous_reading", "current_reading", "water_charge", "sewerage_charge", "tax", "total",
    "due_date",
)  # fmt: skip
OPTIONAL = ("meter_changed", "m3", "months", "paid")
EMPTY = N_("「%(column)s」が空です")
NOT_NUMBER = N_("「%(column)s」の %(value)s は整数ではありません")
NOT_TEXT = N_("ファイルの文字コードが %(encoding)s ではありません")
SHORT_ROW = N_("項目が%(cells)s個しかありません（見出しは%(header)s個）")
USAGE_MISMATCH = N_("「%(column)s」の %(m3)s が、指針から計算した %(usage)s と合いません")
TRUE = {"1", "true", "yes", "有", "済", "はい", "○"}
FALSE = {"", "0", "false", "no", "無", "未", "いいえ"}


# Problems are kept as the Japanese source text and its values, and shown in the reader's
# language: the staff page in theirs, the command line in English.
_ENGLISH = gettext.translation(
    "water", localedir=str(Path(__file__).parent / "locales"), languages=["en"], fallback=True
)


@dataclass(frozen=True)
class Note:
    text: str  # a message of the app's catalog (Japanese source)
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str]) -> str:
        return translate(self.text) % self.params


class Bad(ValueError):
    """A cell that cannot be read; carries the note that says why."""

    def __init__(self, text: str, **params: Any) -> None:
        self.note = Note(text, params)
        super().__init__(self.note.render(_ENGLISH.gettext))


@dataclass(frozen=True, eq=True)
class Problem:
    row: int  # 0 for the file as a whole
    notes: tuple[Note, ...]

    @classmethod
    def of(cls, row: int, text: str, **params: Any) -> Problem:
        return cls(row, (Note(text, params),))

    def render(self, translate: Callable[[str], str]) -> str:
        return "; ".join(note.render(translate) for note in self.notes)

    @property
    def message(self) -> str:
        """In English, for the command line and logs."""
        return self.render(_ENGLISH.gettext)

    def as_json(self) -> dict[str, Any]:
        notes = [{"text": n.text, "params": n.params} for n in self.notes]
        return {"row": self.row, "message": self.message, "notes": notes}

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}" if self.row else self.message


def render_stored(problem: dict[str, Any], translate: Callable[[str], str]) -> str:
    """A problem kept in an import run, in the reader's language (runs kept before problems had
    notes show their English message)."""
    notes = problem.get("notes")
    if not notes:
        return str(problem.get("message", ""))
    return "; ".join(Note(n["text"], dict(n.get("params") or {})).render(translate) for n in notes)


class ImportProblems(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]
    encoding: str = "utf-8-sig"
    date_format: str = "%Y/%m/%d"


@dataclass(frozen=True)
class BillRow:
    row: int
    customer_number: str
    verification_code: str
    meter_mm: int
    previous_date: dt.date
    reading_date: dt.date
    previous_reading: int
    current_reading: int
    meter_changed: bool
    m3: int
    months: int
    water_charge: int
    sewerage_charge: int
    tax: int
    total: int
    due_date: dt.date
    paid: bool


def load_mapping(path: str | Path | None = None) -> Mapping:
    """The mapping file (TOML, or JSON when it ends with .json); ValueError when unusable."""
    import json

    path = Path(path) if path else DEFAULT_MAPPING
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the column mapping {path}: {exc}") from None
    columns = data.get("columns")
    if not isinstance(columns, dict):
        raise ValueError(f"{path}: no [columns] table")
    missing = [f for f in REQUIRED if not columns.get(f)]
    unknown = sorted(set(columns) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing fields: " + ", ".join(missing))
        if unknown:
            parts.append("unknown fields: " + ", ".join(unknown))
        raise ValueError(f"{path}: " + "; ".join(parts))
    return Mapping(
        columns={k: str(v) for k, v in columns.items()},
        encoding=str(data.get("encoding", "utf-8-sig")),
        date_format=str(data.get("date_format", "%Y/%m/%d")),
    )


def _int(text: str, label: str) -> int:
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("円", "")
    if not cleaned.lstrip("-").isdigit():
        raise Bad(NOT_NUMBER, column=label, value=repr(text))
    return int(cleaned)


def _bool(text: str, label: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise Bad(N_("「%(column)s」の %(value)s は、あり（1）か、なし（0）で書いてください"),
              column=label, value=repr(text))  # fmt: skip


def _date(text: str, label: str, fmt: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), fmt).date()
    except ValueError:
        raise Bad(N_("「%(column)s」の %(value)s は日付ではありません（%(format)s）"),
                  column=label, value=repr(text), format=fmt) from None  # fmt: skip


def parse(data: bytes, mapping: Mapping) -> list[BillRow]:
    """Every row of the export, or :class:`ImportProblems` listing every bad row."""
    try:
        text = data.decode(mapping.encoding)
    except (UnicodeDecodeError, LookupError):
        raise ImportProblems([Problem.of(0, NOT_TEXT, encoding=mapping.encoding)]) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ImportProblems([Problem.of(0, N_("ファイルが空です"))])
    header = [h.strip() for h in header]
    missing = [f"{col} ({field})" for field, col in mapping.columns.items()
               if field in REQUIRED and col not in header]  # fmt: skip
    if missing:
        raise ImportProblems([Problem.of(0, N_("列がありません: %(columns)s"),
                                         columns=", ".join(missing))])  # fmt: skip
    index = {field: header.index(col) for field, col in mapping.columns.items() if col in header}
    rows: list[BillRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, dt.date], int] = {}
    fmt = mapping.date_format

    def to_date(text: str, label: str) -> dt.date:
        return _date(text, label, fmt)

    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            problems.append(Problem.of(number, SHORT_ROW, cells=len(cells), header=len(header)))
            continue

        def cell(field: str, cells: list[str] = cells) -> str:
            return cells[index[field]].strip() if field in index else ""

        col = mapping.columns
        errors: list[Note] = []

        def get(field, convert, default=None, errors=errors, col=col, cell=cell):  # type: ignore[no-untyped-def]
            raw = cell(field)
            if field not in index or (raw == "" and default is not None):
                return default
            try:
                return convert(raw, col[field])
            except Bad as exc:
                errors.append(exc.note)
                return None

        number_text = cell("customer_number")
        code = cell("verification_code")
        if not number_text:
            errors.append(Note(EMPTY, {"column": col["customer_number"]}))
        if not code:
            errors.append(Note(EMPTY, {"column": col["verification_code"]}))
        values = {
            "meter_mm": get("meter_mm", _int),
            "previous_date": get("previous_date", to_date),
            "reading_date": get("reading_date", to_date),
            "previous_reading": get("previous_reading", _int),
            "current_reading": get("current_reading", _int),
            "meter_changed": get("meter_changed", _bool, False),
            "m3": get("m3", _int, -1),
            "months": get("months", _int, 2),
            "water_charge": get("water_charge", _int),
            "sewerage_charge": get("sewerage_charge", _int),
            "tax": get("tax", _int),
            "total": get("total", _int),
            "due_date": get("due_date", to_date),
            "paid": get("paid", _bool, False),
        }
        if not errors:
            prev, cur = values["previous_reading"], values["current_reading"]
            if cur < prev and not values["meter_changed"]:
                errors.append(Note(
                    N_("「%(current)s」の %(cur)s が「%(previous)s」の %(prev)s より小さいのに、"
                       "メーター交換になっていません"),
                    {"current": col["current_reading"], "cur": cur,
                     "previous": col["previous_reading"], "prev": prev},
                ))  # fmt: skip
            usage = cur if values["meter_changed"] else cur - prev
            if values["m3"] == -1:
                values["m3"] = usage
            elif values["m3"] != usage:
                errors.append(Note(USAGE_MISMATCH,
                                   {"column": col.get("m3", "m3"), "m3": values["m3"],
                                    "usage": usage}))  # fmt: skip
            if values["reading_date"] <= values["previous_date"]:
                errors.append(Note(N_("「%(reading)s」が「%(previous)s」より後になっていません"),
                                   {"reading": col["reading_date"],
                                    "previous": col["previous_date"]}))  # fmt: skip
            if values["months"] not in (1, 2):
                errors.append(Note(N_("「%(column)s」は 1 か 2 にしてください"),
                                   {"column": col.get("months", "months")}))  # fmt: skip
            for field in ("water_charge", "sewerage_charge", "tax", "total", "meter_mm"):
                if values[field] < 0:
                    errors.append(Note(N_("「%(column)s」がマイナスです"), {"column": col[field]}))
            if (
                values["water_charge"] + values["sewerage_charge"] + values["tax"]
                != values["total"]
            ):
                errors.append(Note(N_("「%(column)s」が、料金と消費税の合計と合いません"),
                                   {"column": col["total"]}))  # fmt: skip
            key = (number_text, values["reading_date"])
            if key in seen:
                errors.append(Note(N_("%(row)s行目と同じお客さま番号・検針日です"),
                                   {"row": seen[key]}))  # fmt: skip
            seen[key] = number
        if errors:
            problems.append(Problem(number, tuple(errors)))
            continue
        rows.append(
            BillRow(row=number, customer_number=number_text, verification_code=code, **values)
        )
    if problems:
        raise ImportProblems(problems)
    if not rows:
        raise ImportProblems([Problem.of(0, N_("請求が1件もありません"))])
    return rows
