"""A small HTTP/1.1 client for posting push messages: keep-alive connections per push service.

A broadcast posts the same kind of request (a few headers and a body of a few hundred bytes) to
one push service tens of thousands of times. aiohttp spent about as much CPU per request as the
RFC 8291 encryption itself; this client is an ``asyncio.Protocol`` with llhttp's response parser
(httptools, which uvicorn already brings) and a pool of kept-alive connections per origin, over
TLS for the real services (FCM, Mozilla autopush, Apple) and plain HTTP for the local one.
Each connection carries one request at a time (no pipelining, which push services need not
support); concurrency comes from the number of connections. A connection idle for longer than
``KEEP_ALIVE_SECONDS`` is closed rather than reused: a push service or a NAT on the way may have
dropped it without a word, and a request written into such a connection waits for the whole time
limit (20 s in a disaster broadcast) before it is tried again.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

import httptools

KEEP_ALIVE_SECONDS = 30.0  # as long as an idle connection is reused (httpx keeps 5, aiohttp 15)


class PushHTTPError(ConnectionError):
    """The push service could not be reached or broke off (retried like a 5xx)."""


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Response] | None = None
        self.response: Response | None = None
        self.chunks: list[bytes] = []
        self.closed = False
        self.keep_alive = True
        self.idle_since = 0.0  # the loop's clock when its last response was read
        self.deadline = 0.0  # the loop's clock when the request in flight is given up

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.fail(PushHTTPError(f"malformed response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.response is not None and self.waiter is not None and not self.waiter.done():
            # a response without a length ends when the connection does
            self.keep_alive = False
            self.on_message_complete()
        self.fail(PushHTTPError("connection closed"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.response = Response(0)
        self.chunks = []

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.response is not None:
            self.response.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        if self.response is not None:
            self.response.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        response, self.response = self.response, None
        if response is None:
            return
        response.body = b"".join(self.chunks)
        self.keep_alive = self.keep_alive and self.parser.should_keep_alive()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(response)
        else:  # an answer to no request (a 408 before closing): not a connection to reuse
            self.keep_alive = False

    def fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    async def exchange(self, request: bytes) -> Response:
        """Send ``request`` and wait for its response (``_Deadlines`` fails it at ``deadline``)."""
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        try:
            return await self.waiter
        finally:
            self.waiter = None

    @property
    def reusable(self) -> bool:
        return (
            self.keep_alive
            and not self.closed
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Slots:
    """At most ``limit`` holders at once (``async with slots:``), the waiting let in in the
    order they came. ``asyncio.Semaphore`` of Python 3.11 looks over its waiters on every
    acquire, even when none waits: a tenth of a broadcast's sending CPU went there."""

    __slots__ = ("free", "waiting")

    def __init__(self, limit: int) -> None:
        self.free = limit
        self.waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __aenter__(self) -> None:
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await turn  # a leaving holder hands its slot over by setting the result
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._leave()  # handed the slot, then cancelled: it goes to the next
            elif turn in self.waiting:  # (a leaving holder may have dropped it already)
                self.waiting.remove(turn)
            raise

    async def __aexit__(self, *_: object) -> None:
        self._leave()

    def _leave(self) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


class _Deadlines:
    """The requests in flight on some connections, each failed with ``TimeoutError`` once its
    connection's ``deadline`` passes, by one timer set for the earliest deadline. A timer per
    request (``loop.call_later``, then ``cancel``) cost 4 µs, a fiftieth of a push's CPU."""

    __slots__ = ("busy", "due", "timer")

    def __init__(self) -> None:
        self.busy: set[_Connection] = set()
        self.timer: asyncio.TimerHandle | None = None
        self.due = 0.0

    def watch(self, connection: _Connection) -> None:
        self.busy.add(connection)
        # deadlines mostly come in order: the timer set for an earlier one stays
        if self.timer is None or connection.deadline < self.due:
            self._set(connection.deadline)

    def done(self, connection: _Connection) -> None:
        self.busy.discard(connection)

    def _set(self, due: float) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.due = due
        self.timer = asyncio.get_running_loop().call_at(due, self._expire)

    def _expire(self) -> None:
        self.timer = None
        now = asyncio.get_running_loop().time()
        for connection in [c for c in self.busy if c.deadline <= now]:
            self.busy.discard(connection)
            connection.fail(TimeoutError())
        if self.busy:
            self._set(min(connection.deadline for connection in self.busy))

    def close(self) -> None:
        """Stop the timer, unless a request is still in flight (it keeps its limit)."""
        if self.timer is not None and not self.busy:
            self.timer.cancel()
            self.timer = None


class _Origin:
    """The kept-alive connections to one push service, at most ``limit`` open at once."""

    def __init__(
        self,
        scheme: str,
        host: str,
        port: int,
        tls: ssl.SSLContext | None,
        limit: int,
        keep_alive: float = KEEP_ALIVE_SECONDS,
    ):
        self.keep_alive = keep_alive
        self.host = host
        self.port = port
        self.tls = tls
        self.authority = host if port == (443 if scheme == "https" else 80) else f"{host}:{port}"
        self.slots = Slots(limit)
        self.idle: list[_Connection] = []
        self.deadlines = _Deadlines()

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                _Connection,
                self.host,
                self.port,
                ssl=self.tls,
                server_hostname=self.host if self.tls else None,
            )
        except OSError as exc:
            raise PushHTTPError(f"cannot reach {self.authority}: {exc}") from exc
        return connection

    async def post(self, target: str, headers: bytes, body: bytes, limit: float) -> Response:
        request = b"".join(
            (
                f"POST {target} HTTP/1.1\r\nHost: {self.authority}\r\n".encode(),
                headers,
                b"Content-Length: %d\r\n\r\n" % len(body),
                body,
            )
        )
        async with self.slots:
            connection = None
            loop = asyncio.get_running_loop()
            now = loop.time()
            while self.idle and connection is None:
                candidate = self.idle.pop()
                if candidate.reusable and now - candidate.idle_since <= self.keep_alive:
                    connection = candidate
                else:
                    candidate.close()
            try:
                if connection is None:
                    async with asyncio.timeout(limit):
                        connection = await self._connect()
                    now = loop.time()
                connection.deadline = now + limit
                self.deadlines.watch(connection)
                try:
                    response = await connection.exchange(request)
                finally:
                    self.deadlines.done(connection)
            except BaseException:
                if connection is not None:
                    connection.close()
                raise
            if connection.reusable:
                connection.idle_since = loop.time()
                self.idle.append(connection)
            else:
                connection.close()
            return response

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()
        self.deadlines.close()


class PushClient:
    """POSTs to push services over kept-alive connections, ``limit`` at once per service."""

    def __init__(
        self,
        *,
        limit: int = 256,
        tls: ssl.SSLContext | None = None,
        keep_alive: float = KEEP_ALIVE_SECONDS,
    ) -> None:
        self.limit = limit
        self.keep_alive = keep_alive
        self._origins: dict[str, _Origin] = {}
        self._tls = tls  # the system's trusted CAs unless given (a test's own CA)

    def _origin(self, endpoint: str) -> tuple[_Origin, str]:
        scheme, rest = endpoint.split("://", 1)
        authority, slash, path = rest.partition("/")
        key = f"{scheme}://{authority}"
        origin = self._origins.get(key)
        if origin is None:
            parts = urlsplit(endpoint)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"not an http(s) endpoint: {endpoint!r}")
            tls = None
            if parts.scheme == "https":
                if self._tls is None:
                    self._tls = ssl.create_default_context()
                    self._tls.set_alpn_protocols(["http/1.1"])  # what this client speaks
                tls = self._tls
            port = parts.port or (443 if parts.scheme == "https" else 80)
            origin = _Origin(parts.scheme, parts.hostname, port, tls, self.limit, self.keep_alive)
            self._origins[key] = origin
        return origin, slash + path

    async def post(
        self, endpoint: str, headers: bytes, body: bytes, *, seconds: float = 20.0
    ) -> Response:
        """POST ``body`` to ``endpoint`` and wait at most ``seconds`` for the answer;
        ``headers`` are ready ``Name: value\\r\\n`` lines."""
        origin, target = self._origin(endpoint)
        try:
            return await origin.post(target or "/", headers, body, seconds)
        except TimeoutError as exc:
            raise PushHTTPError(f"no answer from {origin.authority} in {seconds} s") from exc

    async def close(self) -> None:
        for origin in self._origins.values():
            origin.close()
        self._origins.clear()


def header_lines(headers: dict[str, str]) -> bytes:
    """``Name: value\\r\\n`` lines; a value with a line break would split the request: refused."""
    lines = []
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n"):
            raise ValueError(f"line break in header {name!r}")
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("latin-1")
