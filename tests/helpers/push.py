"""A local push service (shell.notifications.localpush) served on a free port in this loop."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shell.notifications.localpush import LocalPushService
from shell.notifications.localserver import serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def local_push_service() -> AsyncIterator[LocalPushService]:
    port = free_port()
    service = LocalPushService(f"http://127.0.0.1:{port}")
    server = await serve(service)
    try:
        yield service
    finally:
        server.close()
        await server.wait_closed()
