"""The resident's household (世帯), kept as a keyed hash of the registered address and nothing more.

At verification the clerk (or the identity provider) gives the address on the resident register
(住民票の住所). The shell normalises it, so that the same address typed or issued in another form
gives the same key, and keeps only ``HMAC(city secret, address)``: the address itself is stored
nowhere, and without the secret no one can test an address against the key (addresses are few
enough to try them all).

Mini-apps never see the key. With the ``resident.household`` scope an app gets a *pairwise*
household id: the same for everyone of one household in that app, different in every other app.
A resident verified before households existed has no key: they count as a household of one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from webauthn.helpers import bytes_to_base64url

from shell.resident_id.queries import household_of

# Dashes people and systems write between the numbers of a block address (丁目・番地・号).
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff70\u2500\u2501\u301c\uff5e"
_DASH_AFTER_DIGIT = re.compile(rf"(?<=[0-9])[{_DASHES}-]+")
_PREFECTURE = re.compile(r"^(東京都|北海道|京都府|大阪府|[^\s都道府県]{2,3}県)")
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                 "九": 9}  # fmt: skip
_KANJI_NUMBER = "〇一二三四五六七八九十百千"
# A kanji number is read as a block number only before these markers, so that place names such
# as 三日月町 or 一番町 keep their kanji.
_KANJI_BLOCK = re.compile(rf"([{_KANJI_NUMBER}]+)(?=丁目|番地|番(?=[0-9{_KANJI_NUMBER}の-])|号)")
# ... and after a block number's marker, when no other kanji follows (番地五 but not 番地五反田).
_KANJI_AFTER = re.compile(
    rf"(?<=丁目|番地|地の|[0-9]番|[0-9]の|[0-9]-)([{_KANJI_NUMBER}]+)(?=号|-|$|[^\u3400-\u9fff々])"
)
_BLOCK_MARKERS = (
    (re.compile(r"([0-9]+)丁目"), r"\1-"),
    (re.compile(r"([0-9]+)番地?の(?=[0-9])"), r"\1-"),
    (re.compile(r"([0-9]+)番地?(?=[0-9]|の|$)"), r"\1-"),
    (re.compile(r"([0-9]+)番地"), r"\1"),
    (re.compile(r"([0-9]+)の(?=[0-9])"), r"\1-"),
    (re.compile(r"([0-9]+)号室"), r"\1"),
    (re.compile(r"([0-9]+)号"), r"\1"),
)


def _kanji_to_int(text: str) -> int:
    """一二三 style (一〇二) or 十百千 style (百二十三) kanji numbers."""
    if all(ch in _KANJI_DIGITS for ch in text):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[ch]
        else:
            total += (digit or 1) * {"十": 10, "百": 100, "千": 1000}[ch]
            digit = 0
    return total + digit


def normalise_address(address: str, municipality: str = "") -> str:
    """The address in one canonical form: NFKC, no spaces, the prefecture, the city's own name
    and 大字 left out, block numbers as ``1-2-3`` (from 1丁目2番地3号, 一丁目2番3, 1－2－3, …);
    a building and room stay (two flats of one building are two households)."""
    text = unicodedata.normalize("NFKC", address)
    text = "".join(text.split())
    text = _PREFECTURE.sub("", text, count=1)
    city = "".join(unicodedata.normalize("NFKC", municipality).split())
    if city and text.startswith(city):
        text = text[len(city) :]
    text = text.replace("大字", "")
    text = _KANJI_BLOCK.sub(lambda m: str(_kanji_to_int(m[1])), text)
    text = _KANJI_AFTER.sub(lambda m: str(_kanji_to_int(m[1])), text)
    for pattern, replacement in _BLOCK_MARKERS:
        text = pattern.sub(replacement, text)
    text = _DASH_AFTER_DIGIT.sub("-", text)
    text = re.sub(r"-+", "-", text)
    return text.strip("-")


def household_key(secret: str, address: str, municipality: str = "") -> str:
    """The key kept on the verification: an HMAC of the normalised address under the city's
    secret; ``""`` when nothing of an address is left to key."""
    normalised = normalise_address(address, municipality)
    if not normalised:
        return ""
    message = f"household:{normalised}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def pairwise_household(secret: str, app_id: str, account_id: int, key: str) -> str:
    """The household id ``app_id`` sees: the same for every member of the household in that app,
    unlinkable across apps. Without a key (verified before households) the resident is a
    household of one, keyed by their account."""
    member = key or f"account:{account_id}"
    digest = hmac.new(secret.encode(), f"household:{app_id}:{member}".encode(), hashlib.sha256)
    return bytes_to_base64url(digest.digest()[:18])


async def household_for_app(secret: str, app_id: str, account_id: int) -> str | None:
    """The pairwise household id of a verified resident in ``app_id``; ``None`` if unverified."""
    key = await household_of(account_id)
    return None if key is None else pairwise_household(secret, app_id, account_id, key)
