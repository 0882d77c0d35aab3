"""A bill as a one-page PDF, written by hand (no dependency).

The text uses the PDF reader's own Japanese font (``HeiseiKakuGo-W5``, Adobe-Japan1, the
``UniJIS-UCS2-H`` encoding), so no font file is embedded: every Japanese PDF reader has it.
Characters outside the Basic Multilingual Plane are replaced by ``?``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FONT = "HeiseiKakuGo-W5"


def _hex(text: str) -> str:
    return "".join(f"{ord(c) if ord(c) < 0x10000 else 0x3F:04X}" for c in text)


def bill_pdf(
    bill: dict[str, Any],
    customer_number: str,
    t: Callable[[str], str],
    day: Callable[[Any], str],
    yen: Callable[[int], str],
) -> bytes:
    """One bill: who (the customer number only), period, readings, usage, charges, due date."""
    lines: list[tuple[int, str]] = [
        (18, t("水道料金・下水道使用料のお知らせ")),
        (11, ""),
        (11, t("お客さま番号") + f"  {customer_number}"),
        (11, t("検針期間") + f"  {day(bill['previous_date'])} - {day(bill['reading_date'])}"),
        (11, t("メーターの指針") + f"  {bill['previous_reading']} -> {bill['current_reading']}"),
        (11, t("使用水量") + f"  {bill['m3']} m3"),
        (11, t("水道料金（税抜）") + f"  {yen(bill['water_charge'])}"),
        (11, t("下水道使用料（税抜）") + f"  {yen(bill['sewerage_charge'])}"),
        (11, t("消費税等") + f"  {yen(bill['tax'])}"),
        (14, t("請求金額") + f"  {yen(bill['total'])}"),
        (11, t("納期限") + f"  {day(bill['due_date'])}"),
        (11, t("お支払い済み") if bill["paid"] else t("未払い")),
    ]
    ops, y = [], 780
    for size, text in lines:
        ops.append(f"BT /F1 {size} Tf 56 {y} Td <{_hex(text)}> Tj ET")
        y -= size + 14
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
