"""Disaster pages over HTTP: the staff switch, the swapped home, the banner, answers, export."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

from shell.audit.tables import AuditEntry
from shell.disaster import actions, queries
from shell.disaster.tables import ModeChange, SafetyAnswer
from tests.helpers.flows import csrf_headers, prime
from tests.shell.disaster.conftest import next_event, person

CODE = "4120600"


async def test_a_notifier_switches_disaster_mode_on_with_confirmation(
    app, districts, shelters, city_events
):
    async with person(app, "職員 一郎", "しょくいん いちろう", role="notifier") as (staff, _):
        await prime(staff, "/staff/disaster")
        page = await staff.get("/staff/disaster")
        assert "通常モードです" in page.text
        unconfirmed = await staff.post(
            "/staff/disaster/mode", data={"active": "on", "reason": "大雨"},
            headers=csrf_headers(staff),
        )  # fmt: skip
        assert unconfirmed.status_code == 400
        assert "確認のチェックを入れてください" in unconfirmed.text
        assert await ModeChange.count() == 0
        switched = await staff.post(
            "/staff/disaster/mode",
            data={"active": "on", "reason": "大雨警報のため", "confirm": "yes"},
            headers=csrf_headers(staff),
        )
        assert switched.status_code == 200
        assert "災害モードを開始しました" in switched.text
    assert (await next_event(city_events)).event == "disaster-mode"
    assert (await queries.mode(CODE))["reason"] == "大雨警報のため"
    assert await AuditEntry.exists().where(AuditEntry.action == "disaster.mode_on")


async def test_residents_and_reviewers_cannot_switch_or_read_answers(app, districts):
    async with person(app, "住民 花子", "じゅうみん はなこ") as (client, _):
        assert (await client.get("/staff/disaster")).status_code == 403
        await prime(client, "/")
        refused = await client.post(
            "/staff/disaster/mode",
            data={"active": "on", "reason": "x", "confirm": "yes"},
            headers=csrf_headers(client),
        )
        assert refused.status_code == 403
    async with person(app, "職員 二郎", "しょくいん じろう", role="notifier") as (staff, who):
        check_id = await actions.start_check("確認", actor=who["id"])
        # A notifier starts checks but does not read who answered what.
        assert (await staff.get(f"/staff/disaster/checks/{check_id}")).status_code == 403
        assert (await staff.get(f"/staff/disaster/checks/{check_id}/export.csv")).status_code == 403
    assert await ModeChange.count() == 0


async def test_the_home_swaps_to_the_disaster_menu_and_back(app, districts, shelters, jobs):
    async with person(app, "住民 花子", "じゅうみん はなこ") as (client, _):
        normal = await client.get("/")
        assert 'data-testid="disaster-home"' not in normal.text
        assert 'data-testid="disaster-banner"' not in normal.text
        await actions.switch_mode(CODE, active=True, reason="大雨警報", source="staff", actor=None)
        home = await client.get("/")
        assert 'data-testid="disaster-home"' in home.text
        assert 'data-testid="disaster-banner"' in home.text
        assert "武雄市文化会館" in home.text  # shelters, with their map links
        assert "https://www.google.com/maps/search/" in home.text
        assert "tel:119" in home.text
        assert "【災害モード】大雨警報" in home.text  # the latest notice
        # Every page carries the banner; the fragment the live script fetches too.
        assert 'data-testid="disaster-banner"' in (await client.get("/account")).text
        assert "大雨警報" in (await client.get("/disaster/banner")).text
        await actions.switch_mode(CODE, active=False, reason="", source="staff", actor=None)
        back = await client.get("/")
        assert 'data-testid="disaster-home"' not in back.text
        assert 'data-testid="disaster-banner"' not in back.text
        assert 'data-testid="disaster-banner"' not in (await client.get("/disaster/banner")).text


async def test_a_resident_answers_in_two_taps_then_adds_details(app, districts, shelters, jobs):
    async with person(app, "住民 花子", "じゅうみん はなこ") as (client, who):
        check_id = await actions.start_check("大雨 安否確認", actor=None)
        await actions.switch_mode(CODE, active=True, reason="大雨", source="staff", actor=None)
        home = await client.get("/")
        assert f"/disaster/checks/{check_id}/answer" in home.text
        answered = await client.post(
            f"/disaster/checks/{check_id}/answer",
            data={"status": "need_help"},
            headers=csrf_headers(client),
        )
        assert answered.status_code == 200
        assert "回答を受け付けました" in answered.text
        assert 'data-testid="disaster-banner"' in answered.text  # a page a post answers with too
        assert 'data-testid="details-form"' in answered.text
        bad = await client.post(
            f"/disaster/checks/{check_id}/details",
            data={"status": "need_help", "place": "home", "household": "many"},
            headers=csrf_headers(client),
        )
        assert bad.status_code == 400
        assert "人数は1から30までの数字" in bad.text
        details = await client.post(
            f"/disaster/checks/{check_id}/details",
            data={"status": "need_help", "place": "home", "household": "2"},
            headers=csrf_headers(client),
        )
        assert details.status_code == 200
        answer = await queries.answer_of(check_id, who["id"])
        assert (answer["status"], answer["place"], answer["household"]) == ("need_help", "home", 2)
    assert await SafetyAnswer.count() == 1


async def test_officers_watch_answers_by_district_and_export_them_audited(
    app, districts, shelters, jobs
):
    async with (
        person(app, "住民 花子", "じゅうみん はなこ", district="yamauchi") as (_, hanako),
        person(app, "防災 三郎", "ぼうさい さぶろう", role="disaster_officer") as (officer, me),
    ):
        check_id = await actions.start_check("安否確認", actor=me["id"])
        await actions.answer(
            check_id, hanako["id"], status="need_help", place="shelter",
            shelter=shelters[0]["id"], household=4,
        )  # fmt: skip
        page = await officer.get(f"/staff/disaster/checks/{check_id}")
        assert page.status_code == 200
        assert f'data-live-channels="disaster.check.{check_id}"' in page.text
        assert "住民 花子" in page.text
        assert "武雄市文化会館" in page.text
        exported = await officer.get(f"/staff/disaster/checks/{check_id}/export.csv")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0][:4] == ["回答日時", "更新日時", "地区", "氏名"]
        assert rows[1][2:] == ["山内町", "住民 花子", "助けが必要", "避難所", "武雄市文化会館", "4"]
    actions_logged = [row["action"] for row in await AuditEntry.select().order_by(AuditEntry.id)]
    assert "disaster.answers_viewed" in actions_logged
    exported_entry = (
        await AuditEntry.select().where(AuditEntry.action == "disaster.answers_exported").first()
    )
    assert exported_entry["actor"] == me["id"]
    detail = exported_entry["detail"]
    assert (json.loads(detail) if isinstance(detail, str) else detail) == {"rows": 1}


async def test_live_stream_refuses_channels_the_page_may_not_follow(app, districts):
    async with person(app, "住民 花子", "じゅうみん はなこ") as (client, _):
        refused = await client.get("/live/events?channel=disaster.check.1")
        assert refused.status_code == 403
        unknown = await client.get("/live/events?channel=anything.else")
        assert unknown.status_code == 403


async def test_anyone_reads_the_disaster_menu_with_the_hotline(settings, db, jobs, shelters):
    from shell.app import create_app
    from tests.conftest import make_client

    app = create_app(dataclasses.replace(settings, disaster_hotline="0954-00-0000"))
    async with make_client(app) as visitor:
        page = await visitor.get("/disaster")
        assert page.status_code == 200
        assert "現在、災害モードではありません" in page.text
        assert 'href="tel:0954000000"' in page.text
        await actions.switch_mode(CODE, active=True, reason="台風10号", source="staff", actor=None)
        page = await visitor.get("/disaster")
        assert "台風10号" in page.text
        assert 'data-testid="disaster-banner"' in (await visitor.get("/signin")).text


async def test_staff_are_told_when_jma_lifted_every_warning_that_switched_the_mode_on(
    app, districts, jobs
):
    from shell.disaster.importer import import_document
    from tests.shell.disaster.test_jma import OURS

    settings = app.state.settings
    for name in ("01_takeo_heavy_rain_issued.xml", "03_takeo_warning_to_advisory.xml"):
        await import_document((OURS / name).read_bytes(), name, settings)
    async with person(app, "防災 四郎", "ぼうさい しろう", role="disaster_officer") as (staff, _):
        page = await staff.get("/staff/disaster")
        assert 'data-testid="jma-cleared"' in page.text
        assert "気象庁の情報により自動" in page.text
        assert "大雨注意報" in page.text  # the documents' kinds are listed with the decisions
        assert "解除を住民にお知らせ" in page.text
