"""Fixtures for online applications and reports: the app, its modules, residents' tokens."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from machi_sdk.app import load_miniapp
from machi_sdk.testing import DEFAULT_SHELL_URL, FakeShell, MemoryPlatform, app_module

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "apply"
MINIAPP = load_miniapp(APP_FOLDER)

ALL_SCOPES = ("profile.name", "profile.district", "resident.verified", "notify", "wallet.pay",
              "location")  # fmt: skip


def module(name: str) -> Any:
    return app_module(MINIAPP, name)


@pytest.fixture(name="platform")
def fx_platform() -> MemoryPlatform:
    return MemoryPlatform("apply")


@pytest.fixture(name="shell")
def fx_shell() -> FakeShell:
    return FakeShell()


@pytest.fixture(name="web")
def fx_web(shell: FakeShell, platform: MemoryPlatform) -> Any:
    # debug: an unexpected error answers with its traceback, which the failing test shows
    return MINIAPP.create_app(
        shell_url=DEFAULT_SHELL_URL, keys=shell.keys(), platform=platform.platform, debug=True
    )


@pytest.fixture(name="demo")
async def fx_demo(db: Any) -> list[str]:
    return await module("demo").load_demo()


def token(
    shell: FakeShell,
    sub: str = "resident-1",
    *,
    scopes: tuple[str, ...] = ALL_SCOPES,
    claims: dict[str, Any] | None = None,
    roles: tuple[str, ...] = (),
    locale: str = "ja",
) -> str:
    base = {"profile.name": "武雄 花子", "profile.district": "takeo", "resident.verified": True}
    granted = {k: v for k, v in {**base, **(claims or {})}.items() if k in scopes}
    return shell.token("apply", sub=sub, scopes=list(scopes), claims=granted, roles=list(roles),
                       locale=locale)  # fmt: skip


def text(page: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def jpeg_with_gps() -> bytes:
    """A tiny JPEG whose APP1 Exif segment holds a GPS position (the bytes to strip)."""
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08GPSLatitude-33.19-130.02"
    app1 = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb\x00\x05\x00\x01\x02"
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34\x56" + b"\xff\xd9"
    return b"\xff\xd8" + app0 + app1 + dqt + scan


def jpeg_with_position(lat: float, lon: float) -> bytes:
    """A tiny JPEG whose Exif holds a real GPS IFD (big-endian TIFF) at ``lat``, ``lon``."""
    import struct

    def rationals(value: float) -> bytes:
        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60 * 100)
        return struct.pack(">6I", d, 1, m, 1, s, 100)

    ifd0 = struct.pack(">H", 1) + struct.pack(">HHII", 0x8825, 4, 1, 26) + b"\0\0\0\0"
    gps = struct.pack(">H", 4)
    gps += struct.pack(">HHI", 1, 2, 2) + (b"N" if lat >= 0 else b"S") + b"\0\0\0"
    gps += struct.pack(">HHII", 2, 5, 3, 80)
    gps += struct.pack(">HHI", 3, 2, 2) + (b"E" if lon >= 0 else b"W") + b"\0\0\0"
    gps += struct.pack(">HHII", 4, 5, 3, 104) + b"\0\0\0\0"
    tiff = (
        b"MM\x00\x2a"
        + struct.pack(">I", 8)
        + ifd0
        + gps
        + rationals(abs(lat))
        + rationals(abs(lon))
    )
    exif = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34\x56" + b"\xff\xd9"
    return b"\xff\xd8" + app1 + scan
