"""The library card: an NW-7 (Codabar) barcode of the card number with a check digit.

Card numbers are 10 digits: a 9-digit serial and a modulus 10, weights 2-1 check digit (the Luhn
scheme many Japanese library systems print on NW-7 cards), framed by the start/stop characters
A…A. A mistyped or misread digit, or two neighbours swapped, fails the check.

python-barcode encodes the symbol into modules; the SVG is drawn here with presentation
attributes only (the app's Content-Security-Policy forbids inline styles), black on white, with
wide quiet zones, as counter scanners read best.
"""

from __future__ import annotations

import unicodedata

from barcode.codabar import CODABAR
from markupsafe import Markup

START_STOP = "A"


class BadCardNumber(ValueError):
    pass


def check_digit(serial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(serial)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def make_number(serial: int) -> str:
    body = f"{serial:09d}"
    return body + check_digit(body)


def normalise(text: str) -> str:
    """A card number as typed or scanned: full-width digits, spaces, hyphens and the start/stop
    characters of a scan (A…A, a…a) are accepted."""
    value = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "").replace("-", "")
    if len(value) >= 2 and value[0] in "ABCDabcd" and value[-1] in "ABCDabcd":
        value = value[1:-1]
    return value


def book_barcode(text: str) -> str:
    """A book's barcode as scanned or typed: full-width characters as ASCII, no spaces; the
    rest as printed (a library's barcodes may hold letters and hyphens)."""
    return unicodedata.normalize("NFKC", text or "").replace(" ", "").strip()


def validate(text: str) -> str:
    """The card number, or :class:`BadCardNumber` (``format`` or ``check_digit``)."""
    value = normalise(text)
    if len(value) != 10 or not value.isdigit():
        raise BadCardNumber("format")
    if check_digit(value[:-1]) != value[-1]:
        raise BadCardNumber("check_digit")
    return value


def modules(number: str) -> str:
    """The symbol as a string of 1 (bar) and 0 (space) modules, start/stop included."""
    symbol = CODABAR(f"{START_STOP}{number}{START_STOP}")
    return "".join(symbol.build())


def svg(number: str, label: str) -> Markup:
    """The barcode as inline SVG (role img, labelled with the number)."""
    bits = modules(number)
    quiet, height = 12, 60
    width = len(bits) + quiet * 2
    bars = []
    x = 0
    while x < len(bits):
        if bits[x] == "1":
            run = 1
            while x + run < len(bits) and bits[x + run] == "1":
                run += 1
            bars.append(f'<rect x="{x + quiet}" y="0" width="{run}" height="{height}"/>')
            x += run
        else:
            x += 1
    label = str(Markup.escape(label))
    return Markup(  # noqa: S704 (numbers and an escaped label only)
        f'<svg class="library-barcode" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label}" data-testid="library-barcode" data-modules="{bits}" '
        f'preserveAspectRatio="none"><rect x="0" y="0" width="{width}" height="{height}" '
        f'fill="#fff"/><g fill="#000">{"".join(bars)}</g></svg>'
    )
