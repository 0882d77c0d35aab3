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

from .tables import BookingSettings

PREFIX = "MACHI-BOOKING"
FONT = "HeiseiKakuGo-W5"


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


def _hex(text: str) -> str:
    return "".join(f"{ord(c) if ord(c) < 0x10000 else 0x3F:04X}" for c in text)


def permit_pdf(lines: Sequence[tuple[int, str]], qr: str) -> bytes:
    """One A4 page: ``lines`` as (size, text) from the top, the QR at the top right."""
    ops, y = [], 790
    for size, text in lines:
        ops.append(f"BT /F1 {size} Tf 56 {y} Td <{_hex(text)}> Tj ET")
        y -= size + 12
    cell, left, top = 3, 430, 800
    for row_index, row in enumerate(_matrix(qr)):
        for col_index, dark in enumerate(row):
            if dark:
                x = left + col_index * cell
                ops.append(f"{x} {top - (row_index + 1) * cell} {cell} {cell} re f")
    content = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{FONT} /Encoding /UniJIS-UCS2-H "
        "/DescendantFonts [6 0 R] >>".encode(),
        f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{FONT} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> "
        "/FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>".encode(),
        f"<< /Type /FontDescriptor /FontName /{FONT} /Flags 4 /FontBBox [-92 -250 1010 922] "
        "/ItalicAngle 0 /Ascent 752 /Descent -221 /CapHeight 737 /StemV 69 >>".encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
