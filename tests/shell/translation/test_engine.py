"""The LibreTranslate adapter against a server that follows LibreTranslate's API, and the
translation memory in front of it."""

from __future__ import annotations

import pytest

from shell import translation
from shell.translation import LibreTranslate, TranslationUnavailable
from shell.translation.tables import TranslationMemory
from tests.helpers.libretranslate import libretranslate


@pytest.fixture(autouse=True)
def _no_engine():
    translation.configure(engine=None)
    yield
    translation.configure(engine=None)


async def test_the_adapter_maps_our_codes_and_sends_a_list():
    with libretranslate(api_key="secret") as server:
        engine = LibreTranslate(server.url, api_key="secret")
        assert await engine.translate(["ごみの日", "水道"], "vi", "ja") == [
            "[vi] ごみの日",
            "[vi] 水道",
        ]
        assert await engine.translate(["本文"], "zh-Hant", "ja") == ["[zt] 本文"]
        assert await engine.translate(["本文"], "pt-BR", "ja") == ["[pb] 本文"]
        assert await engine.translate(["本文"], "fil", "ja") == ["[tl] 本文"]
    assert server.requests[0] == {
        "q": ["ごみの日", "水道"],
        "source": "ja",
        "target": "vi",
        "format": "text",
        "api_key": "secret",
    }


async def test_refusals_and_silence_are_unavailable():
    with libretranslate(api_key="secret") as server:
        with pytest.raises(TranslationUnavailable, match="403: Invalid API key"):
            await LibreTranslate(server.url, api_key="wrong").translate(["本文"], "vi", "ja")
        with pytest.raises(TranslationUnavailable, match="by hand"):
            await LibreTranslate(server.url, "secret").translate(["本文"], "ja-x-easy", "ja")
        with pytest.raises(TranslationUnavailable, match="does not translate into xx"):
            await LibreTranslate(server.url, "secret").translate(["本文"], "xx", "ja")
        url = server.url
    with pytest.raises(TranslationUnavailable, match="did not answer"):
        await LibreTranslate(url, timeout=2).translate(["本文"], "vi", "ja")


async def test_without_an_engine_only_the_memory_answers(db):
    with pytest.raises(TranslationUnavailable, match="no translation engine"):
        await translation.translate(["お知らせ"], "vi")
    await translation.remember("お知らせ", "vi", "Thông báo", by=None)
    assert await translation.translate(["お知らせ", "お知らせ"], "vi") == ["Thông báo"] * 2
    assert await translation.translate(["お知らせ"], "ja") == ["お知らせ"]


async def test_the_engine_fills_gaps_and_a_correction_wins_from_then_on(db):
    with libretranslate() as server:
        translation.configure(engine=LibreTranslate(server.url))
        assert await translation.translate(["断水のお知らせ"], "vi") == ["[vi] 断水のお知らせ"]
        assert len(server.requests) == 1
        # the machine's answer is remembered: asked again, the engine is not
        assert await translation.translate(["断水のお知らせ"], "vi") == ["[vi] 断水のお知らせ"]
        assert len(server.requests) == 1
        await translation.remember("断水のお知らせ", "vi", "Thông báo cắt nước", by=None)
        await translation.remember("断水のお知らせ", "vi", "[vi] machine again", origin="machine")
        assert await translation.translate(["断水のお知らせ"], "vi") == ["Thông báo cắt nước"]
    rows = await TranslationMemory.select().where(TranslationMemory.target_lang == "vi")
    assert [(r["text"], r["origin"]) for r in rows] == [("Thông báo cắt nước", "staff")]


def test_settings_build_the_adapter(settings):
    import dataclasses

    assert translation.configure(settings) is None
    configured = dataclasses.replace(
        settings, translation_url="http://mt.example:5000", translation_api_key="k"
    )
    engine = translation.configure(configured)
    assert isinstance(engine, LibreTranslate)
    assert (engine.url, engine.api_key, engine.timeout) == ("http://mt.example:5000", "k", 20.0)
