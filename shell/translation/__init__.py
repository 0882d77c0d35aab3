"""Machine translation of city content: the translation memory first, then the city's engine.

``translate`` is what the rest of the shell (and the Platform API's ``translate``) calls. The
engine sits behind :class:`Engine`; :class:`LibreTranslate` talks to a self-hosted LibreTranslate
server over HTTP (``MACHI_TRANSLATION_URL``, ``MACHI_TRANSLATION_API_KEY``,
``MACHI_TRANSLATION_TIMEOUT``). Without one, a text the memory does not hold raises
:class:`TranslationUnavailable`, and callers tell staff to translate by hand.

Staff corrections are kept with :func:`remember` and win over the engine from then on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import httpx

log = logging.getLogger("machi.translation")

#: Texts longer than this are refused rather than sent (the Platform API's limit too).
MAX_TEXT = 5000


class TranslationUnavailable(Exception):
    """No translation engine is configured, or it did not answer."""


class Engine(Protocol):
    """A machine-translation engine."""

    name: str

    async def translate(self, texts: Sequence[str], target: str, source: str) -> list[str]:
        """``texts`` in ``target`` (codes of shell.web.i18n); raises TranslationUnavailable."""
        ...


# LibreTranslate's codes for ours, best first (its own have changed between releases).
_LIBRE_CODES = {
    "zh-Hans": ("zh-Hans", "zh"),
    "zh-Hant": ("zh-Hant", "zt"),
    "pt-BR": ("pb", "pt-BR", "pt"),
    "fil": ("tl", "fil"),
}


class LibreTranslate:
    """A LibreTranslate server (https://libretranslate.com's API): ``GET /languages`` once, then
    ``POST /translate`` with ``q`` as a list, ``format: "text"`` and the API key when set."""

    name = "LibreTranslate"

    def __init__(
        self,
        url: str,
        api_key: str = "",
        timeout: float = 20.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.transport = transport
        self._codes: set[str] | None = None

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=self.timeout, transport=self.transport)

    async def _languages(self, client: httpx.AsyncClient) -> set[str]:
        if self._codes is None:
            response = await client.get("/languages")
            response.raise_for_status()
            self._codes = {item["code"] for item in response.json() if "code" in item}
        return self._codes

    async def code(self, client: httpx.AsyncClient, language: str) -> str:
        if language.lower().startswith("ja-x"):
            # Easy Japanese is rewriting, not translation: no engine does it (the memory may)
            raise TranslationUnavailable("やさしい日本語 is written by hand")
        known = await self._languages(client)
        for candidate in _LIBRE_CODES.get(language, (language, language.split("-")[0])):
            if candidate in known:
                return candidate
        raise TranslationUnavailable(f"{self.name} does not translate into {language}")

    async def translate(self, texts: Sequence[str], target: str, source: str) -> list[str]:
        if not texts:
            return []
        try:
            async with self._client() as client:
                body: dict[str, Any] = {
                    "q": list(texts),
                    "source": await self.code(client, source),
                    "target": await self.code(client, target),
                    "format": "text",
                }
                if self.api_key:
                    body["api_key"] = self.api_key
                response = await client.post("/translate", json=body)
                if response.status_code != 200:
                    detail = _error_of(response)
                    raise TranslationUnavailable(
                        f"{self.name} answered {response.status_code}: {detail}"
                    )
                answer = response.json().get("translatedText")
        except httpx.HTTPError as exc:
            raise TranslationUnavailable(
                f"{self.name} did not answer ({type(exc).__name__})"
            ) from exc
        if isinstance(answer, str) and len(texts) == 1:
            answer = [answer]
        if not isinstance(answer, list) or len(answer) != len(texts):
            raise TranslationUnavailable(f"{self.name} answered something else than translations")
        return [str(text) for text in answer]


def _error_of(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", ""))[:200]
    except ValueError:
        return response.text[:200]


# The engine in use: None until configured (from settings at start-up, or by a test).
_engine: Engine | None = None
_configured = False


def configure(settings: Any = None, *, engine: Engine | None = None) -> Engine | None:
    """Use ``engine``, or the one ``settings`` (shell.settings.Settings) describe; returns it."""
    global _engine, _configured
    if engine is None and settings is not None and settings.translation_url:
        engine = LibreTranslate(
            settings.translation_url,
            api_key=settings.translation_api_key,
            timeout=float(settings.translation_timeout),
        )
    _engine, _configured = engine, True
    return engine


def current_engine() -> Engine | None:
    """The configured engine, or None (the composer then says staff translate by hand)."""
    if not _configured:
        from shell.settings import Settings

        configure(Settings.from_env())
    return _engine


def memory_key(text: str, target: str, source: str) -> str:
    return hashlib.sha256(f"{source}\x00{target}\x00{text}".encode()).hexdigest()


async def recall(texts: Sequence[str], target: str, source: str = "ja") -> dict[str, str]:
    """What the memory holds for ``texts`` (source text → translation)."""
    from shell import db
    from shell.translation.tables import TranslationMemory

    keys = {memory_key(t, target, source): t for t in texts if t.strip()}
    if not keys:
        return {}
    rows = await TranslationMemory.select(TranslationMemory.key, TranslationMemory.text).where(
        db.among(TranslationMemory.key, list(keys))
    )
    return {keys[row["key"]]: row["text"] for row in rows}


async def remember(
    source_text: str,
    target: str,
    text: str,
    *,
    source: str = "ja",
    origin: str = "staff",
    by: int | None = None,
) -> None:
    """Keep ``text`` as the translation of ``source_text``. A staff correction replaces what was
    there; a machine translation never replaces anything."""
    from shell.translation.tables import TranslationMemory

    if not source_text.strip() or not text.strip():
        return
    key = memory_key(source_text, target, source)
    row = TranslationMemory(
        key=key,
        source_lang=source,
        target_lang=target,
        source_text=source_text,
        text=text,
        origin=origin,
        corrected_by=by,
    )
    if origin == "machine":
        await TranslationMemory.insert(row).on_conflict(action="DO NOTHING")
        return
    await TranslationMemory.insert(row).on_conflict(
        target=TranslationMemory.key,
        action="DO UPDATE",
        values=[
            TranslationMemory.text,
            TranslationMemory.origin,
            TranslationMemory.corrected_by,
            (TranslationMemory.updated_at, dt.datetime.now(dt.UTC)),
        ],
    )


async def translate(texts: Sequence[str], target: str, source: str = "ja") -> list[str]:
    """``texts`` translated from ``source`` into ``target`` (language codes of shell.web.i18n):
    from the translation memory where it holds them, the rest from the engine (and remembered as
    the machine's). Raises :class:`TranslationUnavailable` when some text is in neither."""
    texts = list(texts)
    if any(len(t) > MAX_TEXT for t in texts):
        raise ValueError(f"a text is longer than {MAX_TEXT} characters")
    if target == source:
        return texts
    known = await recall(texts, target, source)
    missing = [t for t in dict.fromkeys(texts) if t.strip() and t not in known]
    if missing:
        engine = current_engine()
        if engine is None:
            raise TranslationUnavailable("no translation engine is configured")
        answers = await engine.translate(missing, target, source)
        for text, answer in zip(missing, answers, strict=True):
            known[text] = answer
            await remember(text, target, answer, source=source, origin="machine")
    return [known.get(t, t) for t in texts]
