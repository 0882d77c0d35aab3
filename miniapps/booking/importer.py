"""Reading the municipality's facility list in the standard open-data format 公共施設一覧
(自治体標準オープンデータセット): 名称, 名称_カナ, 住所, 緯度, 経度, 電話番号 (or 連絡先電話番号),
利用可能曜日, 開始時間, 終了時間, バリアフリー情報, 説明, … in UTF-8 (BOM or not) or
Shift_JIS.

Every row is checked before anything is stored: a file with one bad row is refused whole, with
the row numbers and what is wrong.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rules import parse_hhmm

WEEKDAYS = "月火水木金土日"
REQUIRED = ("名称", "住所")


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass
class FacilityImportError(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems)


def parse_weekdays(text: str) -> str:
    """``月火水木金``, ``月,水,金``, ``月～金``, ``毎日``, ``土日祝`` as digits (``"01234"``)."""
    text = text.strip().replace("曜日", "").replace("曜", "")
    if not text or text in ("毎日", "全日", "年中無休"):
        return "0123456"
    text = re.sub(r"[〜～~ー−-]", "-", text)
    days: set[int] = set()
    for part in re.split(r"[,、・\s/]+", text):
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise ValueError(part)
            a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
            continue
        for char in part:
            if char == "祝":
                continue
            if char not in WEEKDAYS:
                raise ValueError(part)
            days.add(WEEKDAYS.index(char))
    if not days:
        raise ValueError(text)
    return "".join(str(d) for d in sorted(days))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FacilityImportError([Problem(0, "-", "the file is neither UTF-8 nor Shift_JIS")])


def read_facilities(source: str | Path | bytes) -> list[dict[str, Any]]:
    """The facilities of a 公共施設一覧 CSV, as column values for ``booking_facility``."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    reader = csv.DictReader(io.StringIO(_decode(data)))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FacilityImportError([Problem(1, name, "column missing") for name in missing])
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not row["名称"]:
            problems.append(Problem(number, "名称", "empty"))
            continue
        item: dict[str, Any] = {
            "name": row["名称"][:200],
            "kana": row.get("名称_カナ", "")[:200],
            "address": row["住所"][:300],
            "phone": (row.get("電話番号") or row.get("連絡先電話番号") or "")[:40],
            "accessibility": row.get("バリアフリー情報", ""),
            "description": row.get("説明", ""),
            "place": (row.get("方書") or "")[:200],
            "source_key": f"{row['名称']}|{row['住所']}"[:300],
        }
        item["barrier_free"] = bool(item["accessibility"]) and item["accessibility"] not in (
            "なし",
            "無",
            "無し",
            "-",
        )
        for column, key in (("緯度", "latitude"), ("経度", "longitude")):
            value = row.get(column, "")
            try:
                item[key] = float(value) if value else None
            except ValueError:
                problems.append(Problem(number, column, f"not a number: {value!r}"))
        if item.get("latitude") is not None and not -90 <= item["latitude"] <= 90:
            problems.append(Problem(number, "緯度", "out of range"))
        if item.get("longitude") is not None and not -180 <= item["longitude"] <= 180:
            problems.append(Problem(number, "経度", "out of range"))
        try:
            item["weekdays"] = parse_weekdays(row.get("利用可能曜日", ""))
        except ValueError:
            problems.append(Problem(number, "利用可能曜日", f"cannot read {row['利用可能曜日']!r}"))
        for column, key, default in (("開始時間", "opens", 540), ("終了時間", "closes", 1260)):
            value = row.get(column, "")
            try:
                item[key] = parse_hhmm(value) if value else default
            except ValueError:
                problems.append(Problem(number, column, f"not a time: {value!r}"))
        if "opens" in item and "closes" in item and item["closes"] <= item["opens"]:
            problems.append(Problem(number, "終了時間", "not after 開始時間"))
        out.append(item)
    if problems:
        raise FacilityImportError(problems)
    return out
