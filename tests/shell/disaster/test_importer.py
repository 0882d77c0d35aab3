"""The JMA importer against the database: decisions per document, mode switched, notices sent.

Documents: jma_documents/, built to the shared README (not real JMA documents; see
make_documents.py). The last test imports every *.xml of the shared folder too, once it has any.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from shell.disaster import importer, queries
from shell.disaster.tables import JmaReport, ModeChange
from shell.notifications.queries import text_in
from shell.notifications.tables import InboxItem, Message
from tests.shell.disaster.test_jma import OURS, SHARED, documents


async def load(name: str, settings) -> importer.Outcome:
    return await importer.import_document((OURS / name).read_bytes(), name, settings)


async def test_a_heavy_rain_warning_switches_disaster_mode_on_and_tells_everyone(
    db, settings, districts, jobs, city_events
):
    from tests.shell.disaster.conftest import next_event
    from tests.shell.disaster.test_actions import resident

    who = await resident()
    outcome = await load("01_takeo_heavy_rain_issued.xml", settings)
    assert outcome.decision == "mode_on"
    mode = await queries.mode(settings.municipality_code)
    assert mode is not None
    assert (mode["source"], mode["actor"]) == ("jma", None)
    assert "大雨警報" in mode["reason"]
    assert "武雄市" in mode["reason"]
    event = await next_event(city_events)
    assert (event.event, event.data) == ("disaster-mode", {"active": True})
    message = await Message.select().where(Message.source == queries.SOURCE).first()
    assert (message["urgency"], message["topic"]) == ("high", "disaster")
    assert await InboxItem.exists().where(
        (InboxItem.account == who) & (InboxItem.message == message["id"])
    )


async def test_a_warning_day_from_issue_to_clearance(db, settings, districts, jobs):
    decisions = [
        (await load(name, settings)).decision
        for name in (
            "01_takeo_heavy_rain_issued.xml",
            "02_takeo_continued_karatsu_cleared.xml",
            "03_takeo_warning_to_advisory.xml",
            "04_takeo_all_cleared.xml",
        )
    ]
    assert decisions == ["mode_on", "recorded", "cleared", "recorded"]
    # Cleared warnings tell residents, but the mode stays on until staff switch it back.
    assert await queries.mode(settings.municipality_code) is not None
    titles = [text_in(row["texts"], "ja")["title"] for row in await Message.select(Message.texts)]
    assert any("解除" in title for title in titles)
    assert await ModeChange.count() == 1


async def test_the_same_document_twice_is_recorded_once(db, settings, districts, jobs):
    assert (await load("01_takeo_heavy_rain_issued.xml", settings)).decision == "mode_on"
    assert (await load("01_takeo_heavy_rain_issued.xml", settings)).decision == "duplicate"
    assert await JmaReport.count() == 1
    assert await Message.count() == 1


async def test_an_older_report_arriving_late_changes_nothing(db, settings, districts, jobs):
    await load("01_takeo_heavy_rain_issued.xml", settings)
    await load("03_takeo_warning_to_advisory.xml", settings)
    messages = await Message.count()
    assert (await load("02_takeo_continued_karatsu_cleared.xml", settings)).decision == "superseded"
    assert await Message.count() == messages


async def test_drills_tests_cancellations_and_other_areas_never_switch_the_mode(
    db, settings, districts, jobs
):
    for name, decision in [
        ("drill_special_warning.xml", "drill"),
        ("test_document.xml", "drill"),
        ("cancelled.xml", "cancelled"),
        ("first_division_only.xml", "not_here"),
        ("vpww53_notice_mentions_special.xml", "recorded"),
        ("advisory_only.xml", "recorded"),
    ]:
        assert (await load(name, settings)).decision == decision, name
    assert await queries.mode(settings.municipality_code) is None
    assert await Message.count() == 0


async def test_new_level_names_trigger_and_unknown_kinds_stay_visible(
    db, settings, districts, jobs
):
    assert (await load("levels_2026.xml", settings)).decision == "mode_on"
    [report] = await queries.reports()
    kinds = {kind["name"]: kind for kind in report["kinds"]}
    assert kinds["線状降水帯予測"]["known"] is False
    assert kinds["大雨危険警報"]["triggers"] is True


async def test_with_only_special_warnings_configured_a_warning_is_a_notice(
    db, settings, districts, jobs
):
    strict = dataclasses.replace(settings, disaster_triggers="*:5")
    outcome = await importer.import_document(
        (OURS / "01_takeo_heavy_rain_issued.xml").read_bytes(), "01", strict
    )
    assert outcome.decision == "noticed"
    assert await queries.mode(settings.municipality_code) is None
    message = await Message.select().first()
    assert "大雨警報" in text_in(message["texts"], "ja")["title"]
    assert message["urgency"] == "normal"
    assert (await load("special_warning.xml", strict)).decision == "mode_on"


async def test_another_municipality_reads_its_own_area(db, settings, districts, jobs):
    saga = dataclasses.replace(settings, municipality_code="4120100")
    outcome = await importer.import_document(
        (OURS / "01_takeo_heavy_rain_issued.xml").read_bytes(), "01", saga
    )
    assert outcome.decision == "recorded"  # advisories only in Saga city
    assert await queries.mode("4120100") is None


async def test_folders_are_imported_in_report_order_and_bad_files_named(
    db, settings, districts, jobs, tmp_path
):
    for name in ("04_takeo_all_cleared.xml", "01_takeo_heavy_rain_issued.xml"):
        (tmp_path / name).write_bytes((OURS / name).read_bytes())
    (tmp_path / "broken.xml").write_text("<oops")
    results = {
        path.name: outcome for path, outcome in await importer.import_paths([tmp_path], settings)
    }
    assert "not XML" in str(results["broken.xml"])
    assert results["01_takeo_heavy_rain_issued.xml"].decision == "mode_on"
    assert results["04_takeo_all_cleared.xml"].decision == "cleared"


async def test_every_document_ours_and_the_shared_folders_imports(db, settings, districts, jobs):
    paths: list[Path] = documents()
    results = await importer.import_paths(paths, settings)
    assert len(results) == len(paths)
    for path, outcome in results:
        assert isinstance(outcome, importer.Outcome), (path, outcome)
    for row in await JmaReport.select():
        if row["status"] != "通常":
            assert row["decision"] == "drill"
    assert SHARED.name == "jma-warnings"
