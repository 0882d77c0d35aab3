"""An administrator changes a school's absence reasons (one of the school's own, machine-translated
for a Vietnamese parent; a retired one that old notices keep), and reads the figures of the seeds:
guardians registered in the app and the share of absences reported through it."""

from __future__ import annotations

import datetime as dt
import html
import re

from machi_sdk.testing import miniapp_client

from .conftest import module, token

actions = module("actions")
reasons = module("reasons")
tables = module("tables")

FLU = "インフルエンザ（出席停止）"


def text(page) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


def options(page) -> list[str]:
    select = re.search(r'<select id="school-reason" name="reason".*?</select>', page.text, re.S)
    return [html.unescape(o) for o in re.findall(r">([^<]+)</option>", select[0])]


async def _notices() -> list[dict]:
    return await tables.SchoolNotice.select().output(load_json=True)


async def test_own_reason_in_two_languages_and_a_retired_one(school, web, shell, platform):
    tomorrow = (actions.today() + dt.timedelta(days=1)).isoformat()
    await actions.link_child("parent-1", school["code"])
    await actions.link_child("parent-vi", school["code"], locale="vi")
    # a notice given "family" before the school stops offering it
    await actions.submit_notice("parent-1", school["child"], day=actions.today()
                                + dt.timedelta(days=2), kind="absent", reason="family")  # fmt: skip
    platform.translations[(FLU, "vi")] = "Cúm (nghỉ học bắt buộc)"
    admin = token(shell, "admin-1", roles=("admin",))
    async with miniapp_client(web, admin, htmx=True) as client:
        added = await client.post("/staff/reasons", data={
            "school": "みどり小学校", "action": "add", "label": f" {FLU} ", "symptoms": "1",
        })  # fmt: skip
        assert added.status_code == 200, text(added)
        assert "理由を加えました" in text(added)
        retired = await client.post("/staff/reasons", data={
            "school": "みどり小学校", "action": "retire", "code": "family",
        })  # fmt: skip
        assert retired.status_code == 200, text(retired)
        assert "家庭の事情 使っていません" in text(retired)
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.get(f"/children/{school['child']}")
        assert options(page) == ["体調不良", "けが", "通院・予定", "その他", FLU]
        own = await reasons.for_school("みどり小学校")
        code = next(r["code"] for r in own if r["label"] == FLU)
        sent = await client.post(f"/children/{school['child']}/notices", data={
            "kind": "absent", "day": tomorrow, "reason": code, "symptoms": ["fever"],
        })  # fmt: skip
        assert sent.status_code == 200, text(sent)
        assert f"欠席 — {FLU}（発熱）" in text(sent)  # this reason asks for symptoms
        # the retired reason is refused for a new notice, and nothing changes
        before = await _notices()
        refused = await client.post(f"/children/{school['child']}/notices", data={
            "kind": "absent", "day": tomorrow, "reason": "family",
        })  # fmt: skip
        assert refused.status_code == 422
        assert "理由を選んでください" in text(refused)
        assert await _notices() == before
    # the Vietnamese parent reads the school's own reason machine-translated
    async with miniapp_client(web, token(shell, "parent-vi", locale="vi"), htmx=True) as client:
        page = await client.get(f"/children/{school['child']}")
        assert "Cúm (nghỉ học bắt buộc)" in options(page)
    # the teacher's board shows both: the new reason and the retired one on its old notice
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        board = text(await client.get(f"/staff/classes/{school['one']}/board"))
        assert f"はると: 欠席 {FLU}" in board
        assert "家庭の事情" in board
        assert (await client.get("/staff/reasons")).status_code == 403  # not an administrator
        denied = await client.post("/staff/reasons", data={
            "school": "みどり小学校", "action": "add", "label": "ずる休み",
        })  # fmt: skip
        assert denied.status_code == 403
    assert [r["label"] for r in await reasons.for_school("みどり小学校")].count("ずる休み") == 0


async def test_bad_changes_are_refused_and_change_nothing(school, web, shell):
    admin = token(shell, "admin-1", roles=("admin",))
    async with miniapp_client(web, admin, htmx=True) as client:
        for form, message in [
            ({"action": "add", "label": "あ" * 41}, "40文字以内"),
            ({"action": "add", "label": "   "}, "40文字以内"),
            ({"action": "add", "label": "忌引"}, None),
            ({"action": "add", "label": "忌引"}, "同じ理由がすでにあります"),
            ({"action": "retire", "code": "nope"}, "見つかりませんでした"),
            ({"action": "add", "label": "x", "school": "ほかの学校"}, "見つかりませんでした"),
        ]:
            answer = await client.post("/staff/reasons", data={"school": "みどり小学校", **form})
            if message is None:
                assert answer.status_code == 200, text(answer)
            else:
                assert answer.status_code == 422, form
                assert message in text(answer)
        labels = [r["label"] for r in await reasons.for_school("みどり小学校")]
        assert labels.count("忌引") == 1
        assert len(labels) == 6
        # a school keeps at least one reason parents can choose
        for r in await reasons.for_school("みどり小学校"):
            if r["code"] != "other":
                await reasons.set_active("みどり小学校", r["code"], False)
        last = await client.post("/staff/reasons", data={
            "school": "みどり小学校", "action": "retire", "code": "other",
        })  # fmt: skip
        assert last.status_code == 422
        assert "少なくとも1つ" in text(last)
    assert [r["code"] for r in await reasons.usable("みどり小学校")] == ["other"]


async def test_figures_share_of_absences_through_the_app_and_registration(school, web, shell):
    await actions.link_child("parent-1", school["code"])
    other, _ = await actions.add_child(school["two"], "ゆい", "ゆい")
    today = actions.today()
    early = dt.datetime(today.year, today.month, today.day, 7, 0, tzinfo=actions.JST)
    await actions.submit_notice("parent-1", school["child"], day=today, kind="absent",
                                reason="illness", now=early)  # fmt: skip
    await actions.submit_notice("teacher-b", other, day=today, kind="absent", reason="illness",
                                via="phone", now=early)  # fmt: skip
    await actions.submit_notice("parent-1", school["child"], day=today + dt.timedelta(days=1),
                                kind="late", reason="other", at_time="10:00")  # not an absence
    admin = token(shell, "admin-1", roles=("admin",))
    async with miniapp_client(web, admin, htmx=True) as client:
        page = await client.get("/staff/figures")
        assert page.status_code == 200, text(page)
    shown = text(page)
    assert "アプリに保護者が登録している子ども: 1人 / 2人（50.0%）" in shown
    rows = re.findall(
        r'<th scope="row">(\d{4}-\d\d)</th><td>(\d+)</td><td>(\d+)</td><td>([^<]*)</td>', page.text
    )
    assert len(rows) == 6  # the last six months, this one last
    assert rows[-1] == (today.strftime("%Y-%m"), "2", "1", "50.0%")
    assert all(r[1:] == ("0", "0", "") for r in rows[:-1])
    assert 'data-testid="school-share-1"' in page.text
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        assert (await client.get("/staff/figures")).status_code == 403
