"""machi_sdk.pdf: a one-page A4 PDF whose structure a reader accepts and whose text is there."""

from __future__ import annotations

import re

from machi_sdk.pdf import hex_text, one_page, wrap


def test_a_page_has_its_objects_a_correct_xref_and_the_text():
    lines = [(18, "利用許可証"), (11, "予約番号  B-1"), (11, "😀")]
    data = one_page(lines, drawing=["1 1 3 3 re f"])
    assert data.startswith(b"%PDF-1.4")
    assert data.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[start:].startswith(b"xref\n0 8\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n ", data)]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(b"%d 0 obj" % number)  # every object where xref says
    assert hex_text("利用許可証").encode() in data
    assert hex_text("?").encode() in data  # outside the BMP: "?"
    assert b"1 1 3 3 re f" in data
    assert b"/BaseFont /HeiseiKakuGo-W5" in data


def test_wrap_keeps_lines_to_the_width():
    assert wrap("あ" * 45, 40) == ["あ" * 40, "あ" * 5]
    assert wrap("一\n二") == ["一", "二"]
    assert wrap("") == [""]
