"""Furigana: SudachiPy's readings as ruby over kanji, okurigana outside, only on Japanese text."""

from __future__ import annotations

import dataclasses

from shell.app import create_app
from shell.miniapp_host import keys
from shell.translation.furigana import annotate_html, readings, ruby
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, prime, signup


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


async def test_the_frame_host_gets_readings_for_a_miniapps_texts(client):
    """What machi.js turns into <ruby> inside a mini-app: pieces of each text, a reading for each
    piece with kanji, the pieces joining back into the text."""
    await prime(client, "/")
    answer = await client.post(
        "/display/furigana",
        json={"texts": ["燃えるごみの日", " 12月1日（月） ", "ひらがな"]},
        headers=csrf_headers(client),
    )
    assert answer.status_code == 200, answer.text
    first, second, third = answer.json()["ruby"]
    assert ["燃", "も"] in first
    assert ["日", "ひ"] in first
    assert "".join(piece for piece, _ in second) == " 12月1日（月） "
    assert third == [["ひらがな", None]]
    too_much = await client.post(
        "/display/furigana", json={"texts": ["漢字" * 1000] * 11}, headers=csrf_headers(client)
    )
    assert too_much.status_code == 400
    forged = await client.post("/display/furigana", json={"texts": ["漢字"]})
    assert forged.status_code == 403  # no CSRF token: not from the shell's own page


async def test_the_mini_app_frame_is_told_when_the_resident_reads_with_furigana(
    db, jobs, settings, districts
):
    keys.forget_cached_key()
    server = create_app(dataclasses.replace(settings, miniapps=("sdk/examples/hello",)))
    async with make_client(server) as client:
        await signup(client, SoftAuthenticator())
        await client.get("/apps/hello")
        consent = await client.post("/apps/hello/consent", headers=csrf_headers(client))
        assert consent.status_code in (302, 303)
        assert 'data-furigana="0"' in (await client.get("/apps/hello")).text
        await prime(client, "/language")
        await client.post("/display", data={"furigana": "1"}, headers=csrf_headers(client))
        assert 'data-furigana="1"' in (await client.get("/apps/hello")).text
