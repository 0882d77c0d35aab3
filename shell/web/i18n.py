"""Languages: Babel catalogs, the request's locale, and formatting of dates and money.

The locale of a request is, in order: the signed-in account's preference, the ``machi_lang``
cookie, the browser's Accept-Language, then Japanese. It lives in a context variable so that
``_()`` in code and templates needs no request argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2.utils import htmlsafe_json_dumps
from machi_sdk.formatting import format_yen as sdk_format_yen
from machi_sdk.formatting import japanese_era  # the eras (元号), shared with the mini-apps
from machi_sdk.web import accept_language as accept_language_tags
from markupsafe import Markup

from shell.settings import ROOT

LOCALES_DIR = ROOT / "locales"
DOMAIN = "shell"
TOKYO = ZoneInfo("Asia/Tokyo")
LANG_COOKIE = "machi_lang"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 tag used in URLs, cookies and <html lang>
    babel: str  # Babel locale identifier (dates, numbers, money)
    catalog: str  # gettext catalog folder under locales/ (and each mini-app's locales/)
    name: str = ""  # the language's name in itself, when Babel's is not the one people use
    speech: str = ""  # the language the speech synthesiser is asked for (read-aloud)

    @property
    def native_name(self) -> str:
        """The language's name in itself (日本語, English, Tiếng Việt…)."""
        if self.name:
            return self.name
        locale = Locale.parse(self.babel)
        name = locale.get_display_name(locale) or self.code
        return name[:1].upper() + name[1:]

    @property
    def speech_lang(self) -> str:
        return self.speech or self.code

    @property
    def japanese(self) -> bool:
        """Japanese or Easy Japanese: dates with the era, furigana offered."""
        return self.babel.startswith("ja")


#: Every language Machi is built for, in the switcher's order. Easy Japanese (やさしい日本語) has a
#: private-use BCP 47 tag (its primary subtag stays ``ja``, so browsers, screen readers and axe-core
#: treat it as Japanese) and formats dates and numbers as Japanese.
ALL_LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("ja", "ja_JP", "ja", "日本語", "ja-JP"),
        Language("ja-x-easy", "ja_JP", "ja_easy", "やさしい日本語", "ja-JP"),
        Language("en", "en", "en", "English", "en-US"),
        Language("vi", "vi", "vi", "Tiếng Việt", "vi-VN"),
        Language("zh-Hans", "zh_Hans_CN", "zh_Hans", "简体中文", "zh-CN"),
        Language("zh-Hant", "zh_Hant_TW", "zh_Hant", "繁體中文", "zh-TW"),
        Language("ko", "ko", "ko", "한국어", "ko-KR"),
        Language("fil", "fil", "fil", "Filipino", "fil-PH"),
        Language("id", "id", "id", "Bahasa Indonesia", "id-ID"),
        Language("ne", "ne", "ne", "नेपाली", "ne-NP"),
        Language("pt-BR", "pt_BR", "pt_BR", "Português (Brasil)", "pt-BR"),
    )
}

#: The languages residents can choose now: a language is switched on here once every catalog it
#: needs (the shell's, the SDK's and each first-party mini-app's) is complete;
#: ``python -m shell.translation.status`` and tests/contract/test_catalogs.py say what is missing.
ENABLED: tuple[str, ...] = tuple(ALL_LANGUAGES)

LANGUAGES: dict[str, Language] = {c: lang for c, lang in ALL_LANGUAGES.items() if c in ENABLED}
DEFAULT = "ja"

# Tags browsers send that mean one of our languages (lower case).
_ALIASES = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans-cn": "zh-Hans",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh-hant-tw": "zh-Hant",
    "pt": "pt-BR",
    "tl": "fil",
    "in": "id",
}
_BY_LOWER = {code.lower(): code for code in ALL_LANGUAGES}

_current: ContextVar[str] = ContextVar("machi_locale", default=DEFAULT)


@cache
def translations(code: str) -> NullTranslations:
    """The shell's catalog for ``code``; a language other than (Easy) Japanese falls back to
    English for a message its catalog lacks, Easy Japanese to Japanese (the msgid)."""
    language = ALL_LANGUAGES.get(code)
    if language is None:
        return NullTranslations()
    found = Translations.load(str(LOCALES_DIR), [language.catalog], domain=DOMAIN)
    if not language.japanese and code != "en" and isinstance(found, Translations):
        found.add_fallback(translations("en"))
    return found


def set_locale(code: str) -> None:
    _current.set(code if code in LANGUAGES else DEFAULT)


def get_locale() -> str:
    return _current.get()


def current_language() -> Language:
    return LANGUAGES.get(get_locale()) or LANGUAGES[DEFAULT]


# Messages looked up that the current language's catalog lacks, while a test collects them
# (tests/shell/web/test_every_page.py); None otherwise.
_missing: ContextVar[set[tuple[str, str]] | None] = ContextVar("machi_missing", default=None)


def _note_missing(catalog: NullTranslations, key: str | tuple[str, int], message: str) -> None:
    found = _missing.get()
    if found is None:
        return
    held = getattr(catalog, "_catalog", None)
    if held is None or key not in held:
        found.add((get_locale(), message))


def collect_missing() -> set[tuple[str, str]]:
    """Start collecting (language, message) pairs the catalogs lack; returns the live set."""
    found: set[tuple[str, str]] = set()
    _missing.set(found)
    return found


def collecting_missing() -> bool:
    return _missing.get() is not None


def gettext(message: str, **variables: object) -> str:
    catalog = translations(get_locale())
    text = catalog.gettext(message)
    _note_missing(catalog, message, message)
    return text % variables if variables else text


_markup: dict[tuple[str, str], Markup] = {}


def gettext_markup(message: str) -> Markup:
    """``Markup(gettext(message)) % {}`` as a template's ``_()`` gives it (``%%`` read as ``%``),
    kept per language: a page shows some thirty such texts and they never change in a process."""
    key = (get_locale(), message)
    found = _markup.get(key)
    if found is None:
        text = gettext(message)
        found = Markup(text) % {} if "%" in text else Markup(text)  # noqa: S704 (our catalogs)
        if _missing.get() is None:  # while a test collects missing texts, look them up each time
            _markup[key] = found
    return found


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """``code`` is the language within the block, and the one before it after."""
    token = _current.set(code)
    try:
        yield
    finally:
        _current.reset(token)


def markup_in(code: str, message: str) -> Markup:
    """What :func:`gettext_markup` gives while ``code`` is the language (the templates fold
    their texts with it when they are compiled for that language)."""
    with speaking(code):
        return gettext_markup(message)


def translation_in(code: str, message: str) -> str:
    """``message`` in the language ``code``, unformatted: the format a template's
    ``_("message", name=value)`` fills (the templates fold it when compiled for that language)."""
    with speaking(code):
        return gettext(message)


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    catalog = translations(get_locale())
    text = catalog.ngettext(singular, plural, n)
    _note_missing(catalog, (singular, 0), singular)
    return text % {"num": n, **variables}


_ = gettext


def lazy(message: str) -> str:
    """Mark a module-level string for extraction; translate it where it is shown."""
    return message


def match(tag: str | None, languages: dict[str, Language] | None = None) -> str | None:
    """The code of ``languages`` (the enabled ones by default) a BCP 47 ``tag`` means, or None:
    exact (any case), an alias (zh-TW, pt, tl…), then the tag without its last subtags."""
    if not tag:
        return None
    pool = LANGUAGES if languages is None else languages
    lowered = tag.strip().replace("_", "-").lower()
    while lowered:
        code = _BY_LOWER.get(lowered) or _ALIASES.get(lowered)
        if code in pool:
            return code
        if "-" not in lowered:
            return None
        lowered = lowered.rsplit("-", 1)[0]
    return None


def negotiate(account_language: str | None, cookie: str | None, accept_language: str) -> str:
    for candidate in (account_language, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    for tag in accept_language_tags(accept_language):
        code = match(tag)
        if code is not None:
            return code
    return DEFAULT


def babel_locale() -> str:
    return current_language().babel


def format_yen(amount: int) -> str:
    """Yen as the mini-apps write it (one style in the whole app): 1,200円 on Japanese pages, as
    city documents do, and each language's currency format elsewhere (¥1,200 · 1.200 ¥)."""
    return _yen(amount, current_language().code)


@lru_cache(maxsize=4096)
def _yen(amount: int, code: str) -> str:
    return sdk_format_yen(amount, code)  # Babel takes ~0.1 ms a call


def format_day(value: dt.date | dt.datetime, style: str = "long") -> str:
    """A day in the reader's language; in (Easy) Japanese the long and full styles give the era
    year (令和8年4月1日, as city documents write it), the short ones Babel's numeric form."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(TOKYO).date()
    if current_language().japanese and style in ("long", "full"):
        text = f"{japanese_era(value)}{value.month}月{value.day}日"
        if style == "full":
            text += format_date(value, format="EEEE", locale=babel_locale())
        return text
    return format_date(value, format=style, locale=babel_locale())


def format_number(value: float, digits: int = 0) -> str:
    return format_decimal(round(value, digits), locale=babel_locale())


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


JS_DIR = ROOT / "pwa" / "static" / "js"


@cache
def js_message_ids() -> tuple[str, ...]:
    """The texts the shell's scripts show, marked ``gettext("…")`` in ``pwa/static/js/*.js``
    (extracted into shell.pot with the rest, see babel.cfg)."""
    from babel.messages.extract import extract_from_file

    found: set[str] = set()
    for path in sorted(JS_DIR.glob("*.js")):
        for _line, message, _comments, _context in extract_from_file(
            "javascript", str(path), keywords={"gettext": None}
        ):
            if isinstance(message, str):
                found.add(message)
    return tuple(sorted(found))


def js_messages() -> dict[str, str]:
    """The scripts' texts in the current language, for ``<script type="application/json">``."""
    return {message: gettext(message) for message in js_message_ids()}


_js_messages_json: dict[str, Markup] = {}


def js_messages_json() -> Markup:
    """:func:`js_messages` as HTML-safe JSON, made once per language (every page carries it)."""
    code = get_locale()
    made = _js_messages_json.get(code)
    if made is None:
        made = htmlsafe_json_dumps(js_messages())
        if _missing.get() is None:  # while a test collects missing texts, look them up each time
            _js_messages_json[code] = made
    return made
