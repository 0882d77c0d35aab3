"""One-page A4 PDFs with Japanese text, written by hand (no dependency): bills, permits,
decision notices, receipts.

The text uses the PDF reader's own Japanese font (``HeiseiKakuGo-W5``, Adobe-Japan1, the
``UniJIS-UCS2-H`` encoding), so no font file is embedded: every Japanese PDF reader has it.
Characters outside the Basic Multilingual Plane are replaced by ``?``.

    from machi_sdk.pdf import one_page

    data = one_page([(18, "利用許可証"), (11, ""), (11, "予約番号  B-1234")])
"""

from __future__ import annotations

from collections.abc import Sequence

FONT = "HeiseiKakuGo-W5"
WIDTH, HEIGHT = 595, 842  # A4 in points


def hex_text(text: str) -> str:
    """``text`` as a hex string for ``UniJIS-UCS2-H`` (UCS-2; other characters become ``?``)."""
    return "".join(f"{ord(c) if ord(c) < 0x10000 else 0x3F:04X}" for c in text)


def wrap(text: str, width: int = 40) -> list[str]:
    """Lines of at most ``width`` characters (40 full-width characters fit 11 pt on A4)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        while len(paragraph) > width:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
        lines.append(paragraph)
    return lines


def one_page(
    lines: Sequence[tuple[int, str]],
    *,
    top: int = 780,
    leading: int = 14,
    left: int = 56,
    drawing: Sequence[str] = (),
) -> bytes:
    """An A4 page: ``lines`` as ``(size in points, text)`` from ``top`` down, each ``size +
    leading`` below the last; ``drawing`` adds raw content operators (a QR code's squares)."""
    ops, y = [], top
    for size, text in lines:
        ops.append(f"BT /F1 {size} Tf {left} {y} Td <{hex_text(text)}> Tj ET")
        y -= size + leading
    content = "\n".join([*ops, *drawing]).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % (WIDTH, HEIGHT)
        + b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
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
