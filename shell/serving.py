"""Serve an ASGI app under uvicorn, its workers each on a listening socket of their own.

``uvicorn --workers N`` binds one socket and every worker accepts from it. A worker woken by a
burst of new connections accepts all of them at once, so a proxy's pool of kept-alive connections
opened together, or a crowd arriving at once, lands on one worker while the others idle: tried
here, 16 connections opened at once went 16 to 0, 15 to 1 or 13 to 3 between two workers. With
``SO_REUSEPORT`` (Linux) each worker listens on a socket of its own on the same port and the
kernel spreads new connections over them, as ``nginx ... reuseport`` and ``gunicorn
--reuse-port`` do. The supervisor (restarts, signals) stays uvicorn's own.

Each worker speaks HTTP/1.1 through uvicorn's llhttp protocol with one change
(:class:`HttpProtocol`): what a response writes in one turn of the event loop, its head and its
body, leaves in one send.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import sys
from typing import Any, TypeVar

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("uvicorn.error")
HELD_AT_MOST = 64 * 1024  # bytes a turn's writes are held back for (asyncio's high-water mark)


class _OneSendPerTurn:
    """A connection's transport whose writes made in one turn of the event loop leave in one
    send. uvicorn writes a response's status line and headers when the app starts the response,
    and the body when it comes: two sends, two packets and two wake-ups of the client for every
    page, where the body follows in the same turn (the app awaits nothing in between)."""

    __slots__ = ("_loop", "_pending", "_size", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size >= HELD_AT_MOST:
            # a large body goes to the transport now, whose flow control then pauses the app
            self.flush()

    def flush(self) -> None:
        if self._pending:
            pending, self._pending, self._size = self._pending, [], 0
            if not self._transport.is_closing():
                self._transport.write(b"".join(pending) if len(pending) > 1 else pending[0])

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 (llhttp) protocol, each turn's writes sent as one."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.transport = _OneSendPerTurn(transport, self.loop)  # type: ignore[arg-type, assignment]


# What `machi serve` passes uvicorn besides the app, host, port and workers.
SERVE_OPTIONS: dict[str, Any] = {
    "http": HttpProtocol,
    "proxy_headers": True,
    "log_level": "info",
    # Open pages hold a live-event stream (shell/web/live.py); without a limit a stop would wait
    # for every one of them to close.
    "timeout_graceful_shutdown": 3,
}
S = TypeVar("S", bound=socket.socket)
# CPython collects its youngest generation every 700 container objects allocated and not freed: a
# page or a push allocates hundreds, so a collection came every request or two.
YOUNGEST_EVERY = 20_000
REUSE_PORT = hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux")


def settle() -> None:
    """Tune the cyclic garbage collector for a process that serves until stopped, once it has
    started: what it holds by then (modules, the app, its routes and templates) lives as long as
    the process and is frozen out of the collector's walks (``gc.freeze``), and the youngest
    generation is collected every ``YOUNGEST_EVERY`` allocations. On the push sender that was a
    tenth of its CPU (``machi bench push``). Not for the test process: frozen objects are never
    collected."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST_EVERY, middle, oldest)


def _bound_beside_others(sock: S, host: str, port: int) -> S:
    """``sock`` bound to (host, port), which other sockets of this user may bind too."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _listener(family: int, host: str, port: int) -> socket.socket:
    """A worker's own socket on the port (``listen`` comes with uvicorn)."""
    return _bound_beside_others(socket.socket(family, socket.SOCK_STREAM), host, port)


class PortClaim(socket.socket):
    """The port, bound in the supervisor so that a taken port fails at once, and never listened
    on (the kernel hands connections only to listening sockets). Handed to a worker, it arrives
    as that worker's own listening socket on the same port (:func:`_listener`)."""

    @classmethod
    def bind_to(cls, host: str, port: int) -> PortClaim:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return _bound_beside_others(cls(family, socket.SOCK_STREAM), host, port)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (_listener, (int(self.family), host, port))


def serve(app: str, *, workers: int = 1, reload: bool = False, **options: Any) -> None:
    """``uvicorn.run(app, workers=workers, reload=reload, **options)``, but with more than one
    worker (and no reloading) each worker gets its own socket on the port."""
    if workers <= 1 or reload or not REUSE_PORT:
        uvicorn.run(app, workers=workers, reload=reload, **options)
        return
    config = uvicorn.Config(app, workers=workers, **options)
    try:
        claim = PortClaim.bind_to(config.host, config.port)
    except OSError as exc:
        log.error(exc)
        sys.exit(STARTUP_FAILURE)
    host, port = claim.getsockname()[:2]
    log.info("Uvicorn running on http://%s:%d, a socket per worker", host, port)
    try:
        Multiprocess(config, sockets=[claim]).run()
    except KeyboardInterrupt:
        pass
    finally:
        claim.close()
        if config.uds and os.path.exists(config.uds):
            os.remove(config.uds)


def main(argv: list[str] | None = None) -> None:
    """``python -m shell.serving module:factory --host H --port P --workers N``: another app
    factory (the bench's bare page) served exactly as ``machi serve`` serves the shell."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m shell.serving")
    parser.add_argument("factory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    serve(args.factory, factory=True, host=args.host, port=args.port, workers=args.workers,
          **SERVE_OPTIONS)  # fmt: skip


if __name__ == "__main__":
    main()
