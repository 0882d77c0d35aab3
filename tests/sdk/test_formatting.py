"""Dates, times, money, numbers and ages in the reader's language (machi_sdk.formatting), and the
template filters that format in the page's language. Expected texts are Babel's (CLDR) output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from litestar import Request, Response, get
from machi_sdk import MiniApp, ResidentDep, render, requires_scopes
from machi_sdk.formatting import (
    babel_locale,
    format_age,
    format_clock,
    format_day,
    format_moment,
    format_number,
    format_yen,
    japanese_era,
    weekday_names,
)
from machi_sdk.testing import FakeShell, miniapp_client

from .apps import write_app_folder

SUNDAY = dt.date(2026, 11, 29)
# 09:05 in Tokyo, stored in UTC
MORNING = dt.datetime(2026, 11, 29, 0, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ja", "ja_JP"),
        ("ja-x-easy", "ja_JP"),
        ("ja_easy", "ja_JP"),
        ("zh-Hans", "zh_Hans_CN"),
        ("zh-Hant", "zh_Hant_TW"),
        ("pt-BR", "pt_BR"),
        ("vi", "vi"),
        ("x-klingon", "en"),  # what Babel does not know: English, as pages fall back
    ],
)
def test_machi_languages_map_to_babel_locales(code, expected):
    assert babel_locale(code) == expected


@pytest.mark.parametrize(
    ("code", "long", "weekday", "day", "month"),
    [
        ("ja", "2026年11月29日", "2026年11月29日(日)", "11月29日(日)", "2026年11月"),
        ("ja-x-easy", "2026年11月29日", "2026年11月29日(日)", "11月29日(日)", "2026年11月"),
        ("en", "Nov 29, 2026", "Sun, Nov 29, 2026", "Sun, Nov 29", "November 2026"),
        ("vi", "29 thg 11, 2026", "CN, 29 thg 11, 2026", "CN, 29 thg 11", "tháng 11 năm 2026"),
        ("ko", "2026년 11월 29일", "2026년 11월 29일 (일)", "11월 29일 (일)", "2026년 11월"),
        (
            "pt-BR",
            "29 de nov. de 2026",
            "dom., 29 de nov. de 2026",
            "dom., 29 de nov.",
            "novembro de 2026",
        ),
    ],
)
def test_days_in_each_language(code, long, weekday, day, month):
    assert format_day(SUNDAY, code) == long
    assert format_day(SUNDAY, code, "weekday") == weekday
    assert format_day(SUNDAY, code, "day") == day
    assert format_day(SUNDAY, code, "month") == month


def test_a_datetime_is_a_day_in_tokyo():
    late_utc = dt.datetime(2026, 11, 28, 16, 30, tzinfo=dt.UTC)  # 01:30 on the 29th in Tokyo
    assert format_day(late_utc, "en") == "Nov 29, 2026"
    assert format_day(None, "en") == ""


def test_the_japanese_era_on_japanese_pages_only():
    assert japanese_era(SUNDAY) == "令和8年"
    assert japanese_era(dt.date(2019, 5, 1)) == "令和元年"
    assert japanese_era(dt.date(2019, 4, 30)) == "平成31年"
    assert format_day(SUNDAY, "ja", "era") == "令和8年11月29日"
    # Easy Japanese: the Western year first, as the Easy Japanese guidelines ask
    assert format_day(SUNDAY, "ja-x-easy", "era") == "2026年（令和8年）11月29日"
    assert format_day(SUNDAY, "en", "era") == "Nov 29, 2026"
    with pytest.raises(ValueError, match="unknown day style"):
        format_day(SUNDAY, "ja", "fancy")


@pytest.mark.parametrize(
    ("code", "clock", "moment"),
    [
        ("ja", "9:05", "2026年11月29日 9:05"),
        ("en", "9:05\u202fAM", "Nov 29, 2026, 9:05\u202fAM"),  # a narrow no-break space
        ("vi", "09:05", "09:05 29 thg 11, 2026"),  # Vietnamese puts the time first
        ("ko", "오전 9:05", "2026년 11월 29일 오전 9:05"),
        ("pt-BR", "09:05", "29 de nov. de 2026 09:05"),
    ],
)
def test_times_and_moments_in_tokyo(code, clock, moment):
    assert format_clock(MORNING, code) == clock
    assert format_clock(dt.time(9, 5), code) == clock
    assert format_moment(MORNING, code) == moment


def test_a_moment_with_a_shorter_day():
    assert format_moment(MORNING, "ja", "day") == "11月29日(日) 9:05"
    assert format_moment(MORNING, "en", "day") == "Sun, Nov 29, 9:05\u202fAM"


@pytest.mark.parametrize(
    ("code", "yen", "number"),
    [
        ("ja", "12,345円", "1,234.5"),  # as city documents write it, not ￥12,345
        ("ja-x-easy", "12,345円", "1,234.5"),
        ("en", "¥12,345", "1,234.5"),
        ("vi", "12.345\xa0¥", "1.234,5"),
        ("ko", "JP¥12,345", "1,234.5"),
        ("pt-BR", "JP¥\xa012.345", "1.234,5"),
    ],
)
def test_yen_and_numbers(code, yen, number):
    assert format_yen(12345, code) == yen
    assert format_number(1234.5, code) == number


def test_numbers_round_to_the_digits_asked():
    assert format_number(3.14159, "en", 2) == "3.14"
    assert format_number(None, "en") == ""


@pytest.mark.parametrize(
    ("code", "ages"),
    [
        ("ja", ["5か月", "1歳", "1歳2か月", "2歳1か月"]),
        ("ja-x-easy", ["5かげつ", "1さい", "1さい2かげつ", "2さい1かげつ"]),
        ("en", ["5 months", "1 year", "1 year 2 months", "2 years 1 month"]),
        ("vi", ["5 tháng", "1 tuổi", "1 tuổi 2 tháng", "2 tuổi 1 tháng"]),
        ("ko", ["5개월", "1세", "1세 2개월", "2세 1개월"]),
        ("pt-BR", ["5 meses", "1 ano", "1 ano e 2 meses", "2 anos e 1 mês"]),
    ],
)
def test_a_childs_age_with_plurals(code, ages):
    assert [format_age(months, code) for months in (5, 12, 14, 25)] == ages


def test_weekday_names_monday_first():
    assert weekday_names("ja") == ["月", "火", "水", "木", "金", "土", "日"]
    assert weekday_names("en")[0] == "Mon"
    assert weekday_names("vi")[6] == "CN"


PAGE = """{% extends "machi_sdk/base.html" %}
{% block title %}{{ _("ようこそ") }}{% endblock %}
{% block content %}<p id="day">{{ day|day("weekday") }}</p><p id="yen">{{ 1500|yen }}</p>
<p id="age">{{ 14|age }}</p><p id="at">{{ at|moment }}</p>{% endblock %}
"""


@get("/", name="demo:index", guards=[requires_scopes()])
async def index(request: Request[Any, Any, Any], resident: ResidentDep) -> Response[str]:
    return render(request, "demo/index.html", {"day": SUNDAY, "at": MORNING})


def _app(tmp_path: Path, shipped: tuple[str, ...]) -> MiniApp:
    folder = write_app_folder(tmp_path, "demo", templates={"demo/index.html": PAGE})
    for code in shipped:
        mo = folder / "locales" / code / "LC_MESSAGES" / "demo.mo"
        mo.parent.mkdir(parents=True)
        with mo.open("wb") as handle:
            write_mo(handle, Catalog(locale=code, domain="demo"))
    return MiniApp(folder, route_handlers=[index])


KEYS = ("day", "yen", "age", "at")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ja", ["2026年11月29日(日)", "1,500円", "1歳2か月", "2026年11月29日 9:05"]),
        ("vi", ["CN, 29 thg 11, 2026", "1.500\xa0¥", "1 tuổi 2 tháng", "09:05 29 thg 11, 2026"]),
        # the app ships no Korean: the page is in English, and so are its dates
        ("ko", ["Sun, Nov 29, 2026", "¥1,500", "1 year 2 months", "Nov 29, 2026, 9:05\u202fAM"]),
    ],
)
async def test_template_filters_format_in_the_pages_language(tmp_path, locale, expected):
    shell = FakeShell("http://localhost:8000")
    app = shell.create_app(_app(tmp_path, ("en", "vi")))
    async with miniapp_client(app, shell.token("demo", locale=locale)) as client:
        page = await client.get("/")
    found = [page.text.split(f'<p id="{key}">')[1].split("</p>")[0] for key in KEYS]
    assert found == expected
