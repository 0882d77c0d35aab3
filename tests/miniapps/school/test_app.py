"""A guardian links a child, reports an absence, reads a letter in their language and messages
the class; the teacher sees the board, the inbox and the gate. Over HTTP on a database."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from babel.dates import format_skeleton
from machi_sdk.testing import miniapp_client

from .conftest import module, token

actions = module("actions")
queries = module("queries")
routes = module("routes")
services = module("services")
tables = module("tables")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def text(page) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


def morning(day: dt.date | None = None, hour: int = 7) -> dt.datetime:
    day = day or actions.today()
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=actions.JST)


async def test_guardian_links_a_child_and_reports_an_absence(school, web, shell, platform):
    async with miniapp_client(web, token(shell), htmx=True) as client:
        assert "お子さんを登録する" in (await client.get("/")).text
        done = await client.post("/link", data={"code": school["code"].lower()})
        assert done.status_code == 200, text(done)
        assert "はるとさん（1年1組）を登録しました。" in text(done)
        again = await client.post("/link", data={"code": school["code"]})
        assert again.status_code == 200  # linking twice is one link, counted once
        page = await client.get(f"/children/{school['child']}")
        assert 'data-testid="school-qr"' in page.text
        tomorrow = actions.today() + dt.timedelta(days=1)
        sent = await client.post(f"/children/{school['child']}/notices", data={
            "kind": "absent", "day": tomorrow.isoformat(), "reason": "illness",
            "symptoms": ["fever", "cough"], "note": "熱が38度あります",
        })  # fmt: skip
        assert sent.status_code == 200, text(sent)
        assert "欠席 — 体調不良（発熱、せき）" in text(sent)
        # the same day again replaces the notice: lateness now, not a second row
        again = await client.post(f"/children/{school['child']}/notices", data={
            "kind": "late", "day": tomorrow.isoformat(), "reason": "appointment",
            "symptoms": ["fever"], "at_time": "10:30",
        })  # fmt: skip
        assert again.status_code == 200, text(again)
    notices = await tables.SchoolNotice.select().output(load_json=True)
    assert len(notices) == 1
    assert (notices[0]["kind"], notices[0]["at_time"], notices[0]["symptoms"]) == (
        "late",
        "10:30",
        [],  # no symptoms kept for a reason that is not illness
    )
    assert platform.kpis == {"guardians_registered": 1, "absences_app": 1}
    board = await queries.board(school["one"], tomorrow)
    assert board[0]["notice"]["kind"] == "late"
    # the teacher's board lists it among the coming week's notices
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        fragment = await client.get(f"/staff/classes/{school['one']}/board")
    assert "はると: 遅刻 10:30 通院・予定" in text(fragment)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"kind": "absent", "reason": "illness", "day": "2000-01-01"},
            "過ぎた日の連絡はできません",
        ),
        ({"kind": "absent", "reason": "illness", "day": "+90"}, "60日先まで"),
        ({"kind": "gone", "reason": "illness", "day": "+1"}, "連絡の種類を選んでください"),
        ({"kind": "late", "reason": "illness", "day": "+1"}, "時刻を 08:30 のように"),
        ({"kind": "late", "reason": "illness", "day": "+1", "at_time": "25:00"}, "時刻を"),
        (
            {"kind": "absent", "reason": "illness", "day": "+1", "symptoms": "cancer"},
            "症状は一覧から",
        ),
        ({"kind": "absent", "reason": "illness", "day": "+1", "note": "あ" * 201}, "200文字まで"),
        ({"kind": "absent", "reason": "illness", "day": "nope"}, "過ぎた日"),
    ],
)
async def test_bad_notices_are_refused_and_change_nothing(school, web, shell, form, message):
    await actions.link_child("parent-1", school["code"])
    if form["day"].startswith("+"):
        form = {**form, "day": (actions.today() + dt.timedelta(days=int(form["day"]))).isoformat()}
    async with miniapp_client(web, token(shell), htmx=True) as client:
        refused = await client.post(f"/children/{school['child']}/notices", data=form)
    assert refused.status_code == 422
    assert message in text(refused)
    assert await tables.SchoolNotice.count() == 0


async def test_same_day_absence_after_the_deadline_says_to_phone(school):
    await actions.link_child("parent-1", school["code"])
    day = actions.today()
    with pytest.raises(actions.Refused) as late:
        await actions.submit_notice("parent-1", school["child"], day=day, kind="absent",
                                    reason="illness", now=morning(day, 9))  # fmt: skip
    assert late.value.reason == "after_deadline"
    assert late.value.details == {"deadline": "08:30"}
    assert routes.REFUSALS["after_deadline"] % late.value.details
    # before the deadline it goes through; an early pick-up later that day too
    await actions.submit_notice("parent-1", school["child"], day=day, kind="absent",
                                reason="illness", now=morning(day, 8))  # fmt: skip
    await actions.submit_notice("parent-1", school["child"], day=day, kind="early",
                                reason="family", at_time="14:00", now=morning(day, 11))  # fmt: skip
    assert await tables.SchoolNotice.count() == 1


async def test_codes_wrong_expired_full_and_guessing(school):
    with pytest.raises(actions.Refused, match="no_match"):
        await actions.link_child("parent-x", "ZZZZ-ZZZZ")
    later = actions.now_utc() + dt.timedelta(days=actions.CODE_DAYS + 1)
    with pytest.raises(actions.Refused, match="expired"):
        await actions.link_child("parent-x", school["code"], now=later)
    # two guardians, then no third; linking twice is one link
    await actions.link_child("mother", school["code"])
    await actions.link_child("mother", school["code"])
    await actions.link_child("father", school["code"])
    with pytest.raises(actions.Refused, match="full"):
        await actions.link_child("stranger", school["code"])
    assert await tables.SchoolGuardian.count() == 2
    for n in range(actions.MAX_FAILURES - 1):
        with pytest.raises(actions.Refused, match="no_match"):
            await actions.link_child("parent-x", f"AAAA-AAA{n}")
    with pytest.raises(actions.Refused, match="locked"):
        await actions.link_child("parent-x", school["code"])


async def test_siblings_under_one_account(school, web, shell):
    sister, code = await actions.add_child(school["two"], "ひな", "ひな")
    await actions.link_child("parent-1", school["code"])
    await actions.link_child("parent-1", code)
    async with miniapp_client(web, token(shell), htmx=True) as client:
        home = await client.get("/")
    assert home.text.count('data-testid="school-child"') == 2
    assert home.text.count('data-testid="school-talk"') == 2
    assert sister


async def test_letter_with_files_in_vietnamese_read_receipt_and_nudge(school, web, shell, platform):
    await actions.link_child("parent-vi", school["code"], locale="vi", notify=True)
    platform.translations[("遠足のお知らせ", "vi")] = "Thông báo dã ngoại"
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        too_big = await client.post(
            f"/staff/classes/{school['one']}/letters",
            data={
                "nonce": "n1",
                "audience": "class",
                "title": "遠足のお知らせ",
                "body": "お弁当を",
            },
            files=[("files", ("big.pdf", PDF + b"0" * (3 * 1024 * 1024), "application/pdf"))],
        )
        assert too_big.status_code == 422
        assert "「big.pdf」は大きすぎます" in text(too_big)
        exe = await client.post(
            f"/staff/classes/{school['one']}/letters",
            data={
                "nonce": "n1",
                "audience": "class",
                "title": "遠足のお知らせ",
                "body": "お弁当を",
            },
            files=[("files", ("plan.pdf", b"MZ\x90\x00", "application/pdf"))],
        )
        assert exe.status_code == 422
        assert "送れない種類のファイル" in text(exe)
        assert await tables.SchoolLetter.count() == 0
        form = {"nonce": "n2", "audience": "class", "title": "遠足のお知らせ", "body": "お弁当を"}
        files = [("files", ("しおり.pdf", PDF, "application/pdf")),
                 ("files", ("map.png", PNG, "image/png"))]  # fmt: skip
        sent = await client.post(f"/staff/classes/{school['one']}/letters", data=form, files=files)
        assert sent.status_code == 200, text(sent)
        # the same form sent twice is one letter
        await client.post(f"/staff/classes/{school['one']}/letters", data=form, files=files)
    assert await tables.SchoolLetter.count() == 1
    letter = (await tables.SchoolLetter.select())[0]
    # told once, the letter's title in the guardian's language
    assert [(n["resident"], n["body"], n["url"]) for n in platform.notifications] == [
        ("parent-vi", "Thông báo dã ngoại", f"/letters/{letter['id']}")
    ]
    async with miniapp_client(web, token(shell, "parent-vi", locale="vi"), htmx=True) as client:
        page = await client.get(f"/letters/{letter['id']}")
        assert "Thông báo dã ngoại" in page.text
        assert "[vi] お弁当を" in page.text
        assert 'data-testid="school-original"' in page.text
        assert "お弁当を" in text(page)
        files = re.findall(r'href="/attachments/(\d+)"', page.text)
        assert len(files) == 2
        got = await client.get(f"/attachments/{files[0]}")
        assert got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert "attachment" in got.headers["content-disposition"]
        read = await client.post(f"/letters/{letter['id']}/read")
        assert 'data-testid="school-read"' in read.text
    # another class's parent sees neither the letter nor its files
    _, code = await actions.add_child(school["two"], "ひな", "ひな")
    await actions.link_child("parent-2", code)
    async with miniapp_client(web, token(shell, "parent-2"), htmx=True) as client:
        assert (await client.get(f"/letters/{letter['id']}")).status_code == 404
        assert (await client.get(f"/attachments/{files[0]}")).status_code == 404
    assert platform.kpis["letters_read"] == 1
    # staff see who read it; a staff correction wins over the machine
    async with miniapp_client(web, teacher, htmx=True) as client:
        receipts = await client.get(f"/staff/letters/{letter['id']}")
        assert "既読 1 / 1" in text(receipts)
        fixed = await client.post(
            f"/staff/letters/{letter['id']}/texts",
            data={"lang": "vi", "title": "Dã ngoại", "body": "Mang cơm"},
        )
        assert fixed.status_code == 200
    shown = await queries.letter_text(letter["id"], "vi")
    assert (shown["title"], shown["source"]) == ("Dã ngoại", "staff")
    assert any(a["action"] == "school.letter.receipts" for a in platform.audits)


async def test_nudge_reaches_only_those_who_have_not_read(school, platform):
    await actions.link_child("reader", school["code"], notify=True)
    await actions.link_child("late-reader", school["code"], notify=True)
    letter_id = await actions.create_letter(
        "teacher-a", "n", school="みどり小学校", audience="grade", class_id=school["one"],
        title="参観日", body="11月20日", send_at=None, files=[],
    )  # fmt: skip
    await actions.confirm_read("reader", letter_id)
    letter = await queries.letter(letter_id)
    assert await services.nudge_unread(platform.platform, letter) == 1
    assert await services.nudge_unread(platform.platform, letter) == 0  # once a day
    assert [n["resident"] for n in platform.notifications] == ["late-reader"]


async def test_scheduled_letter_waits_for_its_time_and_untranslated_shows_the_original(
    school, web, shell, platform
):
    platform.translation_engine = False
    await actions.link_child("parent-vi", school["code"], locale="vi", notify=True)
    later = actions.now_utc() + dt.timedelta(hours=3)
    letter_id = await actions.create_letter(
        "teacher-a", "n", school="みどり小学校", audience="school", class_id=school["one"],
        title="運動会", body="雨天延期", send_at=later, files=[],
    )  # fmt: skip
    assert await services.send_due_letters(platform.platform) == 0
    assert await queries.letters_for_guardian("parent-vi") == []
    assert await services.send_due_letters(platform.platform, later) == 1
    assert await services.send_due_letters(platform.platform, later) == 0
    async with miniapp_client(web, token(shell, "parent-vi", locale="vi"), htmx=True) as client:
        assert (await client.get(f"/letters/{letter_id}")).status_code == 404  # not yet time
    letter = await queries.letter(letter_id)
    await tables.SchoolLetter.update({tables.SchoolLetter.send_at: actions.now_utc()}).where(
        tables.SchoolLetter.id == letter["id"]
    )
    async with miniapp_client(web, token(shell, "parent-vi", locale="vi"), htmx=True) as client:
        page = await client.get(f"/letters/{letter_id}")
    assert 'data-testid="school-untranslated"' in page.text
    assert "雨天延期" in page.text


async def test_message_round_trip_in_two_languages(school, web, shell, platform):
    await actions.link_child("parent-vi", school["code"], locale="vi", notify=True)
    platform.translations[("Con tôi bị sốt", "ja")] = "子どもが熱を出しました"
    platform.translations[("お大事に", "vi")] = "Chúc cháu mau khỏe"
    parent = token(shell, "parent-vi", locale="vi")
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, parent, htmx=True) as client:
        page = await client.get(f"/classes/{school['one']}/conversation")
        assert "平日 8:00〜16:30" in page.text  # office hours
        conv_id = int(re.search(r"/conversations/(\d+)/messages", page.text)[1])
        blank = await client.post(
            f"/conversations/{conv_id}/messages", data={"nonce": "a", "body": " "}
        )
        assert blank.status_code == 422
        for _ in range(2):  # a double tap is one message
            sent = await client.post(f"/conversations/{conv_id}/messages",
                                     data={"nonce": "a", "body": "Con tôi bị sốt"})  # fmt: skip
            assert sent.status_code == 200
    assert await tables.SchoolMessage.count() == 1
    assert [n["resident"] for n in platform.notifications] == ["teacher-a"]
    async with miniapp_client(web, teacher, htmx=True) as client:
        inbox = await client.get(f"/staff/classes/{school['one']}")
        assert "はると（1年1組）" in text(inbox)
        page = await client.get(f"/conversations/{conv_id}")
        assert "子どもが熱を出しました" in page.text
        assert "Con tôi bị sốt" in page.text
        await client.post(
            f"/conversations/{conv_id}/messages", data={"nonce": "b", "body": "お大事に"}
        )
    assert any(a["action"] == "school.conversation.view" and a["subject"] == "parent-vi"
               for a in platform.audits)  # fmt: skip
    async with miniapp_client(web, parent, htmx=True) as client:
        first = await client.get(f"/conversations/{conv_id}/wait?after=0&seconds=0")
        assert "Chúc cháu mau khỏe" in first.text
        assert "お大事に" in first.text
        last = int(re.findall(r'id="school-message-(\d+)"', first.text)[-1])
        empty = await client.get(f"/conversations/{conv_id}/wait?after={last}&seconds=0")
        assert 'data-testid="school-message"' not in empty.text
        assert f"after={last}" in empty.text  # the next listener


async def test_a_waiting_listener_wakes_when_a_message_is_sent(school):
    import asyncio

    await actions.link_child("parent-1", school["code"])
    conv = await actions.conversation("parent-1", school["one"], "はると")
    waiting = asyncio.create_task(module("delivery").deliver(conv, 0, 5.0))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await actions.send_message(conv, from_staff=True, author="teacher-a", body="明日は遠足です",
                               lang="ja", nonce="x")  # fmt: skip
    rows = await asyncio.wait_for(waiting, 2.0)
    assert [r["body"] for r in rows] == ["明日は遠足です"]


async def test_gate_qr_check_in_and_out_on_the_board(school, web, shell, platform):
    await actions.link_child("parent-1", school["code"], notify=True)
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.get(f"/children/{school['child']}")
    qr = re.search(r'data-qr="([^"]+)"', page.text)[1]
    assert qr.startswith("MACHI-SCHOOL:")
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        done = await client.post(f"/staff/classes/{school['one']}/gate",
                                 data={"code": qr, "direction": "in"})  # fmt: skip
        assert "はるとさんが登園しました。" in text(done)
        out = await client.post(
            f"/staff/classes/{school['one']}/gate",
            data={"code": qr, "direction": "out", "collected_by": "祖母"},
        )
        assert "はるとさんが降園しました。" in text(out)
        board = await client.get(f"/staff/classes/{school['one']}/board")
        assert "お迎え: 祖母" in text(board)
        assert "1人中 欠席 0人・登園 1人" in text(board)
        wrong = await client.post(
            f"/staff/classes/{school['one']}/gate",
            data={"code": "MACHI-SCHOOL:nobody", "direction": "in"},
        )
        assert wrong.status_code == 422
        month = actions.today().strftime("%Y-%m")
        csv = await client.get(f"/staff/classes/{school['one']}/export?month={month}")
        assert csv.status_code == 200
        assert "はると" in csv.content.decode("utf-8-sig")
        assert "祖母" in csv.text
    assert {a["action"] for a in platform.audits} >= {"school.gate.in", "school.gate.out",
                                                      "school.attendance.export"}  # fmt: skip
    # the guardian is told, and sees the times on the child's page
    assert [n["title"] for n in platform.notifications] == ["登園しました", "降園しました"]
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = text(await client.get(f"/children/{school['child']}"))
        assert "お迎え: 祖母" in page
        gone = await client.post(f"/children/{school['child']}/unlink")
        assert 'data-testid="school-child"' not in gone.text
    assert await tables.SchoolGuardian.count() == 0
    # a teacher of the other class cannot check this child in
    other = token(shell, "teacher-b", roles=("school_staff",))
    async with miniapp_client(web, other, htmx=True) as client:
        refused = await client.post(f"/staff/classes/{school['one']}/gate",
                                    data={"code": qr, "direction": "in"})  # fmt: skip
    assert refused.status_code == 403


async def test_staff_enrol_a_child_and_record_a_phoned_absence(school, web, shell, platform):
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        blank = await client.post(
            f"/staff/classes/{school['one']}/children", data={"first_name": ""}
        )
        assert blank.status_code == 422
        done = await client.post(f"/staff/classes/{school['one']}/children",
                                 data={"first_name": "そら", "kana": "そら"})  # fmt: skip
        code = re.search(r'data-testid="school-code">([A-Z0-9-]+)<', done.text)[1]
        phoned = await client.post(
            f"/staff/classes/{school['one']}/phoned",
            data={"child": str(school["child"]), "reason": "illness"},
        )
        assert "はるとさんの欠席を記録しました。" in text(phoned)
    assert await actions.link_child("parent-9", code)
    assert platform.kpis == {"absences_phone": 1}


async def test_rsvp_answered_in_vietnamese_and_tallied_for_staff(school, web, shell, platform):
    await actions.link_child("parent-vi", school["code"], locale="vi")
    await actions.link_child("parent-ja", school["code"])
    with pytest.raises(actions.Refused, match="bad_choices"):
        await actions.create_letter(
            "teacher-a", "x", school="みどり小学校", audience="class", class_id=school["one"],
            title="懇談会", body="日程", send_at=None, files=[], question="出席しますか",
            choices=["はい"],
        )  # fmt: skip
    letter_id = await actions.create_letter(
        "teacher-a", "n", school="みどり小学校", audience="class", class_id=school["one"],
        title="懇談会", body="12月5日です", send_at=None, files=[], question="出席しますか",
        choices=["出席します", "欠席します"],
    )  # fmt: skip
    async with miniapp_client(web, token(shell, "parent-vi", locale="vi"), htmx=True) as client:
        page = await client.get(f"/letters/{letter_id}")
        assert "[vi] 出席しますか" in page.text
        assert "[vi] 欠席します" in page.text
        bad = await client.post(f"/letters/{letter_id}/answer", data={"choice": "7"})
        assert bad.status_code == 422
        done = await client.post(f"/letters/{letter_id}/answer",
                                 data={"choice": "1", "comment": "仕事のため"})  # fmt: skip
        assert 'data-testid="school-answered"' in done.text
        assert "[vi] 欠席します" in text(done)
        # answering again replaces the answer
        await client.post(f"/letters/{letter_id}/answer", data={"choice": "0"})
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        page = text(await client.get(f"/staff/letters/{letter_id}"))
    assert "出席します 1 欠席します 0" in page
    assert "まだ回答していない保護者: はると（1年1組）" in page
    assert await tables.SchoolAnswer.count() == 1
    assert await tables.SchoolReceipt.count() == 1  # answering is reading


async def test_contact_book_both_ways_and_class_settings(school, web, shell, platform):
    await actions.link_child("parent-1", school["code"], notify=True)
    async with miniapp_client(web, token(shell), htmx=True) as client:
        blank = await client.post(f"/children/{school['child']}/contact", data={"note": " "})
        assert blank.status_code == 422
        done = await client.post(f"/children/{school['child']}/contact",
                                 data={"note": "朝の体温 36.8度、朝ごはんは半分"})  # fmt: skip
        assert 'data-testid="school-contact-saved"' in done.text
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        page = await client.get(f"/staff/children/{school['child']}/contact")
        assert "朝の体温 36.8度" in page.text
        wrote = await client.post(
            f"/staff/children/{school['child']}/contact",
            data={"note": "外でよく遊びました", "day": actions.today().isoformat()},
        )
        assert "連絡帳に書きました。" in text(wrote)
        saved = await client.post(
            f"/staff/classes/{school['one']}/settings",
            data={"deadline": "09:00", "office_hours": "平日 9:00〜15:00"},
        )
        assert "設定を保存しました。" in text(saved)
        bad = await client.post(f"/staff/classes/{school['one']}/settings",
                                data={"deadline": "9時", "office_hours": ""})  # fmt: skip
        assert bad.status_code == 422
    assert (await queries.klass(school["one"]))["deadline"] == "09:00"
    async with miniapp_client(web, token(shell), htmx=True) as client:
        child = text(await client.get(f"/children/{school['child']}"))
    assert "園・学校から: 外でよく遊びました" in child
    assert [n["url"] for n in platform.notifications] == [f"/children/{school['child']}"]
    assert ("school.contact.view", f"child:{school['child']}") in [
        (a["action"], a["subject"]) for a in platform.audits
    ]


async def test_at_once_never_makes_a_third_guardian_or_a_second_message(school):
    import asyncio

    results = await asyncio.gather(
        *(actions.link_child(f"parent-{n}", school["code"]) for n in range(4)),
        return_exceptions=True,
    )
    assert sum(1 for r in results if r == school["child"]) == 2
    assert all(isinstance(r, actions.Refused) for r in results if r != school["child"])
    assert await tables.SchoolGuardian.count() == 2
    # a guardian who leaves frees the place for another
    linked = [f"parent-{n}" for n, r in enumerate(results) if r == school["child"]]
    await actions.unlink_child(linked[0], school["child"])
    assert await actions.link_child("parent-new", school["code"]) == school["child"]
    conv = await actions.conversation("parent-new", school["one"], "はると")
    sent = await asyncio.gather(*(
        actions.send_message(conv, from_staff=False, author="parent-new", body="はい",
                             lang="ja", nonce="tap")
        for _ in range(3)
    ))  # fmt: skip
    assert len({message_id for message_id, _ in sent}) == 1
    assert [new for _, new in sent].count(True) == 1
    assert await tables.SchoolMessage.count() == 1


async def test_a_new_staff_code_and_staff_who_must_join_again(school):
    code = await actions.new_staff_code(school["one"], remove_staff=True)
    assert not await queries.is_class_staff("teacher-a", school["one"])
    with pytest.raises(actions.Refused, match="no_match"):
        await actions.join_class("teacher-c", school["staff_code"])
    assert await actions.join_class("teacher-a", code) == school["one"]


async def test_withdraw_a_notice_and_a_fresh_code_for_a_lost_paper(school, web, shell):
    await actions.link_child("parent-1", school["code"])
    tomorrow = actions.today() + dt.timedelta(days=1)
    await actions.submit_notice("parent-1", school["child"], day=tomorrow, kind="absent",
                                reason="family")  # fmt: skip
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.post(
            f"/children/{school['child']}/notices/{tomorrow.isoformat()}/withdraw"
        )
    assert page.status_code == 200
    assert 'data-testid="school-notice"' not in page.text
    assert await tables.SchoolNotice.count() == 0
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        fresh = await client.post(f"/staff/classes/{school['one']}/children/{school['child']}/code")
        code = re.search(r'data-testid="school-code">([A-Z0-9-]+)<', fresh.text)[1]
        # a child of this class only, through this class
        other = await client.post(f"/staff/classes/{school['two']}/children/{school['child']}/code")
        assert other.status_code == 404
        bad_month = await client.get(f"/staff/classes/{school['one']}/export?month=2026-13")
        assert bad_month.status_code == 422
    with pytest.raises(actions.Refused, match="no_match"):
        await actions.link_child("parent-2", school["code"])  # the old code no longer works
    assert await actions.link_child("parent-2", code) == school["child"]


async def test_a_draft_letter_waits_for_staff_to_check_its_translation(
    school, web, shell, platform
):
    await actions.link_child("parent-vi", school["code"], locale="vi", notify=True)
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    form = {"nonce": "d1", "audience": "class", "title": "持ち物", "body": "体操服", "draft": "1"}
    async with miniapp_client(web, teacher, htmx=True) as client:
        page = await client.post(f"/staff/classes/{school['one']}/letters", data=form)
        assert 'data-testid="school-letter-draft"' in page.text
        assert "[vi] 体操服" in page.text  # the machine translation, for staff to check
        letter_id = (await tables.SchoolLetter.select())[0]["id"]
        assert await queries.letters_for_guardian("parent-vi") == []
        assert await services.send_due_letters(platform.platform) == 0
        fixed = {"lang": "vi", "title": "Đồ mang theo", "body": "Quần áo thể dục"}
        await client.post(f"/staff/letters/{letter_id}/texts", data=fixed)
        sent = await client.post(f"/staff/letters/{letter_id}/release")
        assert "お便りを送りました。" in text(sent)
    assert [n["body"] for n in platform.notifications] == ["Đồ mang theo"]
    async with miniapp_client(web, token(shell, "parent-vi", locale="vi"), htmx=True) as client:
        page = await client.get(f"/letters/{letter_id}")
    assert "Quần áo thể dục" in page.text


async def test_an_administrator_creates_a_class_and_a_teacher_cannot(db, web, shell, platform):
    form = {"school": "みどりこども園", "name": "りす組", "grade": "2", "kind": "nursery",
            "deadline": "09:30", "office_hours": "平日 7:30〜18:00"}  # fmt: skip
    async with miniapp_client(web, token(shell, "teacher-x", roles=("school_staff",)),
                              htmx=True) as client:  # fmt: skip
        assert (await client.post("/staff/classes", data=form)).status_code == 403
    async with miniapp_client(web, token(shell, "admin-1", roles=("admin",)), htmx=True) as client:
        bad = await client.post("/staff/classes", data={**form, "grade": "x"})
        assert bad.status_code == 422
        done = await client.post("/staff/classes", data=form)
        code = re.search(r'data-testid="school-staff-code">([A-Z0-9-]+)<', done.text)[1]
    assert await actions.join_class("teacher-x", code)
    klass = (await tables.SchoolClass.select())[0]
    assert (klass["kind"], klass["deadline"], klass["grade"]) == ("nursery", "09:30", 2)
    assert ("school.class.create", f"class:{klass['id']}") in [
        (a["action"], a["subject"]) for a in platform.audits
    ]


async def test_a_vietnamese_guardian_reads_the_days_of_notices_in_vietnamese(school, web, shell):
    tomorrow = actions.today() + dt.timedelta(days=1)
    for who, locale in (("parent-vi", "vi"), ("parent-ja", "ja")):
        await actions.link_child(who, school["code"], locale=locale)
    async with miniapp_client(web, token(shell, "parent-vi", locale="vi"), htmx=True) as client:
        sent = await client.post(f"/children/{school['child']}/notices", data={
            "kind": "absent", "day": tomorrow.isoformat(), "reason": "illness",
        })  # fmt: skip
    async with miniapp_client(web, token(shell, "parent-ja"), htmx=True) as client:
        japanese = await client.get(f"/children/{school['child']}")
    assert sent.status_code == 200, text(sent)
    # e.g. "T2, 30 thg 11": the weekday and month in Vietnamese (Babel's CLDR data), not ISO
    assert format_skeleton("MMMEd", tomorrow, locale="vi") in text(sent)
    assert tomorrow.isoformat() not in text(sent)
    weekday = "月火水木金土日"[tomorrow.weekday()]
    assert f"{tomorrow.month}月{tomorrow.day}日({weekday})" in text(japanese)
