"""Reading Saga City's (and any city's) 5374.jp open-data folder, unchanged.

:func:`read_folder` parses every file first and collects each cell it cannot read with its file,
row and column (:class:`ImportProblem`); nothing is stored unless the whole folder reads cleanly
(:func:`machi_miniapp_garbage.actions.import_5374` stores a :class:`Schedule5374` in one
transaction).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .rules import Pause, Rule, RuleError, parse_cell

REQUIRED = ("area_days.csv", "target.csv", "description.csv")
_TAGS = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class ImportProblem:
    """One cell the importer cannot read: ``file`` line ``row`` (1 is the header), ``column``."""

    file: str
    row: int
    column: int
    header: str
    value: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.file} row {self.row}, column {self.column} ({self.header}):"
            f" {self.value!r}: {self.reason}"
        )


@dataclass
class ImportError5374(Exception):
    """The folder cannot be imported; ``problems`` lists every cell at fault."""

    problems: list[ImportProblem]

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class Category:
    label: str
    sublabel: str
    description: str  # plain text, one line per paragraph (the CSV's <br /> become newlines)
    icon: str
    color: str


@dataclass
class Area:
    master: str
    name: str
    center: str
    rules: dict[str, list[Rule]]  # category label -> rules
    extra: dict[str, str]  # columns that are not categories, by header (or "列N")


@dataclass(frozen=True)
class Item:
    category: str
    name: str
    notice: str
    furigana: str


@dataclass
class Schedule5374:
    """Everything read from one 5374 folder."""

    categories: list[Category] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    pauses: dict[str, list[Pause]] = field(default_factory=dict)  # centre name -> pauses
    masters: dict[str, str] = field(default_factory=dict)  # マスター id -> 区名
    remarks: dict[str, str] = field(default_factory=dict)


def plain_text(html: str) -> str:
    """The CSV's small HTML (``<br />``, ``<strong>``) as plain lines."""
    text = _BREAK.sub("\n", html)
    text = _TAGS.sub("", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError5374(
            [ImportProblem(path.name, 0, 0, "", "", f"not UTF-8 text ({exc.reason})")]
        ) from None
    return [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]


def _date(text: str) -> dt.date:
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date (YYYY/MM/DD)")


def read_folder(folder: str | Path) -> Schedule5374:
    """Parse a 5374 folder; raise :class:`ImportError5374` listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportError5374([ImportProblem(str(folder), 0, 0, "", "", "no such folder")])
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise ImportError5374(
            [ImportProblem(name, 0, 0, "", "", "file missing") for name in missing]
        )
    problems: list[ImportProblem] = []
    out = Schedule5374()

    if (folder / "remarks.csv").is_file():
        for row in _rows(folder / "remarks.csv")[1:]:
            if len(row) >= 2:
                out.remarks[row[0].strip()] = row[1].strip()
    if (folder / "area_master.csv").is_file():
        for row in _rows(folder / "area_master.csv")[1:]:
            if len(row) >= 2:
                out.masters[row[0].strip()] = row[1].strip()

    description = _rows(folder / "description.csv")
    for index, row in enumerate(description[1:], start=2):
        if len(row) < 5 or not row[0].strip():
            problems.append(
                ImportProblem(
                    "description.csv",
                    index,
                    1,
                    "label",
                    ",".join(row),
                    "expected label,sublabel,description,styles,bgcolor",
                )
            )
            continue
        color = row[4].strip()
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            problems.append(
                ImportProblem("description.csv", index, 5, "bgcolor", color, "not a #rrggbb colour")
            )
            continue
        out.categories.append(
            Category(row[0].strip(), row[1].strip(), plain_text(row[2]), row[3].strip(), color)
        )
    labels = {c.label for c in out.categories}

    if (folder / "center.csv").is_file():
        for index, row in enumerate(_rows(folder / "center.csv")[1:], start=2):
            try:
                start, end = _date(row[1]), _date(row[2])
            except (ValueError, IndexError) as exc:
                problems.append(
                    ImportProblem("center.csv", index, 2, "休止開始日", ",".join(row), str(exc))
                )
                continue
            if end < start:
                problems.append(
                    ImportProblem(
                        "center.csv", index, 3, "休止終了日", row[2], "ends before it starts"
                    )
                )
                continue
            out.pauses.setdefault(row[0].strip(), []).append(Pause(start, end))

    area_rows = _rows(folder / "area_days.csv")
    if not area_rows:
        problems.append(ImportProblem("area_days.csv", 1, 1, "", "", "empty file"))
    else:
        header = area_rows[0]
        if len(header) < 4:
            problems.append(
                ImportProblem(
                    "area_days.csv",
                    1,
                    1,
                    "",
                    ",".join(header),
                    "expected マスター,地名,センター and one column per category",
                )
            )
        category_columns = {
            i: h.strip() for i, h in enumerate(header) if i >= 3 and h.strip() in labels
        }
        if len(header) >= 4 and not category_columns:
            problems.append(
                ImportProblem(
                    "area_days.csv",
                    1,
                    4,
                    header[3],
                    header[3],
                    "no column is a category of description.csv",
                )
            )
        seen: set[tuple[str, str]] = set()
        for index, row in enumerate(area_rows[1:], start=2):
            if len(row) < 3 or not row[1].strip():
                problems.append(
                    ImportProblem("area_days.csv", index, 2, "地名", ",".join(row), "no area name")
                )
                continue
            center = row[2].strip()
            if center and (folder / "center.csv").is_file() and center not in out.pauses:
                problems.append(
                    ImportProblem("area_days.csv", index, 3, header[2], center, "not in center.csv")
                )
            area = Area(
                master=row[0].strip(), name=row[1].strip(), center=center, rules={}, extra={}
            )
            key = (area.master, area.name)
            if key in seen:
                problems.append(
                    ImportProblem(
                        "area_days.csv",
                        index,
                        2,
                        "地名",
                        area.name,
                        "the same area twice in one マスター",
                    )
                )
            seen.add(key)
            for col, value in enumerate(row):
                if col < 3:
                    continue
                if col in category_columns:
                    try:
                        area.rules[category_columns[col]] = parse_cell(value, out.remarks)
                    except RuleError as exc:
                        problems.append(
                            ImportProblem(
                                "area_days.csv", index, col + 1, header[col], value, str(exc)
                            )
                        )
                else:
                    name = (
                        header[col].strip()
                        if col < len(header) and header[col].strip()
                        else f"列{col + 1}"
                    )
                    if value.strip():
                        area.extra[name] = value.strip()
            out.areas.append(area)

    target = _rows(folder / "target.csv")
    for index, row in enumerate(target[1:], start=2):
        if len(row) < 2 or not row[1].strip():
            problems.append(
                ImportProblem("target.csv", index, 2, "name", ",".join(row), "no item name")
            )
            continue
        if row[0].strip() not in labels:
            problems.append(
                ImportProblem(
                    "target.csv", index, 1, "label", row[0], "not a category of description.csv"
                )
            )
            continue
        out.items.append(
            Item(
                row[0].strip(),
                row[1].strip(),
                row[2].strip() if len(row) > 2 else "",
                row[3].strip() if len(row) > 3 else "",
            )
        )
    if problems:
        raise ImportError5374(problems)
    return out
