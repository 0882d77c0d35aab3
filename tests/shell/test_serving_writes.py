"""What ``machi serve``'s HTTP protocol sends: a response in one send, whole and in order.

A real uvicorn server runs in this loop with ``shell.serving.HttpProtocol``; a spy between it and
the connection's transport records every send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shell import serving
from shell.bench.pages import free_port

BIG = b"x" * (3 * serving.HELD_AT_MOST + 17)


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """``/`` a small page, ``/big`` a body larger than a turn's writes are held for, ``/stream``
    three chunks with the app waiting between them (as a live-event stream does)."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    stream = path == "/stream"
    headers = [(b"content-type", b"text/plain")]
    if not stream:
        body = BIG if path == "/big" else "ようこそ".encode()
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if not stream:
        await send({"type": "http.response.body", "body": body})
        return
    for n in range(3):
        await send({"type": "http.response.body", "body": b"chunk%d\n" % n, "more_body": True})
        await asyncio.sleep(0.01)
    await send({"type": "http.response.body", "body": b""})


class _Spy:
    """A transport that records what is written to it."""

    def __init__(self, transport: asyncio.Transport, sends: list[bytes]) -> None:
        self._transport = transport
        self._sends = sends

    def write(self, data: bytes) -> None:
        self._sends.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


async def _serving(protocol: type[HttpToolsProtocol]) -> AsyncIterator[tuple[str, list[bytes]]]:
    sends: list[bytes] = []

    class Spied(protocol):  # type: ignore[valid-type, misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(_Spy(transport, sends))  # type: ignore[arg-type]

    port = free_port()
    config = uvicorn.Config(_app, host="127.0.0.1", port=port, http=Spied, log_level="warning",
                            lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn's Server has a flag for it, not an event
        if server.started:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the server did not start in 5 s")
    try:
        yield f"http://127.0.0.1:{port}", sends
    finally:
        server.should_exit = True
        await task


@pytest.fixture(name="served")
async def fx_served() -> AsyncIterator[tuple[str, list[bytes]]]:
    """Served with the protocol ``machi serve`` and the bench's bare page are given."""
    async for served in _serving(serving.SERVE_OPTIONS["http"]):
        yield served


async def test_each_page_leaves_in_one_send(served):
    url, sends = served
    async with httpx.AsyncClient(base_url=url) as client:  # one kept-alive connection
        for _ in range(3):
            page = await client.get("/")
            assert page.text == "ようこそ"
    assert len(sends) == 3
    assert all(sent.startswith(b"HTTP/1.1 200 OK") for sent in sends)
    assert all(sent.endswith("ようこそ".encode()) for sent in sends)


async def test_uvicorns_own_protocol_sends_the_head_and_the_body_apart():
    """What the change is measured against: without it a page takes two sends."""
    async for url, sends in _serving(HttpToolsProtocol):
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/")).text == "ようこそ"
        assert len(sends) == 2


async def test_a_large_body_is_whole(served):
    url, sends = served
    async with httpx.AsyncClient(base_url=url) as client:
        big = await client.get("/big")
    assert big.content == BIG
    assert len(sends) == 1


class _Transport:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.sent.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


async def test_writes_are_held_for_the_turn_but_never_past_the_limit_or_a_close():
    transport = _Transport()
    held = serving._OneSendPerTurn(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
    held.write(b"head")
    held.write(b"body")
    assert transport.sent == []
    await asyncio.sleep(0)  # the turn ends
    assert transport.sent == [b"headbody"]
    # past the limit, at once: the transport's own flow control then holds the app back
    held.write(b"head")
    held.write(b"x" * serving.HELD_AT_MOST)
    assert transport.sent[1:] == [b"head" + b"x" * serving.HELD_AT_MOST]
    held.write(b"bye")
    held.close()
    assert transport.sent[2:] == [b"bye"]
    assert transport.closed
    await asyncio.sleep(0)
    assert len(transport.sent) == 3


async def test_a_stream_arrives_chunk_by_chunk_in_order(served):
    url, sends = served
    async with (
        httpx.AsyncClient(base_url=url) as client,
        client.stream("GET", "/stream") as response,
    ):
        lines = [line async for line in response.aiter_lines()]
    assert lines == ["chunk0", "chunk1", "chunk2"]
    # the head went with the first chunk; each later chunk left when it was written
    assert len(sends) == 4


async def test_requests_sent_together_are_answered_in_order_and_closed_after(served):
    url, _ = served
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    answer = await asyncio.wait_for(reader.read(), 10)  # to the end: the server closed
    writer.close()
    assert answer.count(b"HTTP/1.1 200 OK") == 3
    first, second, third = answer.split(b"HTTP/1.1 200 OK")[1:]
    assert first.endswith("ようこそ".encode())
    assert second.endswith(BIG)
    assert third.endswith("ようこそ".encode())
