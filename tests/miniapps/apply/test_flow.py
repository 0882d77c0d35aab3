"""A resident applies (draft, prefill, fee paid through the shell), staff request a correction,
the resident answers, staff approve and complete; the resident is notified and downloads the
result. Over HTTP on a database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from machi_sdk.testing import miniapp_client

from .conftest import module, text, token

actions = module("actions")
STAFF = ("counter",)


async def test_apply_pay_correct_approve_complete(demo, web, shell, platform):
    resident = token(shell)
    async with miniapp_client(web, resident, htmx=True) as client:
        home = await client.get("/?q=じゅうみんひょう")
        assert "住民票の写しの交付申請" in home.text
        page = await client.get("/forms/juminhyo")
        assert page.status_code == 200, page.text
        assert 'value="武雄 花子"' in page.text  # prefilled from the granted claim
        # a draft first, then continue
        saved = await client.post("/forms/juminhyo", data={"action": "save", "name": "武雄 花子",
                                                           "kana": "たけお はなこ"})  # fmt: skip
        assert saved.status_code == 200, text(saved)
        number = (await actions.mine("resident-1"))[0]["number"]
        answers = {"number": number, "name": "武雄 花子", "kana": "たけお はなこ",
                   "birthday": "1948-04-12", "copies": "2", "household": "self",
                   "delivery": "post", "mail_address": "佐賀県武雄市武雄町1-1", "consent": "1",
                   "action": "submit"}  # fmt: skip
        sent = await client.post("/forms/juminhyo", data=answers)
        assert sent.status_code == 200, text(sent)
        assert "お支払い待ち" in text(sent)
        app = await actions.submission(number)
        assert app["fee"] == 710
        assert app["status"] == "payment"
        assert platform.payments[number]["amount"] == 710
        # the page cannot say it is paid; only the shell can
        still = await client.post(f"/a/{number}/payment")
        assert (await actions.submission(number))["status"] == "payment"
        platform.payments[number]["status"] = "paid"
        still = await client.post(f"/a/{number}/payment")
        assert "お支払い済み" in text(still)
        again = await client.post(f"/a/{number}/payment")  # idempotent
        assert again.status_code == 200
        events = await actions.history(app["id"])
        assert [e["status"] for e in events] == ["payment", "received"]

    staff = token(shell, "staff-1", roles=STAFF, claims={"profile.name": "窓口 一郎"})
    async with miniapp_client(web, staff, htmx=True) as client:
        queue = await client.get("/staff")
        assert number in queue.text
        view = await client.get(f"/staff/a/{number}")
        assert view.status_code == 200
        assert platform.audits[-1]["action"] == "apply.application.view"
        assert platform.audits[-1]["subject"] == "resident-1"
        await client.post(f"/staff/a/{number}", data={"action": "assign"})
        refused = await client.post(f"/staff/a/{number}", data={"action": "correction"})
        assert refused.status_code == 422  # a correction request needs a message
        asked = await client.post(
            f"/staff/a/{number}",
            data={"action": "correction", "message": "ふりがなをカタカナで書き直してください。"},
        )
        assert asked.status_code == 200, text(asked)
    assert platform.notifications[-1]["title"] == "申請の補正をお願いします"

    async with miniapp_client(web, resident, htmx=True) as client:
        page = await client.get(f"/a/{number}")
        assert "ふりがなをカタカナで書き直してください。" in text(page)
        bad = await client.post(f"/a/{number}/correction", data={"kana": "Takeo"})
        assert bad.status_code == 422
        costly = await client.post(
            f"/a/{number}/correction", data={"kana": "タケオ ハナコ", "copies": "3"}
        )
        assert costly.status_code == 422  # would change the fee
        done = await client.post(
            f"/a/{number}/correction", data={"kana": "タケオ ハナコ", "reply": "直しました"}
        )
        assert done.status_code == 200, text(done)
    app = await actions.submission(number)
    assert app["answers"]["kana"] == "タケオ ハナコ"
    assert app["status"] == "in_review"

    async with miniapp_client(web, staff, htmx=True) as client:
        await client.post(
            f"/staff/a/{number}", data={"action": "approved", "message": "承認します"}
        )
        await client.post(
            f"/staff/a/{number}",
            data={"action": "completed", "by_post": "1", "message": "本日郵送しました"},
        )
    app = await actions.submission(number)
    assert app["status"] == "completed"
    assert app["result_by_post"]
    assert platform.notifications[-1]["title"] == "手続きが完了しました"

    async with miniapp_client(web, resident, htmx=True) as client:
        late = await client.post(f"/a/{number}/correction", data={"kana": "タケオ"})
        assert late.status_code == 422
        assert "もう終わっている" in text(late)
        pdf = await client.get(f"/a/{number}/result.pdf")
        assert pdf.content.startswith(b"%PDF-1.4")
    async with miniapp_client(web, token(shell, "someone-else"), htmx=True) as client:
        assert (await client.get(f"/a/{number}")).status_code == 404
        assert (await client.get(f"/a/{number}/result.pdf")).status_code == 404
