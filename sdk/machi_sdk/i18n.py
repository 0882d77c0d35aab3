"""Languages in a mini-app: which language a page is written in, and the SDK's own texts.

The shell tells an app the resident's language as a BCP 47 tag (``ja``, ``ja-x-easy`` for Easy
Japanese, ``en``, ``vi``, ``zh-Hans``, ``zh-Hant``, ``ko``, ``fil``, ``id``, ``ne``, ``pt-BR``).
An app ships the catalogs it has (``locales/<catalog>/LC_MESSAGES/<id>.mo``); :func:`best_language`
picks the closest one: the language itself, then Easy Japanese falls back to Japanese and every
other language to English, then Japanese (the source language, always there). So a partner app
that ships only Japanese and English still works for a Vietnamese resident, in English, and its
``<html lang>`` says ``en``.

The SDK's own texts (the boot page, 401 and 403 messages, scope names) are the gettext domain
``machi_sdk`` in ``machi_sdk/locales``, chosen the same way.
"""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Callable
from functools import cache
from pathlib import Path

DOMAIN = "machi_sdk"
LOCALES = Path(__file__).parent / "locales"
SOURCE = "ja"
EASY_JAPANESE = "ja-x-easy"


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


def catalog_name(code: str) -> str:
    """The gettext folder of a language tag: ``zh-Hans`` → ``zh_Hans``, ``ja-x-easy`` →
    ``ja_easy``."""
    if code.lower() == EASY_JAPANESE:
        return "ja_easy"
    return code.replace("-", "_")


def fallbacks(code: str) -> list[str]:
    """The languages to try for a resident who reads ``code``, best first."""
    code = (code or SOURCE).strip()
    chain = [code]
    base = code.split("-")[0].lower()
    if base == "ja":
        chain.append(SOURCE)  # Easy Japanese readers read Japanese before English
    else:
        if base != code:
            chain.append(base)
        chain.append("en")
    chain.append(SOURCE)
    seen: list[str] = []
    for item in chain:
        if item not in seen:
            seen.append(item)
    return seen


def best_language(code: str, shipped: Callable[[str], bool]) -> str:
    """The first of :func:`fallbacks` that ``shipped`` accepts (Japanese always is)."""
    for candidate in fallbacks(code):
        if candidate == SOURCE or shipped(candidate):
            return candidate
    return SOURCE


def shipped_in(locales: Path | None, domain: str) -> Callable[[str], bool]:
    """Whether ``locales`` holds a compiled catalog of ``domain`` for a language."""

    def has(code: str) -> bool:
        if locales is None:
            return False
        return (locales / catalog_name(code) / "LC_MESSAGES" / f"{domain}.mo").is_file()

    return has


def load(locales: Path | None, domain: str, code: str) -> gettext_module.NullTranslations:
    """The catalog of ``domain`` for exactly ``code`` (choose it with :func:`best_language`)."""
    if locales is None or (code == SOURCE and not shipped_in(locales, domain)(code)):
        return gettext_module.NullTranslations()
    return gettext_module.translation(
        domain, str(locales), languages=[catalog_name(code)], fallback=True
    )


@cache
def sdk_language(code: str) -> str:
    """The language the SDK's own texts are shown in for a resident who reads ``code``."""
    return best_language(code, shipped_in(LOCALES, DOMAIN))


@cache
def sdk_translations(code: str) -> gettext_module.NullTranslations:
    """The SDK's catalog for exactly ``code`` (choose it with :func:`sdk_language`)."""
    return load(LOCALES, DOMAIN, code)


def sdk_gettext(message: str, code: str, **values: str) -> str:
    """``message`` (a Japanese msgid of the ``machi_sdk`` domain) in the SDK language for
    ``code``, ``{name}`` placeholders filled in."""
    text = sdk_translations(sdk_language(code)).gettext(message)
    return text.format(**values) if values else text
