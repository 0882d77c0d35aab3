"""The local push service over HTTP: pushes answered by the protocol itself, every other route by
its Litestar app, in order on one connection."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections.abc import AsyncIterator

import httpx
import pytest
from py_vapid import Vapid02

from shell.notifications.localpush import LocalPushService
from shell.notifications.webpush import Sender
from tests.helpers.push import local_push_service


@pytest.fixture(name="service")
async def fx_service() -> AsyncIterator[LocalPushService]:
    async with local_push_service() as service:
        yield service


@pytest.fixture(name="sender")
async def fx_sender() -> AsyncIterator[Sender]:
    vapid = Vapid02()
    vapid.generate_keys()
    sender = Sender(vapid, "mailto:webpush@city.example.jp")
    yield sender
    await sender.close()


async def test_a_device_subscribes_receives_and_expires_over_http(service, sender):
    async with httpx.AsyncClient(base_url=service.base_url) as client:
        made = await client.post("/subscriptions")
        assert made.status_code == 201
        device = made.json()
        outcome = await sender.send(device, '{"title": "給水車"}'.encode(), ttl=60, topic="m1")
        assert outcome.status == 201
        messages = (await client.get(f"/subscriptions/{device['id']}/messages")).json()
        assert [json.loads(m["data"]) for m in messages] == [{"title": "給水車"}]
        assert messages[0]["topic"] == "m1"

        assert (await client.delete(f"/subscriptions/{device['id']}")).status_code == 204
        assert (await sender.send(device, b"{}", ttl=60)).gone
        unknown = {**device, "endpoint": f"{service.base_url}/push/nobody"}
        assert (await sender.send(unknown, b"{}", ttl=60)).status == 404
        stats = (await client.get("/stats")).json()
        assert stats == {"accepted": 1, "refused": 2}


async def test_a_push_without_vapid_or_that_does_not_decrypt_is_refused(service):
    device = service.subscribe()
    async with httpx.AsyncClient() as client:
        bare = await client.post(
            device["endpoint"], content=b"x" * 120, headers={"Content-Encoding": "aes128gcm"}
        )
        assert bare.status_code == 401
    vapid = Vapid02()
    vapid.generate_keys()
    sender = Sender(vapid, "mailto:webpush@city.example.jp")
    try:
        stranger = {**device, "keys": service.subscribe()["keys"]}  # another device's keys
        assert (await sender.send(stranger, b"{}", ttl=60)).status == 400
    finally:
        await sender.close()
    assert service.devices[device["id"]].messages == []


async def test_a_token_checked_once_is_not_taken_with_another_key(service, sender):
    device = service.subscribe()
    headers = {**sender.vapid_headers(device["endpoint"]), "Content-Encoding": "aes128gcm"}
    stranger = Vapid02()
    stranger.generate_keys()
    theirs = stranger.sign({"aud": "http://x", "sub": "mailto:x@example.jp"})["Authorization"]
    borrowed = {
        **headers,
        "Authorization": headers["Authorization"].split(",")[0] + "," + theirs.split(",")[1],
    }  # this sender's token, presented with another's key
    async with httpx.AsyncClient() as client:
        for sent, status in ((headers, 201), (borrowed, 403), (headers, 201)):
            body = sender.encrypt(device, b'{"title": "x"}')
            answer = await client.post(device["endpoint"], content=body, headers=sent)
            assert answer.status_code == status
    assert len(service.devices[device["id"]].messages) == 2


async def test_requests_sent_together_are_answered_in_order(service):
    host, port = service.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"GET /stats HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /push/nobody HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        b"GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    answer = (await reader.read()).decode()
    writer.close()
    assert re.findall(r"HTTP/1.1 (\d+)", answer) == ["200", "404", "200"]
    assert answer.rstrip().endswith('{"accepted":0,"refused":1}')


def _messages(devices, payloads):
    """What ``encrypt_later`` takes: (payload, p256dh, auth) of each message."""
    return [
        (payload, device["keys"]["p256dh"], device["keys"]["auth"])
        for device, payload in zip(devices, payloads, strict=True)
    ]


async def test_a_large_broadcast_is_encrypted_by_helper_processes(service, monkeypatch):
    from shell.notifications import webpush

    monkeypatch.setattr(webpush, "POOL_MIN", 2)
    vapid = Vapid02()
    vapid.generate_keys()
    sender = Sender(vapid, "mailto:webpush@city.example.jp", processes=1)
    devices = [service.subscribe() for _ in range(3)]
    await sender.start_helpers()
    try:
        payloads = [f'{{"title": "第{n}報"}}'.encode() for n in range(3)]
        bodies = sender.encrypt_later(_messages(devices, payloads))
        assert bodies is not None
        assert len(sender.helper_pids()) == 1
        outcomes = [
            await sender.send(device, payload, ttl=60, body=body)
            for device, payload, body in zip(devices, payloads, bodies, strict=True)
        ]
        assert [outcome.status for outcome in outcomes] == [201, 201, 201]
        assert sender.encrypt_later(_messages(devices[:1], [b"{}"])) is None  # one is in place
        # a helper that dies leaves its messages to be encrypted by the sender itself
        os.kill(sender.helper_pids()[0], signal.SIGKILL)
        bodies = sender.encrypt_later(_messages(devices, payloads))
        assert bodies is not None
        retold = await sender.send(devices[0], '{"title": "再送"}'.encode(), ttl=60, body=bodies[0])
        assert retold.status == 201
        await asyncio.gather(*bodies[1:], return_exceptions=True)  # failed too, unused here
    finally:
        await sender.close()
    received = [json.loads(service.devices[d["id"]].messages[0]["data"]) for d in devices]
    assert json.loads(service.devices[devices[0]["id"]].messages[1]["data"])["title"] == "再送"
    assert received == [{"title": "第0報"}, {"title": "第1報"}, {"title": "第2報"}]
