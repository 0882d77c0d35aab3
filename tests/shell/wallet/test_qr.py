"""The shop's EMVCo payload: CRC16-CCITT, round trip, and what is refused."""

import pytest

from shell.wallet import qr


def test_crc_is_ccitt_false() -> None:
    assert qr.crc16_ccitt(b"123456789") == 0x29B1  # the catalogue's check value
    assert qr.crc16_ccitt(b"") == 0xFFFF  # the initial value, untouched
    assert qr.crc16_ccitt(b"A") == 0xB915


def test_payload_round_trip_and_shape() -> None:
    text = qr.merchant_payload("SHOP01", name_ascii="武雄 Shop")
    assert text.startswith("000201010211")
    assert "5303392" in text
    assert "5802JP" in text
    assert qr.parse_merchant_payload(text) == qr.MerchantCode("SHOP01", None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"),
        ("hello world, not a payment", "format"),
        (qr.merchant_payload("SHOP01", name_ascii="x")[:-4] + "FFFF", "crc"),
        (qr.merchant_payload("SHOP01", name_ascii="x").replace("SHOP01", "SHOP02"), "crc"),
    ],
)
def test_bad_payloads_are_refused(text: str, reason: str) -> None:
    with pytest.raises(qr.BadCode) as bad:
        qr.parse_merchant_payload(text)
    assert bad.value.reason == reason


def test_the_qr_image_is_svg() -> None:
    assert qr.svg("hello").lstrip().startswith("<?xml") or "<svg" in qr.svg("hello")
