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
    ],
)
def test_negotiation_order(account, cookie, header, expected):
    assert i18n.negotiate(account, cookie, header) == expected


def test_money_and_dates_follow_the_locale():
    i18n.set_locale("ja")
    assert i18n.format_yen(1200) == "￥1,200"
    assert i18n.format_day(dt.date(2026, 4, 1)) == "2026年4月1日"
    i18n.set_locale("en")
    assert i18n.format_yen(1200) == "¥1,200"
    assert i18n.format_day(dt.date(2026, 4, 1)) == "April 1, 2026"
    i18n.set_locale("ja")


def test_times_are_shown_in_tokyo():
    i18n.set_locale("ja")
    midnight_utc = dt.datetime(2026, 1, 1, 15, 30, tzinfo=dt.UTC)
    assert i18n.format_day(midnight_utc) == "2026年1月2日"


def test_every_language_is_named_in_itself():
    assert i18n.LANGUAGES["ja"].native_name == "日本語"
    assert i18n.LANGUAGES["en"].native_name == "English"
