"""A decision notice as a one-page PDF, written by hand (no dependency), as the water app does.

The text uses the PDF reader's own Japanese font (``HeiseiKakuGo-W5``, Adobe-Japan1,
``UniJIS-UCS2-H``), so no font file is embedded. Characters outside the Basic Multilingual Plane
are replaced by ``?``; long lines are wrapped.
"""

from __future__ import annotations

FONT = "HeiseiKakuGo-W5"
WRAP = 40  # full-width characters per line at 11 pt on A4 with margins


def _hex(text: str) -> str:
    return "".join(f"{ord(c) if ord(c) < 0x10000 else 0x3F:04X}" for c in text)


def _wrap(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        while len(paragraph) > WRAP:
            lines.append(paragraph[:WRAP])
            paragraph = paragraph[WRAP:]
        lines.append(paragraph)
    return lines


def notice_pdf(title: str, rows: list[tuple[str, str]], message: str) -> bytes:
    """``title``, then ``label  value`` rows, then the message, on one A4 page."""
    lines: list[tuple[int, str]] = [(18, title), (11, "")]
    lines += [(11, f"{label}  {value}") for label, value in rows]
    lines.append((11, ""))
    lines += [(11, line) for line in _wrap(message)][:40]
    ops, y = [], 780
    for size, text in lines:
        ops.append(f"BT /F1 {size} Tf 56 {y} Td <{_hex(text)}> Tj ET")
        y -= size + 10
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
