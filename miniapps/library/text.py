"""Japanese-aware tokens for the full-text index: character bigrams of folded text.

Folding: NFKC (full-width letters and digits as ASCII, half-width kana as full-width), katakana
as hiragana (so a reading typed in either kana finds the book), lower case. Each field's letters
and digits, without spaces and punctuation, give their character bigrams, so 「賢者」 and
「けんじゃ」 both find a title whose text or reading holds them, with no dictionary.

Tokens are stored as ``t`` + the hex of their UTF-8 bytes: plain ASCII words that SQLite's
``unicode61`` tokenizer and PostgreSQL's ``simple`` parser split identically whatever the
database's locale, and a prefix of a token is the token of a prefix (one-character queries).
"""

from __future__ import annotations

import re
import unicodedata

_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_RUN = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").translate(_KATAKANA).lower()


def squash(text: str) -> str:
    """The folded text without spaces and punctuation."""
    return "".join(_RUN.findall(fold(text)))


def grams(text: str) -> list[str]:
    """The bigrams of the folded text with spaces and punctuation left out, in order, repeats
    kept once; one character gives itself. 「夏目 漱石」 and 「夏目漱石」, 「ハリー・ポッター」 and
    「はりーぽったー」 give the same bigrams."""
    kept = squash(text)
    if len(kept) == 1:
        return [kept]
    return list(dict.fromkeys(kept[i : i + 2] for i in range(len(kept) - 1)))


def token(gram: str) -> str:
    return "t" + gram.encode("utf-8").hex()


def document(*fields: str) -> str:
    """The ``search_text`` of a record: every field's bigram tokens, space separated."""
    seen: dict[str, None] = {}
    for field in fields:
        for gram in grams(field):
            seen[token(gram)] = None
    return " ".join(seen)


def isbn_digits(text: str) -> str | None:
    """The ISBN in a query (10 or 13 digits, hyphens and spaces allowed), else None."""
    digits = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or "")).upper()
    if re.fullmatch(r"97[89]\d{10}|\d{9}[\dX]", digits):
        return digits
    return None


def isbn13(digits: str) -> str:
    """An ISBN-10 as ISBN-13 (978 prefix, new check digit); an ISBN-13 unchanged."""
    if len(digits) == 13:
        return digits
    core = "978" + digits[:9]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)
