"""Languages: Babel catalogs, the request's locale, and formatting of dates and money.

The locale of a request is, in order: the signed-in account's preference, the ``machi_lang``
cookie, the browser's Accept-Language, then Japanese. It lives in a context variable so that
``_()`` in code and templates needs no request argument.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations
from machi_sdk.web import accept_language as accept_language_tags

from shell.settings import ROOT

LOCALES_DIR = ROOT / "locales"
DOMAIN = "shell"
TOKYO = ZoneInfo("Asia/Tokyo")
LANG_COOKIE = "machi_lang"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 tag used in URLs, cookies and <html lang>
    babel: str  # Babel locale identifier
    catalog: str  # gettext catalog folder under locales/

    @property
    def native_name(self) -> str:
        """The language's name in itself (日本語, English, Tiếng Việt…)."""
        locale = Locale.parse(self.code.replace("-", "_"))
        return locale.get_display_name(locale) or self.code


# Japanese is the source language. The full set of nine languages is its own issue; each new one
# is a line here and a catalog under locales/.
LANGUAGES: dict[str, Language] = {
    "ja": Language("ja", "ja_JP", "ja"),
    "en": Language("en", "en", "en"),
}
DEFAULT = "ja"

_current: ContextVar[str] = ContextVar("machi_locale", default=DEFAULT)


@cache
def translations(code: str) -> NullTranslations:
    language = LANGUAGES.get(code)
    if language is None:
        return NullTranslations()
    return Translations.load(str(LOCALES_DIR), [language.catalog], domain=DOMAIN)


def set_locale(code: str) -> None:
    _current.set(code if code in LANGUAGES else DEFAULT)


def get_locale() -> str:
    return _current.get()


def gettext(message: str, **variables: object) -> str:
    text = translations(get_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext


def lazy(message: str) -> str:
    """Mark a module-level string for extraction; translate it where it is shown."""
    return message


def negotiate(account_language: str | None, cookie: str | None, accept_language: str) -> str:
    for candidate in (account_language, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    for tag in accept_language_tags(accept_language):
        code = tag.lower()
        if code in LANGUAGES:
            return code
        base = code.split("-")[0]
        if base in LANGUAGES:
            return base
    return DEFAULT


def babel_locale() -> str:
    return LANGUAGES[get_locale()].babel


def format_yen(amount: int) -> str:
    return format_currency(amount, "JPY", locale=babel_locale())


def format_day(value: dt.date | dt.datetime, style: str = "long") -> str:
    if isinstance(value, dt.datetime):
        value = value.astimezone(TOKYO).date()
    return format_date(value, format=style, locale=babel_locale())


def format_moment(value: dt.datetime, style: str = "medium") -> str:
    try:
        return format_datetime(value, format=style, tzinfo=TOKYO, locale=babel_locale())
    except UnknownLocaleError:
        return value.isoformat()


def in_every_language(message: str, **variables: object) -> dict[str, str]:
    """``message`` translated into every language the shell speaks (for texts stored once and read
    later by people in their own language, such as notifications)."""
    found = {}
    for code in LANGUAGES:
        text = translations(code).gettext(message)
        found[code] = text % variables if variables else text
    return found
