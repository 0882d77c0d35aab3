"""Staff compose, preview the reach, send, schedule and approve; bad input sends nothing."""

from __future__ import annotations

import datetime as dt

from shell import jobs
from shell.audit.tables import AuditEntry
from shell.identity.tables import Account
from shell.notifications import actions
from shell.notifications.tables import InboxItem, Message
from shell.web.i18n import TOKYO
from tests.helpers.flows import csrf_headers
from tests.shell.notifications.conftest import resident, staff, subscribe


def _form(**overrides):
    form = {
        "title_ja": "ごみ収集日の変更",
        "body_ja": "年末年始の収集日が変わります。",
        "title_en": "Garbage days change",
        "body_en": "Collection days change over the New Year.",
        "topic": "city",
        "url": "/inbox",
        "urgency": "normal",
    }
    form.update(overrides)
    return form


async def test_a_notifier_sends_to_a_district_and_only_that_district_receives_it(
    app, push, districts
):
    first, second = districts[0], districts[1]
    async with (
        resident(app, district=first["code"]) as (near, near_account),
        resident(app, name="遠方 次郎", name_kana="えんぽう じろう", district=second["code"]) as (
            _far,
            far_account,
        ),
        staff(app, district=second["code"]) as (notifier, notifier_account),
    ):
        await near.post(
            "/language", data={"language": "en", "next": "/"}, headers=csrf_headers(near)
        )
        device = await subscribe(near, push)
        await notifier.get("/staff/notifications/new")
        preview = await notifier.post(
            "/staff/notifications/preview",
            data=_form(district=[str(first["id"])]),
            headers={**csrf_headers(notifier), "HX-Request": "true"},
        )
        assert "1人に届きます" in preview.text
        sent = await notifier.post(
            "/staff/notifications/",
            data=_form(district=[str(first["id"])]),
            headers=csrf_headers(notifier),
        )
        assert sent.status_code == 303
        await jobs.drain()
        message = await Message.select().where(Message.kind == "staff").first()
        assert message["status"] == "sent"
        assert message["recipients"] == 1
        receivers = [r["account"] for r in await InboxItem.select(InboxItem.account)]
        assert receivers == [near_account["id"]]
        assert far_account["id"] not in receivers
        assert notifier_account["id"] not in receivers
        # The resident reads the English version the notifier wrote.
        assert "Garbage days change" in (await near.get("/inbox")).text
        assert len(push.devices[device["id"]].messages) == 1
        detail = await notifier.get(sent.headers["location"])
        assert 'data-testid="stat-sent">1<' in detail.text
        audited = await AuditEntry.select().where(AuditEntry.action == "notifications.composed")
        assert len(audited) == 1
        assert audited[0]["actor"] == notifier_account["id"]


async def test_an_age_band_reaches_only_residents_of_that_age(app, districts):
    today = dt.date.today()
    async with resident(app, birth_date=str(today.replace(year=today.year - 70))) as (_, old), \
            resident(app, name="若者 三郎", name_kana="わかもの さぶろう",
                     birth_date=str(today.replace(year=today.year - 30))) as (_, young), \
            staff(app) as (notifier, _n):  # fmt: skip
        await notifier.get("/staff/notifications/new")
        sent = await notifier.post(
            "/staff/notifications/", data=_form(age_band=["65-74"]), headers=csrf_headers(notifier)
        )
        assert sent.status_code == 303
        receivers = {r["account"] for r in await InboxItem.select(InboxItem.account)}
        assert receivers == {old["id"]}
        assert young["id"] not in receivers


async def test_everyone_needs_a_second_notifier(app, districts):
    async with (
        resident(app) as (_, someone),
        staff(app) as (first, first_account),
        staff(app, name="承認 花子") as (second, second_account),
    ):
        await first.get("/staff/notifications/new")
        sent = await first.post("/staff/notifications/", data=_form(), headers=csrf_headers(first))
        assert sent.status_code == 303
        message = await Message.select().first()
        assert message["status"] == "awaiting_approval"
        assert await InboxItem.count() == 0
        own = await first.post(
            f"/staff/notifications/{message['id']}/approve", headers=csrf_headers(first)
        )
        assert "自分で作成したお知らせは承認できません" in own.text
        assert await InboxItem.count() == 0
        await second.get(f"/staff/notifications/{message['id']}")
        approved = await second.post(
            f"/staff/notifications/{message['id']}/approve", headers=csrf_headers(second)
        )
        assert approved.status_code == 303
        after = await Message.select().first()
        assert after["status"] == "sent"
        assert after["approved_by"] == second_account["id"]
        everyone = {a["id"] for a in await Account.select(Account.id)}
        assert {r["account"] for r in await InboxItem.select(InboxItem.account)} == everyone
        assert someone["id"] in everyone
        assert first_account["id"] in everyone


async def test_bad_input_gets_a_clear_message_and_sends_nothing(app, districts):
    async with resident(app), staff(app) as (notifier, _):
        await notifier.get("/staff/notifications/new")
        past = dt.datetime.now(TOKYO) - dt.timedelta(hours=1)
        cases = {
            "日本語の件名と本文を入力してください": _form(title_ja="  "),
            "この条件に当てはまる住民がいません": _form(language=["en"]),
            "予約日時は今より後": _form(
                scheduled_at=past.strftime("%Y-%m-%dT%H:%M"), district=[str(districts[0]["id"])]
            ),
            "予約日時を読み取れませんでした": _form(
                scheduled_at="tomorrow", district=[str(districts[0]["id"])]
            ),
            "リンク先は「/」で始まる": _form(url="https://evil.example/"),
            "その地区はありません": _form(district=["999999"]),
            "翻訳は件名と本文の両方を": _form(body_en=""),
        }
        for expected, form in cases.items():
            response = await notifier.post(
                "/staff/notifications/", data=form, headers=csrf_headers(notifier)
            )
            assert response.status_code == 422, expected
            assert expected in response.text, expected
        assert await Message.count() == 0
        assert await InboxItem.count() == 0


async def test_a_resident_cannot_send(app, districts):
    async with resident(app) as (client, _):
        await client.get("/")
        response = await client.post(
            "/staff/notifications/", data=_form(), headers=csrf_headers(client)
        )
        assert response.status_code == 403
        assert (await client.get("/staff/notifications/new")).status_code == 403
    assert await Message.count() == 0


async def test_a_scheduled_message_goes_when_its_time_comes_and_can_be_cancelled(app, districts):
    async with resident(app) as (_, someone), staff(app) as (notifier, notifier_account):
        await notifier.get("/staff/notifications/new")
        later = dt.datetime.now(TOKYO) + dt.timedelta(hours=2)
        for _ in range(2):
            sent = await notifier.post(
                "/staff/notifications/",
                data=_form(
                    scheduled_at=later.strftime("%Y-%m-%dT%H:%M"),
                    district=[str(districts[0]["id"])],
                ),
                headers=csrf_headers(notifier),
            )
            assert sent.status_code == 303
        first, second = await Message.select().order_by(Message.id)
        assert first["status"] == second["status"] == "scheduled"
        await actions.cancel(second["id"], by=notifier_account["id"])
        assert await actions.send_due() == 0  # not yet
        assert await InboxItem.count() == 0
        sent_now = await actions.send_due(now=later.astimezone(dt.UTC) + dt.timedelta(minutes=1))
        assert sent_now == 1
        assert await actions.send_due(now=later.astimezone(dt.UTC) + dt.timedelta(minutes=2)) == 0
        statuses = {m["id"]: m["status"] for m in await Message.select()}
        assert statuses == {first["id"]: "sent", second["id"]: "cancelled"}
        in_district = {
            a["id"]
            for a in await Account.select(Account.id).where(Account.district == districts[0]["id"])
        }
        receivers = {r["account"] for r in await InboxItem.select(InboxItem.account)}
        assert someone["id"] in receivers
        assert receivers == in_district
