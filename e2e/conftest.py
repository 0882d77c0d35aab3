"""End-to-end harness: a real ``machi serve`` process, Debian's Chromium driven by Playwright.

- ``server`` (session): ``python -m shell.cli serve`` on a free port with its own data directory
  (fresh SQLite, demo data), started once; ``stop()``/``start()`` restart it on the same port and
  data, for offline tests (``astop()``/``astart()`` do the same without blocking the event loop).
- ``browser`` (session): Chromium from /usr/bin/chromium through Playwright's **async** API. The
  suite runs in pytest-asyncio's session event loop (``asyncio_mode = "auto"``), so e2e tests are
  ``async def`` and await Playwright; the sync API would fight that loop.
- ``context`` / ``page`` (per test): a fresh phone-sized context (390x844, scale 2, touch,
  ``ja-JP``, Asia/Tokyo) with ``base_url`` set, so ``await page.goto("/install")`` works.

Without Chromium every e2e test is reported as skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from pages.webauthn import add_virtual_authenticator
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    async_playwright,
    expect,
)

from shell.notifications.localpush import LocalPushService
from shell.settings import FIRST_PARTY_MINIAPPS
from tests.helpers.push import local_push_service

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Assertions wait up to 20 s (Playwright's default is 5): CI runs the whole suite on two cores
# with two test workers, each with its own servers and browser, where a passkey ceremony or the
# first page of a mini-app on a fresh server now and then takes over 10 s. A passing assertion
# does not wait; only a failing one waits this long.
expect.set_options(timeout=20_000)
STARTUP_TIMEOUT = 60.0  # seconds until /healthz answers 200 (migrations and demo data come first)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "ja-JP",
    "timezone_id": "Asia/Tokyo",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under e2e/ is an end-to-end test, marked or not (``-m "not e2e"`` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One ``machi serve`` process; start and stop it as often as a test needs."""

    port: int
    data_dir: Path
    local_push_url: str = ""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @contextlib.contextmanager
    def database(self) -> Iterator[sqlite3.Connection]:
        """The server's SQLite database, for what a test cannot do or see through pages (time
        passing, a key the server published); what the block writes is committed at its end."""
        with contextlib.closing(sqlite3.connect(self.data_dir / "machi.sqlite3")) as db, db:
            yield db

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "shell.cli", "serve", "--host", "127.0.0.1",
                "--port", str(self.port)]  # fmt: skip

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            # never the developer's own database or Redis: a fresh SQLite in data_dir
            "MACHI_DATABASE_URL": "",
            "MACHI_REDIS_URL": "",
            "MACHI_PORT": str(self.port),
            "MACHI_PUBLIC_URL": f"http://localhost:{self.port}",
            "MACHI_APPS_URL": f"http://{{slug}}.localhost:{self.port}",
            "MACHI_DATA_DIR": str(self.data_dir),
            "MACHI_DEMO": "1",
            "MACHI_AUTH_RATE_LIMIT": "1000",
            "MACHI_MINIAPPS": ",".join(["sdk/examples/hello", *FIRST_PARTY_MINIAPPS]),
            "MACHI_LOCAL_PUSH_URL": self.local_push_url,
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _healthy(self) -> bool:
        # 127.0.0.1, not localhost: no IPv6 attempt, and /healthz is never redirected
        url = f"http://127.0.0.1:{self.port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def start(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Start the server (same port, same data) and wait until /healthz answers 200."""
        if self.running:
            return
        self._log = self.log_path.open("ab")
        self._log.write(f"\n--- start: {' '.join(self.command)}\n".encode())
        self._log.flush()
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self._close_log()
                raise RuntimeError(
                    f"machi serve exited with {code} before answering /healthz:\n{self.log_tail()}"
                )
            if self._healthy():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"machi serve did not answer /healthz within {timeout:.0f}s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 15 s); the port is free afterwards."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self._close_log()

    async def astart(self) -> None:
        """:meth:`start` in a thread, so the browser connection is served meanwhile."""
        await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class SameSiteServer(Server):
    """``machi serve`` with the shell and ``miniapps`` on one site (``*.machi.localhost``), as in
    production (``{slug}.apps.<city>`` under the city's domain). With the shared server's
    ``localhost`` / ``{slug}.localhost`` the frame is cross-site, and Chromium's test contexts
    block a cross-site frame's storage: no mini-app could keep a service worker or its own data."""

    miniapps: str = ""  # MACHI_MINIAPPS: comma-separated folders

    @property
    def base_url(self) -> str:
        return f"http://machi.localhost:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **super().env,
            "MACHI_PUBLIC_URL": self.base_url,
            "MACHI_APPS_URL": f"http://{{slug}}.machi.localhost:{self.port}",
            "MACHI_MINIAPPS": self.miniapps,
        }


@contextlib.asynccontextmanager
async def running(server: Server) -> AsyncIterator[Server]:
    """``server`` started for the block (a module's own server, next to the session's)."""
    await server.astart()
    try:
        yield server
    finally:
        await server.astop()


def same_site(tmp_path_factory: pytest.TempPathFactory, miniapp: str) -> SameSiteServer:
    """A :class:`SameSiteServer` (not started) with one mini-app, e.g. ``"miniapps/garbage"``."""
    folder = Path(tmp_path_factory.mktemp(Path(miniapp).name))
    return SameSiteServer(port=_free_port(), data_dir=folder, miniapps=miniapp)


@pytest.fixture(scope="session", name="push_service")
async def fx_push_service() -> AsyncIterator[LocalPushService]:
    """The local push service (in this process) the server's Web Push goes to."""
    async with local_push_service() as service:
        yield service


@pytest.fixture(scope="session", name="server")
def fx_server(
    tmp_path_factory: pytest.TempPathFactory, push_service: LocalPushService
) -> Iterator[Server]:
    server = Server(
        port=_free_port(),
        data_dir=tmp_path_factory.mktemp("machi-e2e"),
        local_push_url=push_service.base_url,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _skip_without_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `make chromium` installs Debian's")


@pytest.fixture(scope="session", name="playwright")
async def fx_playwright() -> AsyncIterator[Playwright]:
    _skip_without_chromium()
    async with async_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session", name="browser")
async def fx_browser(playwright: Playwright) -> AsyncIterator[Browser]:
    browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        await browser.close()


@pytest.fixture(name="context")
async def fx_context(browser: Browser, server: Server) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(base_url=server.base_url, **PHONE)
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        with contextlib.suppress(Exception):  # the browser may already be gone after a crash
            await context.close()


@pytest.fixture(name="page")
async def fx_page(context: BrowserContext) -> Page:
    return await context.new_page()


Phone = Callable[[Server], Awaitable[Page]]


@pytest.fixture(name="phone")
async def fx_phone(browser: Browser) -> AsyncIterator[Phone]:
    """Opens another person's phone on a server: a page in a phone-sized context of its own, with
    a passkey authenticator. Every phone the test opened is closed after it."""
    contexts: list[BrowserContext] = []

    async def open_phone(server: Server) -> Page:
        context = await browser.new_context(base_url=server.base_url, **PHONE)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = await context.new_page()
        await add_virtual_authenticator(page)
        return page

    try:
        yield open_phone
    finally:
        for context in contexts:
            with contextlib.suppress(Exception):
                await context.close()
