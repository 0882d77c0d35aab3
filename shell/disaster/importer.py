"""Import JMA warning documents: record each, decide for this municipality, then act.

Per document, for the area ``MACHI_MUNICIPALITY_CODE`` (decided per area, Body only):

- a drill or test (``Control/Status`` not 通常): recorded as ``drill``, nothing else;
- ``InfoType`` 取消: recorded as ``cancelled``; nothing is switched (staff read it and decide);
- the area is not in the document: ``not_here``; an older report than one already acted on:
  ``superseded`` (documents can arrive out of order);
- a kind matching ``MACHI_DISASTER_TRIGGERS`` in force while disaster mode is off: ``mode_on``,
  and disaster mode switches on by itself (its broadcast names the warnings);
- a warning (level 3 and up) or a kind of unknown level newly in force: ``noticed``, a notice to
  every resident (topic disaster; urgency high from level 4);
- every triggering kind of the previous report now cleared (解除, or down to 注意報): ``cleared``,
  a notice to residents. Disaster mode is **not** switched off by this: shelters stay open and
  safety checks go on after a warning is lifted, so staff switch back (their page says they can);
- anything else: ``recorded``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shell.disaster import actions, jma, queries
from shell.disaster.tables import JmaReport
from shell.settings import Settings
from shell.web.i18n import lazy

log = logging.getLogger("machi.disaster.jma")


@dataclass(frozen=True)
class Outcome:
    source: str
    decision: str  # drill cancelled not_here superseded mode_on noticed cleared recorded duplicate
    kinds: tuple[str, ...] = ()


def _names(kinds: Iterable[dict[str, Any]]) -> str:
    return "・".join(dict.fromkeys(kind["name"] for kind in kinds))


async def _decide(
    report: jma.Report, kinds: list[jma.Kind], triggers: list[jma.Trigger], code: str
) -> str:
    if not report.real:
        return "drill"
    if report.info_type == jma.CANCELLED:
        return "cancelled"
    if report.for_area(code) is None:
        return "not_here"
    previous = await queries.latest_acted_report(code)
    if (
        previous
        and previous["reported_at"]
        and report.reported_at
        and report.reported_at < previous["reported_at"]
    ):
        return "superseded"
    before = [k for k in (previous["kinds"] if previous else []) if k["in_force"]]
    seen = {(k["code"], k["name"]) for k in before}
    hits = jma.triggering(kinds, triggers)
    if hits and not await queries.mode(code):
        return "mode_on"
    fresh = [
        k for k in kinds if k.in_force and (k.code, k.name) not in seen and k.level in (0, 3, 4, 5)
    ]
    if fresh:
        return "noticed"
    if any(k.get("triggers") for k in before) and not hits:
        return "cleared"
    return "recorded"


async def import_document(data: bytes, source: str, settings: Settings) -> Outcome:
    """Import one document (idempotent: the same bytes twice are recorded once)."""
    report = jma.parse(data)
    triggers = jma.parse_triggers(settings.disaster_triggers)
    code = settings.municipality_code
    if await JmaReport.exists().where(JmaReport.digest == report.digest):
        return Outcome(source, "duplicate")
    here = report.for_area(code)
    kinds = here[1] if here else []
    hits = set(jma.triggering(kinds, triggers))
    stored = [{**kind.as_json(), "triggers": kind in hits} for kind in kinds]
    async with actions.transaction():
        decision = await _decide(report, kinds, triggers, code)
        inserted = (
            await JmaReport.insert(
                JmaReport(
                    digest=report.digest,
                    source=source[:500],
                    title=report.title[:200],
                    status=report.status[:16],
                    info_type=report.info_type[:16],
                    office=report.office[:100],
                    reported_at=report.reported_at,
                    area_code=code if here else "",
                    area_name=here[0] if here else "",
                    kinds=stored,
                    decision=decision,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(JmaReport.id)
        )
    if not inserted:
        return Outcome(source, "duplicate")
    report_id = int(inserted[0]["id"])
    in_force = [k for k in stored if k["in_force"]]
    await _act(decision, report_id, stored, in_force, here[0] if here else "", code)
    log.info("JMA %s: %s", source, decision)
    return Outcome(source, decision, tuple(k["name"] for k in in_force))


async def _act(
    decision: str,
    report_id: int,
    stored: list[dict[str, Any]],
    in_force: list[dict[str, Any]],
    area: str,
    code: str,
) -> None:
    if decision == "mode_on":
        reason = _names(k for k in stored if k["triggers"])
        if area:
            reason = f"{reason}（気象庁・{area}）"
        try:
            await actions.switch_mode(
                code,
                active=True,
                reason=reason[:500],
                source="jma",
                actor=None,
                report=report_id,
            )
        except actions.Refused as refused:  # switched on meanwhile by staff: nothing to add
            log.info("JMA mode switch not needed: %s", refused.reason)
    elif decision == "noticed":
        urgency = "high" if any(k["level"] >= 4 for k in in_force) else "normal"
        await actions._broadcast(
            lazy("気象庁: %(kinds)s（%(area)s）"),
            lazy("%(area)sに%(kinds)sが発表されています。最新の情報に注意してください。"),
            urgency,
            {"kinds": _names(in_force), "area": area},
        )
    elif decision == "cleared":
        await actions._broadcast(
            lazy("気象庁: 警報が解除されました（%(area)s）"),
            lazy("%(area)sの警報は解除されました。避難所や安否確認は市の案内に従ってください。"),
            "normal",
            {"area": area},
        )


def documents(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and every ``*.xml`` in the folders named, in name order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.xml") if p.is_file()))
        else:
            found.append(path)
    return found


async def import_paths(
    paths: Iterable[str | Path], settings: Settings
) -> list[tuple[Path, Outcome | str]]:
    """Import files in the order JMA reported them; a file that is not a document is named with
    the reason, and the others still go in."""
    parsed: list[tuple[Path, bytes, jma.Report]] = []
    results: list[tuple[Path, Outcome | str]] = []
    for path in documents(paths):
        try:
            data = path.read_bytes()
            parsed.append((path, data, jma.parse(data)))
        except (OSError, jma.NotAWarningDocument) as exc:
            results.append((path, str(exc)))
    parsed.sort(key=lambda item: (item[2].reported_at is None, item[2].reported_at, str(item[0])))
    for path, data, _report in parsed:
        results.append((path, await import_document(data, str(path), settings)))
    return results
