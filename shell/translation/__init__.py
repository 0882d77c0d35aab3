"""Machine translation of city content: the translation memory first, then the city's engine.

``translate`` is what the rest of the shell (and the Platform API's ``translate``) calls. Until an
engine is configured it raises :class:`TranslationUnavailable`, and callers tell staff to translate
by hand.
"""

from __future__ import annotations

from collections.abc import Sequence


class TranslationUnavailable(Exception):
    """No translation engine is configured, or it did not answer."""


async def translate(texts: Sequence[str], target: str, source: str = "ja") -> list[str]:
    """``texts`` translated from ``source`` into ``target`` (language codes of shell.web.i18n)."""
    raise TranslationUnavailable("no translation engine is configured")
