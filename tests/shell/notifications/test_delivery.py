"""Inbox first, then Web Push through a real push service: encrypted, VAPID-signed, decrypted."""

from __future__ import annotations

import json

from shell import jobs
from shell.notifications.tables import InboxItem, Message, PushSubscription
from tests.helpers.flows import csrf_headers
from tests.shell.notifications.conftest import notify, resident, subscribe


async def test_a_notification_lands_in_the_inbox_and_on_the_device_in_the_residents_language(
    app, push, districts
):
    async with resident(app) as (client, account):
        device = await subscribe(client, push)
        await client.post(
            "/language", data={"language": "en", "next": "/"}, headers=csrf_headers(client)
        )
        message_id = await notify([account["id"]])
        await jobs.drain()

        delivered = push.devices[device["id"]].messages
        assert len(delivered) == 1
        payload = json.loads(delivered[0]["data"])
        item = await InboxItem.select().where(InboxItem.message == message_id).first()
        assert payload["url"] == f"/inbox/{item['id']}/open"
        assert payload["title"] == "Notices"  # the English catalog's translation of お知らせ
        assert payload["badge"] == 1
        assert delivered[0]["topic"] == f"m{message_id}"
        assert item["push_state"] == "sent"

        inbox = await client.get("/inbox")
        assert "Notices" in inbox.text
        # The device's service worker reports the arrival with the signed receipt.
        receipt = await client.post(payload["receipt"])
        assert receipt.status_code == 204
        forged = await client.post(f"/notifications/receipts/{item['id']}/AAAA")
        assert forged.status_code == 204
        again = await InboxItem.select().where(InboxItem.id == item["id"]).first()
        assert again["delivered_at"] is not None

        # Tapping the notification opens it and counts it as opened and read.
        opened = await client.get(payload["url"])
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/inbox/{item['id']}"
        read = await InboxItem.select().where(InboxItem.id == item["id"]).first()
        assert read["opened_at"] is not None
        assert read["read_at"] is not None


async def test_a_forged_receipt_counts_nothing(app, push, districts):
    async with resident(app) as (client, account):
        await subscribe(client, push)
        message_id = await notify([account["id"]])
        await jobs.drain()
        item = await InboxItem.select().where(InboxItem.message == message_id).first()
        forged = await client.post(f"/notifications/receipts/{item['id']}/not-the-token")
        assert forged.status_code == 204
        after = await InboxItem.select().where(InboxItem.id == item["id"]).first()
        assert after["delivered_at"] is None


async def test_a_gone_subscription_is_removed_and_the_message_stays_in_the_inbox(
    app, push, districts
):
    async with resident(app) as (client, account):
        device = await subscribe(client, push)
        push.devices[device["id"]].gone = True  # the browser unsubscribed: 410 from now on
        message_id = await notify([account["id"]])
        await jobs.drain()
        assert await PushSubscription.count() == 0
        item = await InboxItem.select().where(InboxItem.message == message_id).first()
        assert item["push_state"] == "failed"
        assert "お知らせ" in (await client.get("/inbox")).text


async def test_a_second_run_of_the_push_job_sends_nothing_twice(app, push, districts):
    async with resident(app) as (client, account):
        device = await subscribe(client, push)
        message_id = await notify([account["id"]])
        await jobs.drain()
        await jobs.enqueue("notifications.push", message_id=message_id)
        await jobs.drain()
        from shell.notifications.delivery import fill_inboxes

        # the same resident twice, and one whose account is gone since the audience was chosen
        await fill_inboxes(message_id, [account["id"], account["id"], account["id"] + 1000])
        assert await InboxItem.count().where(InboxItem.message == message_id) == 1
        assert len(push.devices[device["id"]].messages) == 1


async def test_a_muted_topic_is_not_delivered_but_disaster_always_is(app, push, districts):
    async with resident(app) as (client, account):
        saved = await client.post(
            "/notifications/settings",
            data={"topic": ["city"]},  # events and childcare turned off
            headers=csrf_headers(client),
        )
        assert saved.status_code == 200
        assert 'data-testid="topics-saved"' in saved.text
        await notify([account["id"]], body="イベント", topic="events")
        await notify([account["id"]], body="避難", topic="disaster", urgency="high")
        await jobs.drain()
        topics = [
            row["message.topic"]
            for row in await InboxItem.select(InboxItem.message.topic).where(
                InboxItem.account == account["id"]
            )
        ]
        assert topics == ["disaster"]
        urgent = await Message.select().where(Message.topic == "disaster").first()
        assert urgent["urgency"] == "high"


async def test_a_notice_to_a_resident_with_no_device_is_settled_without_a_push_job(
    app, push, districts, monkeypatch
):
    """A payment's receipt to a resident who never allowed notifications: the inbox copy, and
    no push job spent finding out there is nothing to push. One with a device is pushed."""
    enqueued: list[str] = []
    enqueue = jobs.enqueue

    async def recording(name: str, **arguments) -> None:
        enqueued.append(name)
        await enqueue(name, **arguments)

    monkeypatch.setattr(jobs, "enqueue", recording)
    async with resident(app) as (_, deviceless), resident(app) as (client, subscribed):
        await notify([deviceless["id"]], body="控え")
        await jobs.drain()
        assert enqueued == []
        copy = await InboxItem.select().where(InboxItem.account == deviceless["id"]).first()
        assert copy["push_state"] == "none"
        device = await subscribe(client, push)
        await notify([subscribed["id"]], body="控え")
        await jobs.drain()
        assert enqueued == ["notifications.push"]
        assert len(push.devices[device["id"]].messages) == 1
        copy = await InboxItem.select().where(InboxItem.account == subscribed["id"]).first()
        assert copy["push_state"] == "sent"


async def test_a_topic_muted_by_some_reaches_the_rest_of_a_prefecture_sized_audience(
    app, push, districts
):
    """Over 32,767 residents: as one parameter each, their ids were more than PostgreSQL takes
    in a statement, and the whole notification failed. The audience here is two residents among
    40,000 ids of accounts the town does not hold (the muted check and the inbox copies read
    them all; a copy is made only for an account that exists)."""
    async with resident(app) as (muting, muter), resident(app) as (_, listener):
        saved = await muting.post(
            "/notifications/settings", data={"topic": ["city"]}, headers=csrf_headers(muting)
        )
        assert saved.status_code == 200
        top = max(muter["id"], listener["id"])
        unknown = range(top + 1, top + 40_000)
        audience = [muter["id"], *unknown, listener["id"]]
        await notify(audience, title="花火大会", body="今夜です", topic="events")
        await jobs.drain()
        copies = await InboxItem.select(InboxItem.account)
        assert [row["account"] for row in copies] == [listener["id"]]


async def test_a_subscription_to_an_unknown_push_service_or_malformed_is_refused(app, districts):
    async with resident(app) as (client, _account):
        for bad in (
            {
                "endpoint": "https://attacker.example/collect",
                "keys": {"p256dh": "BA", "auth": "AA"},
            },
            {"endpoint": "http://169.254.169.254/latest", "keys": {"p256dh": "BA", "auth": "AA"}},
            {
                "endpoint": "https://fcm.googleapis.com/fcm/send/x",
                "keys": {"p256dh": "short", "auth": "x"},
            },
            {"endpoint": "https://fcm.googleapis.com/fcm/send/x"},
            ["not", "an", "object"],
        ):
            response = await client.post(
                "/notifications/subscriptions", json=bad, headers=csrf_headers(client)
            )
            assert response.status_code == 400, bad
            assert response.json()["message"]
        assert await PushSubscription.count() == 0


async def test_the_settings_page_and_the_unread_badge(app, push, districts):
    async with resident(app) as (client, account):
        page = await client.get("/notifications/settings")
        assert page.status_code == 200
        assert "data-vapid-key=" in page.text
        await notify([account["id"]])
        home = await client.get("/")
        assert "未読1件" in home.text
        assert (await client.get("/notifications/unread")).json() == {"unread": 1}
        await client.post("/inbox/read-all", headers=csrf_headers(client))
        assert (await client.get("/notifications/unread")).json() == {"unread": 0}


async def test_open_pages_of_the_recipients_hear_that_their_inbox_changed(app, districts):
    import asyncio

    from litestar.channels import ChannelsPlugin

    from shell.web import live

    plugin = app.plugins.get(ChannelsPlugin)
    async with resident(app) as (client, account), plugin:
        async with (
            live.subscription([f"account.{account['id']}"], plugin=plugin) as mine,
            live.subscription([f"account.{account['id'] + 1000}"], plugin=plugin) as other,
        ):
            await notify([account["id"]])
            event = await asyncio.wait_for(mine.get(), 5)
            assert event.event == "inbox"
            assert other.empty()
        badge = await client.get("/notifications/badge")
        assert 'id="unread-badge"' in badge.text
        assert "未読1件" in badge.text


async def test_pushes_a_dead_runner_left_unfinished_resume_and_none_is_lost(app, push, districts):
    import datetime as dt

    from shell.notifications import delivery

    async with (
        resident(app) as (client, account),
        resident(app, name="二人目 住民", name_kana="ふたりめ じゅうみん") as (other_client, other),
    ):
        devices = [await subscribe(client, push), await subscribe(other_client, push)]
        # The message reached both inboxes; a runner claimed both copies, pushed nothing, and died.
        inserted = await Message.insert(
            Message(
                kind="system",
                source="city",
                topic="city",
                texts={"ja": {"title": "断水", "body": "本文"}},
            )
        ).returning(Message.id)
        message_id = inserted[0]["id"]
        await delivery.fill_inboxes(message_id, [account["id"], other["id"]])
        claimed = await delivery._claim(message_id)
        assert len(claimed) == 2
        assert (
            await delivery.resume_pushes() == 0
        )  # being pushed, by someone alive as far as we know
        long_ago = dt.datetime.now(dt.UTC) - delivery.STALE_CLAIM - dt.timedelta(seconds=1)
        await InboxItem.update({InboxItem.push_claimed_at: long_ago}).where(
            InboxItem.message == message_id
        )
        assert await delivery.resume_pushes() == 1
        await jobs.drain()
        assert [len(push.devices[d["id"]].messages) for d in devices] == [1, 1]
        states = {row["push_state"] for row in await InboxItem.select(InboxItem.push_state)}
        assert states == {"sent"}
        assert await delivery.resume_pushes() == 0
