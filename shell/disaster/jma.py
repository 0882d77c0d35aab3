"""Read the Japan Meteorological Agency's warning XML (気象警報・注意報, VPWW53/VPWW54/VXWW50).

Shaped after ../shared/data/jma-warnings/README.md:

- namespaces: ``Report``/``Control`` in jmaxml1, ``Head`` in informationBasis1, ``Body`` in
  body/meteorology1;
- ``Control/Status`` 通常 is real; 訓練 and 試験 are drills and tests, never acted on;
- ``Head/InfoType`` 発表, 訂正 or 取消; the Headline is not read (its kinds carry no status);
- the Body's ``<Warning type="市町村等">`` items are matched on the 7-digit area code
  (municipality code and ``00``); one document can say 継続 here and 解除 there, so each area is
  read on its own; 3-digit 一次細分区域 codes belong to another system and are never matched;
- kinds are classified by their code, and by the level their name states for the 2026 names
  (レベル２大雨注意報, 大雨危険警報); a kind known by neither is kept, marked unknown, never
  dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

NS = {
    "jmx": "http://xml.kishou.go.jp/jmaxml1/",
    "ib": "http://xml.kishou.go.jp/jmaxml1/informationBasis1/",
    "mete": "http://xml.kishou.go.jp/jmaxml1/body/meteorology1/",
}
MUNICIPALITY_WARNING_TYPE = "市町村等"
REAL = "通常"
CANCELLED = "取消"

# Statuses under which a kind is in force after this report.
IN_FORCE = frozenset(
    {"発表", "継続", "特別警報から警報", "警報から注意報", "注意報から警報", "警報から特別警報"}
)
CLEARED = frozenset({"解除", "なし", "発表警報・注意報はなし"})

# code -> (hazard, level): 注意報 2, 警報 3 (高潮 4), 特別警報 5.
KNOWN_CODES: dict[str, tuple[str, int]] = {
    "02": ("暴風雪", 3), "03": ("大雨", 3), "04": ("洪水", 3), "05": ("暴風", 3),
    "06": ("大雪", 3), "07": ("波浪", 3), "08": ("高潮", 4),
    "10": ("大雨", 2), "12": ("大雪", 2), "13": ("風雪", 2), "14": ("雷", 2), "15": ("強風", 2),
    "16": ("波浪", 2), "17": ("融雪", 2), "18": ("洪水", 2), "19": ("高潮", 2), "20": ("濃霧", 2),
    "21": ("乾燥", 2), "22": ("なだれ", 2), "23": ("低温", 2), "24": ("霜", 2), "25": ("着氷", 2),
    "26": ("着雪", 2),
    "32": ("暴風雪", 5), "33": ("大雨", 5), "35": ("暴風", 5), "36": ("大雪", 5),
    "37": ("波浪", 5), "38": ("高潮", 5),
}  # fmt: skip
HAZARD_WORDS = (
    "土砂", "暴風雪", "大雨", "洪水", "暴風", "大雪", "波浪", "高潮", "風雪", "雷", "強風",
    "融雪", "濃霧", "乾燥", "なだれ", "低温", "霜", "着氷", "着雪",
)  # fmt: skip
LEVEL_IN_NAME = re.compile(r"レベル\s*([0-9])")


class NotAWarningDocument(ValueError):
    """The file is not JMA warning XML this importer understands."""


@dataclass(frozen=True)
class Kind:
    name: str
    code: str
    status: str
    hazard: str
    level: int  # 0 when neither code nor name tells
    known: bool  # classified by a known code

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "status": self.status,
            "hazard": self.hazard,
            "level": self.level,
            "known": self.known,
            "in_force": self.in_force,
        }


@dataclass(frozen=True)
class Report:
    digest: str
    control_title: str
    status: str
    office: str
    title: str
    info_type: str
    reported_at: dt.datetime | None
    # area code -> (area name, kinds)
    areas: dict[str, tuple[str, list[Kind]]] = field(default_factory=dict)

    @property
    def real(self) -> bool:
        return self.status == REAL

    def for_area(self, code: str) -> tuple[str, list[Kind]] | None:
        return self.areas.get(code)


def _text(element: ElementTree.Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _moment(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def is_municipality_block(kind: str) -> bool:
    """``市町村等``, as the README names it, or in full ``気象警報・注意報（市町村等）``; never
    ``…（市町村等をまとめた地域等）``."""
    kind = unicodedata.normalize("NFKC", kind).strip()
    return kind == MUNICIPALITY_WARNING_TYPE or kind.endswith(f"({MUNICIPALITY_WARNING_TYPE})")


def classify(name: str, code: str, status: str) -> Kind:
    """A kind by its code; failing that, by the level and hazard its name states."""
    name = unicodedata.normalize("NFKC", name).strip()
    code = code.strip()
    if code in KNOWN_CODES and not LEVEL_IN_NAME.search(name) and "危険警報" not in name:
        hazard, level = KNOWN_CODES[code]
        return Kind(name, code, status, hazard, level, True)
    hazard = next((word for word in HAZARD_WORDS if word in name), "")
    stated = LEVEL_IN_NAME.search(name)
    if stated:
        level = int(stated.group(1))
    elif "特別警報" in name:
        level = 5
    elif "危険警報" in name or "土砂災害警戒" in name:
        level = 4
    elif "注意報" in name:
        level = 2
    elif "警報" in name:
        level = 3
    else:
        level = 0
    return Kind(name, code, status, hazard, level, False)


def parse(data: bytes) -> Report:
    """Parse one document; raise :class:`NotAWarningDocument` when it is not one."""
    if not safe_to_parse(data):
        raise NotAWarningDocument("declares a DTD or entities, which JMA documents never do")
    try:
        root = ElementTree.fromstring(data)  # noqa: S314  (DTDs refused above)
    except ElementTree.ParseError as exc:
        raise NotAWarningDocument(f"not XML: {exc}") from exc
    if root.tag != f"{{{NS['jmx']}}}Report":
        raise NotAWarningDocument("not a JMA Report (root element or namespace differs)")
    control = root.find("jmx:Control", NS)
    head = root.find("ib:Head", NS)
    body = root.find("mete:Body", NS)
    if control is None or head is None:
        raise NotAWarningDocument("no Control or Head")
    areas: dict[str, tuple[str, list[Kind]]] = {}
    for warning in body.findall("mete:Warning", NS) if body is not None else []:
        if not is_municipality_block(warning.get("type") or ""):
            continue
        for item in warning.findall("mete:Item", NS):
            area = item.find("mete:Area", NS)
            area_code = _text(area, "mete:Code")
            if len(area_code) != 7 or not area_code.isdigit():
                continue  # another code system (一次細分区域 are 3 digits): never guessed at
            _name, kinds = areas.setdefault(area_code, (_text(area, "mete:Name"), []))
            for kind in item.findall("mete:Kind", NS):
                kinds.append(
                    classify(
                        _text(kind, "mete:Name"),
                        _text(kind, "mete:Code"),
                        _text(kind, "mete:Status"),
                    )
                )
    return Report(
        digest=hashlib.sha256(data).hexdigest(),
        control_title=_text(control, "jmx:Title"),
        status=_text(control, "jmx:Status"),
        office=_text(control, "jmx:EditorialOffice"),
        title=_text(head, "ib:Title"),
        info_type=_text(head, "ib:InfoType"),
        reported_at=_moment(_text(head, "ib:ReportDateTime")),
        areas=areas,
    )


@dataclass(frozen=True)
class Trigger:
    hazard: str  # "*" for any
    level: int

    def matches(self, kind: Kind) -> bool:
        return (
            kind.in_force
            and kind.level >= self.level
            and (self.hazard == "*" or kind.hazard == self.hazard)
        )


def parse_triggers(value: str) -> list[Trigger]:
    """``"*:5,大雨:3"`` -> triggers; raise ValueError naming the part that is wrong."""
    triggers = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        hazard, sep, level = part.partition(":")
        if not sep or not hazard.strip() or not level.strip().isdigit():
            raise ValueError(f"MACHI_DISASTER_TRIGGERS: {part!r} is not hazard:level")
        triggers.append(Trigger(hazard.strip(), int(level)))
    return triggers


def triggering(kinds: list[Kind], triggers: list[Trigger]) -> list[Kind]:
    return [kind for kind in kinds if any(t.matches(kind) for t in triggers)]


def safe_to_parse(data: bytes) -> bool:
    """Refuse documents with a DTD (entity expansion); JMA documents never carry one."""
    return b"<!DOCTYPE" not in data[:4096].upper() and b"<!ENTITY" not in data.upper()
