"""Furigana: ruby readings over kanji, made on the server with SudachiPy and its core dictionary
(both pinned from the package index).

:func:`annotate_html` rewrites a rendered page: every text in Japanese (by the nearest ``lang``,
so an English fragment inside a Japanese page is left alone) outside scripts, styles, form
fields, titles and existing ruby gets ``<ruby>漢字<rt>かんじ</rt></ruby>``; okurigana stay outside
the ruby (受<rt>う</rt>け取<rt>と</rt>り). Readings of a text are cached.
"""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache
from html.parser import HTMLParser
from typing import Any

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANJI_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]+)")
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
_SKIP = frozenset(
    {"script", "style", "textarea", "title", "option", "ruby", "rt", "rp", "code", "pre", "svg"}
)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr", "param"}
)  # fmt: skip
_lock = threading.Lock()


@cache
def _tokenizer() -> Any:
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="core").tokenizer(mode=SplitMode.C)


def hiragana(text: str) -> str:
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def _align(surface: str, reading: str) -> list[tuple[str, str | None]]:
    """Split a word into kanji runs with their readings and kana left as they are."""
    parts = [p for p in _KANJI_RUN.split(surface) if p]
    pattern = "".join("(.+?)" if _KANJI_RUN.fullmatch(p) else re.escape(hiragana(p)) for p in parts)
    found = re.fullmatch(pattern, reading)
    if found is None:
        return [(surface, reading)]
    groups = iter(found.groups())
    return [(p, next(groups)) if _KANJI_RUN.fullmatch(p) else (p, None) for p in parts]


@lru_cache(maxsize=8192)
def readings(text: str) -> tuple[tuple[str, str | None], ...]:
    """``text`` cut into pieces, each with its hiragana reading when it holds kanji."""
    if not _KANJI.search(text):
        return ((text, None),)
    with _lock:
        morphemes = [(m.surface(), m.reading_form()) for m in _tokenizer().tokenize(text)]
    pieces: list[tuple[str, str | None]] = []
    for surface, reading in morphemes:
        reading = hiragana(reading)
        if not _KANJI.search(surface) or not reading or _KANJI.search(reading):
            pieces.append((surface, None))
        else:
            pieces.extend(_align(surface, reading))
    return tuple(pieces)


def ruby(text: str) -> str:
    """``text`` (already HTML: no markup, entities outside it) with ruby over its kanji."""
    return "".join(
        f"<ruby>{surface}<rt>{reading}</rt></ruby>" if reading else surface
        for surface, reading in readings(text)
    )


class _Annotator(HTMLParser):
    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        # (tag, Japanese?, skipped?) of every open element
        self.stack: list[tuple[str, bool, bool]] = [("", language.startswith("ja"), False)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")
        if tag in _VOID:
            return
        _, japanese, skipped = self.stack[-1]
        lang = dict(attrs).get("lang")
        if lang is not None:
            japanese = lang.lower().startswith("ja")
        self.stack.append((tag, japanese, skipped or tag in _SKIP))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        _, japanese, skipped = self.stack[-1]
        self.out.append(ruby(data) if japanese and not skipped else data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def annotate_html(html: str, language: str = "ja") -> str:
    """``html`` with ruby over the kanji of its Japanese text; ``language`` is the language of
    text outside any element with a ``lang`` (a fragment's page)."""
    parser = _Annotator(language)
    parser.feed(html)
    parser.close()
    return "".join(parser.out)
