"""HTTP/1.1 for the local push service: ``POST /push/{id}`` answered in the protocol itself.

``machi bench push`` sends the service hundreds of thousands of messages on the same two cores as
the sender; under uvicorn, the ASGI machinery around each push (a task, the scope, the middleware,
the response events) cost more CPU than decrypting it. Here a push is parsed by llhttp
(httptools), checked and decrypted by ``LocalPushService.receive`` and answered without leaving
``data_received``. Every other request (subscriptions, messages, stats) goes to the service's
Litestar app through a minimal ASGI call, in order with the pushes on the same connection.

Run it with ``python -m shell.notifications.localserver`` (it serves ``MACHI_LOCAL_PUSH_URL``),
or ``await serve(service)`` inside a running loop (the tests).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import httptools
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp

from shell.notifications.localpush import LocalPushService

log = logging.getLogger("machi.localpush")

Request = tuple[bytes, bytes, list[tuple[bytes, bytes]], bytes, bool]


def _status_line(status: int) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    return f"HTTP/1.1 {status} {reason}\r\n".encode()


_EMPTY: dict[int, bytes] = {}


def _empty_response(status: int) -> bytes:
    found = _EMPTY.get(status)
    if found is None:
        found = _EMPTY[status] = _status_line(status) + b"content-length: 0\r\n\r\n"
    return found


class _Connection(asyncio.Protocol):
    def __init__(self, service: LocalPushService, app: ASGIApp) -> None:
        self.service = service
        self.app = app
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.waiting: deque[Request] = deque()  # behind a request the app is still answering
        self.worker: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.worker is not None:
            self.worker.cancel()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._write(_empty_response(400), keep_alive=False)

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        request = (
            self.parser.get_method(),
            self.url,
            self.headers,
            b"".join(self.body),
            self.parser.should_keep_alive(),
        )
        if not self.waiting and _is_push(request):
            self._push(request)
            return
        self.waiting.append(request)
        if self.worker is None:
            self.worker = asyncio.get_running_loop().create_task(self._work())

    def _push(self, request: Request) -> None:
        _, url, raw_headers, body, keep_alive = request
        path = url.partition(b"?")[0].decode("latin-1")
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in raw_headers}
        try:
            status = self.service.receive(path[len("/push/") :], headers, body)
        except HTTPException as refused:
            status = refused.status_code
        except Exception:  # a bug here must not take the connection down with it
            log.exception("local push service: push to %s failed", path)
            status = 500
        self._write(_empty_response(status), keep_alive)

    async def _work(self) -> None:
        try:
            while self.waiting:
                request = self.waiting[0]
                if _is_push(request):
                    self._push(request)
                else:
                    response = await self._call_app(request)
                    self._write(response, request[4])
                self.waiting.popleft()
        finally:
            self.worker = None

    async def _call_app(self, request: Request) -> bytes:
        method, url, headers, body, _ = request
        path, _, query = url.partition(b"?")
        assert self.transport is not None
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method.decode("ascii"),
            "scheme": "http",
            "path": unquote(path.decode("latin-1")),
            "raw_path": path,
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "client": self.transport.get_extra_info("peername"),
            "server": self.transport.get_extra_info("sockname"),
            "state": {},
        }
        delivered = False
        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)  # type: ignore[arg-type]
        content = b"".join(chunks)
        lines = [_status_line(status)]
        for name, value in response_headers:
            if name.lower() not in (b"content-length", b"transfer-encoding", b"connection"):
                lines.append(name + b": " + value + b"\r\n")
        lines.append(b"content-length: %d\r\n\r\n" % len(content))
        return b"".join(lines) + content

    def _write(self, response: bytes, keep_alive: bool) -> None:
        if self.transport is None:
            return
        self.transport.write(response)
        if not keep_alive:
            self.transport.close()


def _is_push(request: Request) -> bool:
    return request[0] == b"POST" and request[1].startswith(b"/push/")


async def serve(service: LocalPushService, host: str = "", port: int = 0) -> asyncio.Server:
    """Start serving ``service`` (on the host and port of its base URL unless given)."""
    parts = urlsplit(service.base_url)
    app = service.asgi()
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: _Connection(service, app), host or parts.hostname, port or parts.port
    )


async def _main() -> None:
    from shell import serving

    server = await serve(LocalPushService(os.environ["MACHI_LOCAL_PUSH_URL"]))
    serving.settle()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    import uvloop

    uvloop.run(_main())
