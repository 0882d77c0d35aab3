"""The shop's static QR: an EMVCo merchant-presented payload (the shape JPQR uses) with its
CRC16-CCITT, and a resident's one-time code."""

from __future__ import annotations

import binascii
from dataclasses import dataclass

GUID = "jp.machi.pay"  # our merchant account template's globally unique id
MERCHANT_TEMPLATE = "26"


class BadCode(ValueError):
    """Not a payload this wallet can pay; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as EMVCo specifies: the
    standard library's CRC-CCITT, started at 0xFFFF."""
    return binascii.crc_hqx(data, 0xFFFF)


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMVCo value too long for tag {tag}")
    return f"{tag}{len(value):02d}{value}"


def _ascii(text: str, limit: int) -> str:
    kept = "".join(c for c in text if c.isascii() and c.isprintable())
    return (kept.strip() or "MACHI SHOP")[:limit]


def merchant_payload(code: str, *, name_ascii: str, city: str = "TAKEO", mcc: str = "5399") -> str:
    """The text of a shop's static QR: payment format 01, static (11), JPY, Japan."""
    account = _tlv("00", GUID) + _tlv("01", code)
    body = (
        _tlv("00", "01")
        + _tlv("01", "11")
        + _tlv(MERCHANT_TEMPLATE, account)
        + _tlv("52", mcc)
        + _tlv("53", "392")
        + _tlv("58", "JP")
        + _tlv("59", _ascii(name_ascii, 25))
        + _tlv("60", _ascii(city, 15))
        + "6304"
    )
    return body + f"{crc16_ccitt(body.encode()):04X}"


def parse_tlv(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    i = 0
    while i < len(text):
        tag, size = text[i : i + 2], text[i + 2 : i + 4]
        if len(tag) < 2 or not size.isdigit():
            raise BadCode("format")
        end = i + 4 + int(size)
        if end > len(text):
            raise BadCode("format")
        fields[tag] = text[i + 4 : end]
        i = end
    return fields


@dataclass(frozen=True)
class MerchantCode:
    code: str
    amount: int | None  # a dynamic QR may carry the amount (tag 54); a static one does not


def parse_merchant_payload(text: str) -> MerchantCode:
    """Check the CRC and the template, and return the shop's code; raise :class:`BadCode`."""
    text = text.strip()
    if len(text) < 12 or not text.isascii() or text[-8:-4] != "6304":
        raise BadCode("format")
    expected = f"{crc16_ccitt(text[:-4].encode()):04X}"
    if text[-4:].upper() != expected:
        raise BadCode("crc")
    fields = parse_tlv(text[:-4] + "0000")
    if fields.get("00") != "01" or fields.get("53", "392") != "392":
        raise BadCode("format")
    template = fields.get(MERCHANT_TEMPLATE)
    if template is None:
        raise BadCode("other_system")
    account = parse_tlv(template)
    if account.get("00") != GUID or not account.get("01"):
        raise BadCode("other_system")
    amount = fields.get("54")
    return MerchantCode(account["01"], int(amount) if amount and amount.isdigit() else None)


def svg(text: str) -> str:
    """The QR code of ``text`` as an SVG document (printable at any size)."""
    import io

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=4)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()
