"""The library card: NW-7 (Codabar) with a modulus 10 (weights 2-1) check digit, decoded back by
a barcode reader (zxing-cpp) from the SVG the app draws."""

from __future__ import annotations

import re

import pytest
import zxingcpp

from .conftest import module

card = module("card")


def rasterise(svg: str, scale: int = 3, height: int = 40) -> memoryview:
    """The SVG's bars as a grayscale image (white background, black bars), as a scanner sees."""
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    row = bytearray([255]) * (width * scale)
    for x, w in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)" height="\d+"/>', svg):
        for i in range(int(x) * scale, (int(x) + int(w)) * scale):
            row[i] = 0
    return memoryview(bytearray(bytes(row) * height)).cast("B", (height, width * scale))


@pytest.mark.parametrize("serial", [100000001, 100000002, 123456789, 999999999])
def test_the_barcode_decodes_to_the_card_number(serial):
    number = card.make_number(serial)
    found = zxingcpp.read_barcodes(
        rasterise(str(card.svg(number, "card"))), formats=zxingcpp.BarcodeFormat.Codabar
    )
    assert [(b.text, b.format) for b in found] == [(f"A{number}A", zxingcpp.BarcodeFormat.Codabar)]
    assert card.validate(found[0].text) == number  # a scan (with start/stop) is accepted


def test_check_digit_catches_one_wrong_digit_and_swaps():
    number = card.make_number(123456789)
    assert card.validate(number) == number
    assert card.validate("１２３４５６７８９" + number[-1]) == number  # full-width, as typed
    for i in range(10):
        for d in "0123456789":
            if d != number[i]:
                wrong = number[:i] + d + number[i + 1 :]
                with pytest.raises(card.BadCardNumber, match="check_digit"):
                    card.validate(wrong)
    for i in range(9):
        if number[i] != number[i + 1] and {number[i], number[i + 1]} != {"0", "9"}:
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            with pytest.raises(card.BadCardNumber):
                card.validate(swapped)


@pytest.mark.parametrize("bad", ["", "12345", "12345678901", "12345abcde"])
def test_malformed_numbers(bad):
    with pytest.raises(card.BadCardNumber, match="format"):
        card.validate(bad)


def test_svg_has_no_inline_style_and_is_labelled():
    svg = str(card.svg(card.make_number(100000001), "図書館カード <x>"))
    assert "style=" not in svg
    assert 'role="img"' in svg
    assert "&lt;x&gt;" in svg
