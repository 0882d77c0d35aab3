"""The use permit (利用許可証) and receipt (領収証): a signed QR and a one-page PDF.

The QR holds ``MACHI-BOOKING:<number>:<signature>``, the signature an HMAC of the number with a
key only this app's database holds, so a manager's scan tells a real permit from a made-up one.

The PDF is written by hand (no dependency), like the water bill's: its text uses the reader's
standard Japanese font (``HeiseiKakuGo-W5``, Adobe-Japan1, ``UniJIS-UCS2-H``), which every PDF
reader provides, so the text renders and can be extracted back; the QR is drawn as squares.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from collections.abc import Sequence

import qrcode
import qrcode.image.svg
from machi_sdk.pdf import one_page

from .tables import BookingSettings

PREFIX = "MACHI-BOOKING"


async def _key() -> bytes:
    row = await BookingSettings.select(BookingSettings.permit_key).first()
    if row is None:
        await BookingSettings.insert(BookingSettings(permit_key=secrets.token_hex(32)))
        row = await BookingSettings.select(BookingSettings.permit_key).first()
        assert row is not None
    return bytes.fromhex(row["permit_key"])


async def qr_text(number: str) -> str:
    signature = hmac.new(await _key(), number.encode(), hashlib.sha256).hexdigest()[:20]
    return f"{PREFIX}:{number}:{signature}"


async def verify(text: str) -> str | None:
    """The booking number a permit QR names, or ``None`` when it was not made by this app."""
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1]:
        return None
    expected = await qr_text(parts[1])
    return parts[1] if hmac.compare_digest(expected, text.strip()) else None


def qr_svg(text: str) -> str:
    """The QR as an inline SVG (no image request, no inline style)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


def _matrix(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(border=2)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def permit_pdf(lines: Sequence[tuple[int, str]], qr: str) -> bytes:
    """One A4 page: ``lines`` as (size, text) from the top, the QR at the top right."""
    squares = []
    cell, left, top = 3, 430, 800
    for row_index, row in enumerate(_matrix(qr)):
        for col_index, dark in enumerate(row):
            if dark:
                x = left + col_index * cell
                squares.append(f"{x} {top - (row_index + 1) * cell} {cell} {cell} re f")
    return one_page(lines, top=790, leading=12, drawing=squares)
