"""Furigana: SudachiPy's readings as ruby over kanji, okurigana outside, only on Japanese text."""

from __future__ import annotations

from shell.translation.furigana import annotate_html, readings, ruby


def test_a_known_sentence_gets_its_readings():
    assert ruby("武雄市役所で住民票を受け取りました。") == (
        "<ruby>武雄<rt>たけお</rt></ruby><ruby>市役所<rt>しやくしょ</rt></ruby>で"
        "<ruby>住民票<rt>じゅうみんひょう</rt></ruby>を"
        "<ruby>受<rt>う</rt></ruby>け<ruby>取<rt>と</rt></ruby>りました。"
    )
    assert readings("ひらがなだけ") == (("ひらがなだけ", None),)


def test_only_japanese_text_outside_code_fields_and_ruby_is_annotated():
    page = (
        '<html lang="ja"><head><title>漢字</title></head><body>'
        '<p class="a">申込&amp;受付</p><p lang="en">Kanji 漢字 in English</p>'
        '<input value="漢字"><script>var s = "漢字";</script>'
        "<ruby>漢字<rt>かんじ</rt></ruby><br>地区</body></html>"
    )
    out = annotate_html(page)
    assert "<title>漢字</title>" in out
    assert "<ruby>申込<rt>もうしこみ</rt></ruby>&amp;<ruby>受付<rt>うけつけ</rt></ruby>" in out
    assert '<p lang="en">Kanji 漢字 in English</p>' in out
    assert '<input value="漢字"><script>var s = "漢字";</script>' in out
    assert "<ruby>漢字<rt>かんじ</rt></ruby><br><ruby>地区<rt>ちく</rt></ruby>" in out
    assert annotate_html("<p>漢字</p>", "en") == "<p>漢字</p>"  # a fragment of an English page
