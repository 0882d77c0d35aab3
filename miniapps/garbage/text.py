"""Folding text for the sorting dictionary: NFKC, katakana as hiragana, lower case."""

from __future__ import annotations

import unicodedata

_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def fold(text: str) -> str:
    """``ペットボトル`` and ``ぺっとぼとる`` fold alike; full-width letters become ASCII."""
    return unicodedata.normalize("NFKC", text).translate(_KATAKANA).lower().strip()


def bigrams(text: str) -> set[str]:
    """Character pairs of the folded text without spaces or punctuation (for plain-word search)."""
    kept = "".join(ch for ch in fold(text) if unicodedata.category(ch)[0] in "LN")
    if len(kept) == 1:
        return {kept}
    return {kept[i : i + 2] for i in range(len(kept) - 1)}
