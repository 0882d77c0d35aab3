"""Locale negotiation and Babel formatting."""

import datetime as dt

import pytest

from shell.web import i18n


@pytest.mark.parametrize(
    ("account", "cookie", "header", "expected"),
    [
        ("en", "ja", "ja", "en"),  # the account's preference wins
        (None, "en", "ja-JP", "en"),  # then the cookie
        (None, None, "en-GB,en;q=0.8", "en"),  # then Accept-Language, by region fallback
        (None, None, "fr-FR, en;q=0.5, ja;q=0.9", "ja"),  # by quality
        (None, "xx", "zz", "ja"),  # unknown everything: Japanese
        (None, None, "", "ja"),
        (None, None, "EN-us", "en"),  # any case
    ],
)
def test_negotiation_order(account, cookie, header, expected):
    assert i18n.negotiate(account, cookie, header) == expected


def test_money_and_dates_follow_the_locale():
    i18n.set_locale("ja")
    assert i18n.format_yen(1200) == "1,200円"  # as city documents and the mini-apps write it
    assert i18n.format_day(dt.date(2026, 4, 1)) == "令和8年4月1日"
    assert i18n.format_day(dt.date(2026, 4, 1), "short") == "2026/04/01"
    i18n.set_locale("en")
    assert i18n.format_yen(1200) == "¥1,200"
    assert i18n.format_day(dt.date(2026, 4, 1)) == "April 1, 2026"
    i18n.set_locale("ja")


def test_times_are_shown_in_tokyo():
    i18n.set_locale("ja")
    midnight_utc = dt.datetime(2026, 1, 1, 15, 30, tzinfo=dt.UTC)
    assert i18n.format_day(midnight_utc) == "令和8年1月2日"


def test_every_language_is_named_in_itself():
    assert i18n.LANGUAGES["ja"].native_name == "日本語"
    assert i18n.LANGUAGES["en"].native_name == "English"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
    ],
)
def test_japanese_dates_carry_the_era(day, expected):
    i18n.set_locale("ja")
    assert i18n.format_day(day) == expected
    assert i18n.format_day(day, "full").startswith(expected)
    assert i18n.format_day(day, "full").endswith("曜日")


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("ja-x-easy", "ja-x-easy"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-Hant-TW", "zh-Hant"),
        ("pt", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("tl", "fil"),
        ("in", "id"),
        ("vi-VN", "vi"),
        ("ne-NP", "ne"),
        ("ko-KR", "ko"),
        ("fr", None),
    ],
)
def test_browser_tags_match_our_languages(tag, code):
    assert i18n.match(tag, i18n.ALL_LANGUAGES) == code


def test_every_language_machi_is_built_for_has_a_name_a_locale_and_a_voice():
    assert list(i18n.ALL_LANGUAGES)[:3] == ["ja", "ja-x-easy", "en"]
    assert len(i18n.ALL_LANGUAGES) == 11
    for language in i18n.ALL_LANGUAGES.values():
        assert language.native_name
        assert language.speech_lang.split("-")[0] in language.code.split("-")[0]
    assert i18n.ALL_LANGUAGES["ja-x-easy"].native_name == "やさしい日本語"
    assert i18n.ALL_LANGUAGES["ja-x-easy"].japanese
    assert i18n.ALL_LANGUAGES["zh-Hant"].native_name == "繁體中文"


def test_formats_follow_each_languages_locale():
    dates = {}
    for code, language in i18n.ALL_LANGUAGES.items():
        token = i18n._current.set(code)
        try:
            assert i18n.babel_locale() == (language.babel if code in i18n.LANGUAGES else "ja_JP")
            dates[code] = i18n.format_day(dt.date(2026, 4, 1))
        finally:
            i18n._current.reset(token)
    assert dates["ja"] == "令和8年4月1日"
    assert dates["en"] == "April 1, 2026"
