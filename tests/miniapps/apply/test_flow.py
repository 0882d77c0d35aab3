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
        # paid in the sheet, page closed before it asked: opening the application asks the shell
        still = await client.get(f"/a/{number}")
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


async def test_attachments_are_checked_kept_with_the_draft_and_shown_to_staff(
    demo, web, shell, platform
):
    from .conftest import jpeg_with_gps

    resident = token(shell)
    answers = {"name": "武雄 花子", "dog_name": "ハチ", "tag": "武-1234", "change": "died",
               "died_on": "2026-11-01", "consent": "1"}  # fmt: skip
    async with miniapp_client(web, resident, htmx=True) as client:
        wrong = await client.post("/forms/dog-change", data={**answers, "action": "save"},
                                  files={"photo": ("tag.gif", b"GIF89a", "image/gif")})  # fmt: skip
        assert wrong.status_code == 422
        assert "JPEG・PNG" in text(wrong)
        photo = {"photo": ("tag.jpg", jpeg_with_gps(), "image/jpeg")}
        saved = await client.post(
            "/forms/dog-change", data={**answers, "action": "save"}, files=photo
        )
        assert saved.status_code == 200, text(saved)
        number = (await actions.mine("resident-1"))[0]["number"]
        assert "添付済み: tag.jpg" in text(await client.get(f"/forms/dog-change?number={number}"))
        sent = await client.post("/forms/dog-change", data={**answers, "action": "submit",
                                                            "number": number})  # fmt: skip
        assert sent.status_code == 200, text(sent)
    app = await actions.submission(number)
    assert app["status"] == "received"
    assert app["fee"] == 0
    assert "new_address" not in app["answers"]
    files = await actions.attachments_of(app["id"])
    assert [(f["field"], f["content_type"]) for f in files] == [("photo", "image/jpeg")]
    stored = await actions.attachment(files[0]["id"])
    assert b"GPS" not in bytes(stored["data"])
    async with miniapp_client(web, token(shell, "clerk", roles=("counter",)), htmx=True) as client:
        page = await client.get(f"/staff/a/{number}")
        assert f"/files/{files[0]['id']}" in page.text
        got = await client.get(f"/files/{files[0]['id']}")
        assert got.status_code == 200
        assert got.content == bytes(stored["data"])
    assert [a["action"] for a in platform.audits] == ["apply.application.view", "apply.file.view"]
    async with miniapp_client(web, token(shell, "works", roles=("public_works",)), htmx=True) as c:
        assert (await c.get(f"/files/{files[0]['id']}")).status_code == 404  # not their area


async def test_staff_message_with_a_checked_machine_translation(demo, web, shell, platform):
    resident = token(shell, "lan", locale="en", claims={"profile.name": "Nguyen Thi Lan"})
    answers = {"action": "submit", "name": "Nguyen Thi Lan", "dog_name": "Momo", "tag": "武-77",
               "change": "address", "new_address": "武雄町昭和1", "consent": "1"}  # fmt: skip
    async with miniapp_client(web, resident, htmx=True) as client:
        sent = await client.post("/forms/dog-change", data=answers)
        assert sent.status_code == 200, text(sent)
        assert "Received" in text(sent)  # the resident's language
    number = (await actions.mine("lan"))[0]["number"]
    original = "番地まで書いてください。"
    staff = token(shell, "clerk", roles=("counter",))
    async with miniapp_client(web, staff, htmx=True) as client:
        preview = await client.post(f"/staff/a/{number}", data={
            "action": "correction", "message": original, "translate": "1"})  # fmt: skip
        assert preview.status_code == 200, text(preview)
        assert f"[en] {original}" in text(preview)
        assert (await actions.submission(number))["status"] == "received"  # nothing saved yet
        saved = await client.post(
            f"/staff/a/{number}",
            data={
                "action": "correction",
                "message": original,
                "translated": "Please write the full address, including the block number.",
            },
        )
        assert saved.status_code == 200, text(saved)
        platform.translation_engine = False
        none = await client.post(f"/staff/a/{number}", data={
            "action": "rejected", "message": "x", "translate": "1"})  # fmt: skip
        assert none.status_code == 422
        assert "機械翻訳がありません" in text(none)
    events = await actions.history((await actions.submission(number))["id"])
    assert events[-1]["message"] == (
        f"Please write the full address, including the block number.\n\n(原文) {original}"
    )
    assert platform.notifications[-1]["title"] == "Please correct your application"
    async with miniapp_client(web, resident, htmx=True) as client:  # the open page polls
        same = await client.get(f"/a/{number}/status?seen=correction")
        assert same.status_code == 204
        moved = await client.get(f"/a/{number}/status?seen=received")
        assert moved.status_code == 200
        assert moved.headers["hx-retarget"] == "body"
        assert "Correction requested" in text(moved)
    async with miniapp_client(web, token(shell, "other"), htmx=True) as client:
        assert (await client.get(f"/a/{number}/status?seen=x")).status_code == 404


async def test_two_staff_deciding_at_once_record_one_decision(demo):
    import asyncio

    answers = {"name": "武雄 花子", "dog_name": "ハチ", "tag": "武-1", "change": "died",
               "died_on": "2026-11-01", "consent": "1"}  # fmt: skip
    app = await actions.save("r1", "dog-change", answers, submit=True, verified=False)
    results = await asyncio.gather(
        actions.decide(app["number"], "approved", "承認します"),
        actions.decide(app["number"], "rejected", "不承認です"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, actions.Refused)]
    assert len(refused) == 1
    assert refused[0].reason == "bad_move"
    events = await actions.history(app["id"])
    assert [e["status"] for e in events] == [
        "received",
        next(r["status"] for r in results if isinstance(r, dict)),
    ]
    fee = await actions.save("r1", "dog-tag", {
        "name": "武雄 花子", "dog_name": "ハチ", "reason": "lost", "receive": "counter",
        "consent": "1"}, submit=True, verified=False)  # fmt: skip
    assert fee["status"] == "payment"
    paid_twice = await asyncio.gather(actions.mark_paid(fee["number"]),
                                      actions.mark_paid(fee["number"]))  # fmt: skip
    assert sorted(paid_twice) == [False, True]
    events = await actions.history(fee["id"])
    assert [e["status"] for e in events] == ["payment", "received"]
    await actions.decide(fee["number"], "rejected", "登録がありません")
    page_app = await actions.submission(fee["number"])
    assert page_app["payment"] == "paid"
    assert page_app["status"] == "rejected"


async def test_a_paid_rejected_application_is_refunded_through_the_wallet(
    demo, web, shell, platform
):
    tag = {"name": "武雄 花子", "dog_name": "ハチ", "reason": "lost", "receive": "counter",
           "consent": "1"}  # fmt: skip
    app = await actions.save("resident-1", "dog-tag", tag, submit=True, verified=False)
    number = app["number"]
    async with miniapp_client(web, token(shell), htmx=True) as client:
        await client.post(f"/a/{number}/payment")  # the request the shell's sheet shows
    platform.payments[number]["status"] = "paid"  # the resident paid in the sheet
    await actions.mark_paid(number)
    async with miniapp_client(web, token(shell, "clerk", roles=STAFF), htmx=True) as client:
        page = await client.get(f"/staff/a/{number}")
        assert "残高とポイントに返金されます" in text(page)
        await client.post(f"/staff/a/{number}", data={"action": "in_review", "message": ""})
        done = await client.post(
            f"/staff/a/{number}", data={"action": "rejected", "message": "登録がありません"}
        )
        assert done.status_code == 200, text(done)
    fee = app["fee"]
    assert platform.payments[number]["refunds"] == {f"{number}:rejected": fee}
    assert (await actions.submission(number))["payment"] == "refunded"
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.get(f"/a/{number}")
    assert "残高とポイントに返金しました" in text(page)
    assert "返金済み" in text(page)
