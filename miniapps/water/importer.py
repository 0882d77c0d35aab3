"""Reading the billing system's CSV export through the city's column mapping.

Every row is checked before anything is stored; :class:`ImportProblems` names each bad row by its
row number in the file (the header is row 1) and the import stores nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAPPING = Path(__file__).parent / "import-mapping.toml"
REQUIRED = (
    "customer_number", "verification_code", "meter_mm", "previous_date", "reading_date",
    "previous_reading", "current_reading", "water_charge", "sewerage_charge", "tax", "total",
    "due_date",
)  # fmt: skip
OPTIONAL = ("meter_changed", "m3", "months", "paid")
TRUE = {"1", "true", "yes", "有", "済", "はい", "○"}
FALSE = {"", "0", "false", "no", "無", "未", "いいえ"}


@dataclass(frozen=True)
class Problem:
    row: int  # 0 for the file as a whole
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}" if self.row else self.message


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
        raise ValueError(f"{label} {text!r} is not a whole number")
    return int(cleaned)


def _bool(text: str, label: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f"{label} {text!r} is neither yes (1) nor no (0)")


def _date(text: str, label: str, fmt: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), fmt).date()
    except ValueError:
        raise ValueError(f"{label} {text!r} is not a date ({fmt})") from None


def parse(data: bytes, mapping: Mapping) -> list[BillRow]:
    """Every row of the export, or :class:`ImportProblems` listing every bad row."""
    try:
        text = data.decode(mapping.encoding)
    except (UnicodeDecodeError, LookupError):
        raise ImportProblems([Problem(0, f"the file is not {mapping.encoding} text")]) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ImportProblems([Problem(0, "the file is empty")])
    header = [h.strip() for h in header]
    missing = [f"{col} ({field})" for field, col in mapping.columns.items()
               if field in REQUIRED and col not in header]  # fmt: skip
    if missing:
        raise ImportProblems([Problem(0, "missing columns: " + ", ".join(missing))])
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
            problems.append(Problem(number, f"{len(cells)} cells, the header has {len(header)}"))
            continue

        def cell(field: str, cells: list[str] = cells) -> str:
            return cells[index[field]].strip() if field in index else ""

        col = mapping.columns
        errors: list[str] = []

        def get(field, convert, default=None, errors=errors, col=col, cell=cell):  # type: ignore[no-untyped-def]
            raw = cell(field)
            if field not in index or (raw == "" and default is not None):
                return default
            try:
                return convert(raw, col[field])
            except ValueError as exc:
                errors.append(str(exc))
                return None

        number_text = cell("customer_number")
        code = cell("verification_code")
        if not number_text:
            errors.append(f"{col['customer_number']} is empty")
        if not code:
            errors.append(f"{col['verification_code']} is empty")
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
                errors.append(
                    f"{col['current_reading']} {cur} is lower than {col['previous_reading']}"
                    f" {prev} without a meter change"
                )
            usage = cur if values["meter_changed"] else cur - prev
            if values["m3"] == -1:
                values["m3"] = usage
            elif values["m3"] != usage:
                errors.append(f"{col.get('m3', 'm3')} {values['m3']} is not the readings' {usage}")
            if values["reading_date"] <= values["previous_date"]:
                errors.append(f"{col['reading_date']} is not after {col['previous_date']}")
            if values["months"] not in (1, 2):
                errors.append(f"{col.get('months', 'months')} must be 1 or 2")
            for field in ("water_charge", "sewerage_charge", "tax", "total", "meter_mm"):
                if values[field] < 0:
                    errors.append(f"{col[field]} is negative")
            if (
                values["water_charge"] + values["sewerage_charge"] + values["tax"]
                != values["total"]
            ):
                errors.append(f"{col['total']} is not the sum of the charges and the tax")
            key = (number_text, values["reading_date"])
            if key in seen:
                errors.append(f"the same account and reading date as row {seen[key]}")
            seen[key] = number
        if errors:
            problems.append(Problem(number, "; ".join(errors)))
            continue
        rows.append(
            BillRow(row=number, customer_number=number_text, verification_code=code, **values)
        )
    if problems:
        raise ImportProblems(problems)
    if not rows:
        raise ImportProblems([Problem(0, "the file has no bills")])
    return rows
