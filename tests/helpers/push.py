"""A local push service (shell.notifications.localpush) served on a free port in this loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from shell.notifications.localpush import LocalPushService


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def local_push_service() -> AsyncIterator[LocalPushService]:
    port = free_port()
    service = LocalPushService(f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(
            service.asgi(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "the local push service did not start"
    try:
        yield service
    finally:
        server.should_exit = True
        await task
