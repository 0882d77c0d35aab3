"""Dates, times, numbers, money and ages in the reader's language, formatted by Babel.

Every function takes the page's language as a BCP 47 tag (``ja``, ``ja-x-easy``, ``en``, ``vi``,
``zh-Hans``, ``pt-BR``…; catalog names such as ``ja_easy`` work too), the same tag a template sees
as ``locale``. In templates the SDK registers them as filters that use the page's language::

    {{ loan.due_on|day }}            2026年11月29日 · Nov 29, 2026 · 29 thg 11, 2026
    {{ slot.day|day("weekday") }}    2026年11月29日(日) · Sun, Nov 29, 2026
    {{ booking.created_at|moment }}  2026年11月29日 9:05 · Nov 29, 2026, 9:05 AM
    {{ bill.total|yen }}             12,345円 · ¥12,345 · 12.345 ¥
    {{ months|age }}                 1歳2か月 · 1 year 2 months · 5 tháng

Japanese and Easy Japanese pages keep the way city documents write: ``12,345円`` rather than
``￥12,345``, and the Japanese era (``令和8年11月29日``) where a page asks for it with the ``era``
style; Easy Japanese gives the Western year first (``2026年（令和8年）11月29日``), as the national
Easy Japanese guidelines advise. Times and datetimes are shown in the city's time (Asia/Tokyo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time, get_day_names
from babel.numbers import format_currency, format_decimal

from machi_sdk.i18n import EASY_JAPANESE, catalog_name, fallbacks, sdk_language, sdk_translations

#: The city's time zone: datetimes are shown in it, whatever zone they are stored in.
CITY_TIME = ZoneInfo("Asia/Tokyo")

# Babel locales of Machi's languages where the plain tag is not the one to use (as the shell's
# languages table says): both Japanese read Japanese dates, Chinese by script and region.
_BABEL = {"ja": "ja_JP", "ja_easy": "ja_JP", "zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW"}

#: Named day styles and the Babel skeleton each one asks for (Japanese and English shown).
DAY_STYLES: dict[str, str] = {
    "long": "yMMMd",  # 2026年11月29日 · Nov 29, 2026
    "weekday": "yMMMEd",  # 2026年11月29日(日) · Sun, Nov 29, 2026
    "day": "MMMEd",  # 11月29日(日) · Sun, Nov 29 (a day of the coming weeks: no year)
    "short": "MEd",  # 11/29(日) · Sun, 11/29 (column headers)
    "month": "yMMMM",  # 2026年11月 · November 2026
}

# The Japanese eras (元号) since the calendar reform, newest first: (first day, name).
ERAS = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
    (dt.date(1873, 1, 1), "明治"),
)


@lru_cache(maxsize=256)
def babel_locale(code: str) -> str:
    """The Babel locale that formats for a reader of ``code``: ``ja-x-easy`` → ``ja_JP``,
    ``zh-Hant`` → ``zh_Hant_TW``, ``pt-BR`` → ``pt_BR``; a language Babel does not know falls back
    as the pages do (its base language, then English)."""
    for candidate in fallbacks(code or "ja"):
        name = catalog_name(candidate)
        if name in _BABEL:
            return _BABEL[name]
        try:
            return str(Locale.parse(name))
        except (UnknownLocaleError, ValueError):
            continue
    return "ja_JP"


def is_japanese(code: str) -> bool:
    """Whether ``code`` is Japanese or Easy Japanese (city-document conventions apply)."""
    return babel_locale(code).startswith("ja")


def japanese_era(value: dt.date) -> str:
    """The era year of ``value`` as written in Japanese: 令和8年, 令和元年, 昭和30年."""
    for start, name in ERAS:
        if value >= start:
            year = value.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年"
    return f"{value.year}年"


def _local_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(CITY_TIME).date() if value.tzinfo else value.date()
    return value


def format_day(value: dt.date | dt.datetime | None, locale: str, style: str = "long") -> str:
    """A day for a reader of ``locale`` in one of :data:`DAY_STYLES` (``long`` by default), or
    ``era``: the Japanese era on Japanese pages (令和8年11月29日; Easy Japanese
    2026年（令和8年）11月29日), the ``long`` style elsewhere. ``None`` gives ``""``."""
    if value is None:
        return ""
    day = _local_date(value)
    if style == "era":
        if not is_japanese(locale):
            style = "long"
        elif catalog_name(locale) == catalog_name(EASY_JAPANESE):
            return f"{day.year}年（{japanese_era(day)}）{day.month}月{day.day}日"
        else:
            return f"{japanese_era(day)}{day.month}月{day.day}日"
    skeleton = DAY_STYLES.get(style)
    if skeleton is None:
        raise ValueError(f"unknown day style {style!r}; known: era, {', '.join(DAY_STYLES)}")
    return format_skeleton(skeleton, day, locale=babel_locale(locale))


def format_clock(value: dt.time | dt.datetime | None, locale: str) -> str:
    """A time of day (hours and minutes) for a reader of ``locale``: 9:05 · 9:05 AM · 09:05 ·
    오전 9:05. A datetime is shown in the city's time."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.tzinfo:
        value = value.astimezone(CITY_TIME)
    return format_time(value, format="short", locale=babel_locale(locale))


def format_moment(value: dt.datetime | None, locale: str, style: str = "long") -> str:
    """A day and time in the city's time, the day in a :func:`format_day` style, joined as the
    language joins them: 2026年11月29日 9:05 · Nov 29, 2026, 9:05 AM · 09:05 29 thg 11, 2026."""
    if value is None:
        return ""
    local = value.astimezone(CITY_TIME) if value.tzinfo else value
    where = babel_locale(locale)
    joiner = Locale.parse(where).datetime_formats["medium"]
    return (
        str(joiner)
        .replace("'", "")
        .format(format_clock(local, locale), format_day(local.date(), locale, style))
    )


def format_number(value: float | int | None, locale: str, digits: int | None = None) -> str:
    """A number for a reader of ``locale`` (1,234.5 · 1.234,5), rounded to ``digits`` places
    when given."""
    if value is None:
        return ""
    if digits is not None:
        value = round(value, digits)
    return format_decimal(value, locale=babel_locale(locale))


def format_yen(amount: int | None, locale: str) -> str:
    """An amount of yen: 12,345円 on Japanese pages (as city documents write it), Babel's
    currency format elsewhere (¥12,345 · 12.345 ¥ · JP¥ 12.345)."""
    if amount is None:
        return ""
    where = babel_locale(locale)
    if where.startswith("ja"):
        return f"{format_decimal(amount, locale=where)}円"
    return format_currency(amount, "JPY", locale=where)


def format_age(months: int, locale: str) -> str:
    """A child's age given in whole months, in the reader's language with its plural forms:
    1歳2か月, 5か月 · 1 year 2 months, 2 years, 5 months · 1 tuổi 2 tháng. Whole years show
    no months; under one year shows months only."""
    catalog = sdk_translations(sdk_language(locale))
    years, rest = divmod(max(int(months), 0), 12)
    # the msgids are written out in each call so that pybabel extracts them (domain machi_sdk)
    in_months = catalog.ngettext("{num}か月", "{num}か月", rest).format(num=rest)
    if years == 0:
        return in_months
    in_years = catalog.ngettext("{num}歳", "{num}歳", years).format(num=years)
    if rest == 0:
        return in_years
    # {years} is e.g. "1 year", {months} "2 months": the order and the words between them
    return catalog.gettext("{years}{months}").format(years=in_years, months=in_months)


def weekday_names(locale: str, width: str = "abbreviated") -> list[str]:
    """The names of the days of the week, Monday first (``abbreviated``: 月, Mon, T2;
    ``wide``: 月曜日, Monday; ``narrow``)."""
    names = get_day_names(width, locale=babel_locale(locale))
    return [str(names[i]) for i in range(7)]


#: The formatters by the filter name templates use (``{{ value|day("weekday") }}``).
FORMATTERS: dict[str, Callable[..., str]] = {
    "day": format_day,
    "clock": format_clock,
    "moment": format_moment,
    "number": format_number,
    "yen": format_yen,
    "age": format_age,
}
