"""Health-centre staff: slots, the questionnaire before the interview (the view audited), CSV
exports in the column layout the city sets (each export audited), the printable PDF; residents
get none of it."""

from __future__ import annotations

import csv
import datetime as dt
import io

from machi_sdk.testing import FakeShell, MemoryPlatform, miniapp_client

from .conftest import MINIAPP, module, token

actions = module("actions")
tables = module("tables")
ANSWERS = {
    "stage": "after_birth",
    "first_child": "no",
    "health": "so_so",
    "sleep": "no",
    "helper": "no",
    "topics": ["feelings"],
    "worries": "夜泣きがつらい",
}


def rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # a BOM, for spreadsheet software
    return list(csv.reader(io.StringIO(text[1:])))


async def test_staff_slots_questionnaire_export_and_pdf(
    db, web, shell: FakeShell, platform: MemoryPlatform
):
    tomorrow = (actions.today() + dt.timedelta(days=1)).isoformat()
    async with miniapp_client(web, token(shell, "nurse", staff=True)) as staff:
        made = await staff.post(
            "/staff/slots",
            data={
                "day": tomorrow,
                "time": "13:00",
                "count": "2",
                "minutes": "30",
                "place": "保健センター 相談室",
            },
        )
        assert "面談の枠を2件作りました" in made.text
        past = await staff.post(
            "/staff/slots",
            data={
                "day": "2020-01-01",
                "time": "10:00",
                "count": "1",
                "minutes": "30",
                "place": "x",
            },
        )
        assert past.status_code == 422
    slot = (await actions.free_slots())[0]
    async with miniapp_client(web, token(shell, "mother")) as mother:
        await mother.post("/questionnaire", data=ANSWERS)
        await mother.post("/interviews", data={"slot": slot["id"], "stage": "after_birth"})
        for path in ("/staff", "/staff/export/questionnaires.csv"):
            assert (await mother.get(path)).status_code == 403
    interview = (await actions.my_interviews("mother"))[0]
    async with miniapp_client(web, token(shell, "nurse", staff=True)) as staff:
        listed = await staff.get("/staff")
        assert "出生届出後の面談" in listed.text
        seen = await staff.get(f"/staff/interviews/{interview['id']}")
        assert "夜泣きがつらい" in seen.text
        assert "気持ちのこと" in seen.text
        assert platform.audits[-1]["action"] == "interview.view"
        assert platform.audits[-1]["subject"] == "mother"
        await staff.post(
            f"/staff/interviews/{interview['id']}",
            data={"staff_notes": "産後ケア事業を案内", "done": "1"},
        )
        # the city's system wants its own columns, in its own order
        layout = (
            "住民ID=person.ref\n睡眠=answer.sleep\n相談内容=answer.topics\n面談日=interview.date"
        )
        saved = await staff.post("/staff/layouts/interviews", data={"columns": layout})
        assert "出力の列を保存しました" in saved.text
        wrong = await staff.post("/staff/layouts/interviews", data={"columns": "名前=person.name"})
        assert wrong.status_code == 422
        assert "1行目" in wrong.text
        export = await staff.get("/staff/export/interviews.csv")
        assert export.headers["content-type"].startswith("text/csv")
        assert rows(export) == [
            ["住民ID", "睡眠", "相談内容", "面談日"],
            ["mother", "no", "feelings", tomorrow],
        ]
        assert platform.audits[-1]["action"] == "handbook.export"
        assert platform.audits[-1]["detail"]["rows"] == 1
        answers = await staff.get("/staff/export/questionnaires.csv")
        header, first = rows(answers)
        assert header[:3] == ["利用者番号", "面談種別", "回答日"]
        assert first[0] == "mother"
        assert "夜泣きがつらい" in first
        pdf = await staff.get(f"/staff/interviews/{interview['id']}/form.pdf")
        assert pdf.content.startswith(b"%PDF-1.4")
        assert platform.audits[-1]["action"] == "interview.print"
        assert (await staff.get("/staff/export/other.csv")).status_code == 404
    # viewed, viewed again after the record was saved, two exports, one print
    assert [a["action"] for a in platform.audits] == [
        "interview.view",
        "interview.view",
        "handbook.export",
        "handbook.export",
        "interview.print",
    ]
    done = await tables.HandbookInterview.select().first()
    assert (done["status"], done["staff_notes"]) == ("done", "産後ケア事業を案内")


async def test_no_export_without_the_audit(db, web, shell: FakeShell, platform: MemoryPlatform):
    async def refuse(*args, **kwargs):
        raise module("routes").PlatformError("unavailable")

    platform_obj = platform.platform
    platform_obj.audit = refuse  # the shell's audit log is down
    app = shell.create_app(MINIAPP, platform=platform_obj)
    async with miniapp_client(app, token(shell, "nurse", staff=True)) as staff:
        response = await staff.get("/staff/export/questionnaires.csv")
        assert response.status_code == 503
