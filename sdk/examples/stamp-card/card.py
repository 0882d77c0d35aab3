"""The rules of the card, apart from the web: a stamp per visit day, a reward when full."""

from __future__ import annotations

import datetime as dt
import hmac
import os
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

SHOP_TIME = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Rules:
    shop: str
    code: str
    size: int = 5

    @classmethod
    def from_env(cls) -> Rules:
        return cls(
            shop=os.environ.get("STAMP_SHOP", "takeo-coffee"),
            code=os.environ.get("STAMP_SHOP_CODE", "change-me"),
            size=int(os.environ.get("STAMP_CARD_SIZE", "5")),
        )

    def qr_text(self) -> str:
        """What the QR code at the till says."""
        return f"MACHI-STAMP:{self.shop}:{self.code}"

    def is_ours(self, text: str) -> bool:
        return hmac.compare_digest(text.strip().encode(), self.qr_text().encode())


@dataclass(frozen=True)
class Card:
    stamps: int = 0
    last_day: str = ""

    @classmethod
    def from_storage(cls, value: Any) -> Card:
        if not isinstance(value, dict):
            return cls()
        return cls(int(value.get("stamps", 0)), str(value.get("last_day", "")))

    def to_storage(self) -> dict[str, Any]:
        return {"stamps": self.stamps, "last_day": self.last_day}


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def today() -> str:
    return dt.datetime.now(SHOP_TIME).date().isoformat()


def stamp(card: Card, rules: Rules, text: str, day: str) -> Card:
    """One more stamp for a visit today; refused for another shop's code or a second one today."""
    if not rules.is_ours(text):
        raise Refused("not_our_code")
    if card.stamps >= rules.size:
        raise Refused("full")
    if card.last_day == day:
        raise Refused("already_today")
    return Card(card.stamps + 1, day)


def redeem(card: Card, rules: Rules) -> Card:
    if card.stamps < rules.size:
        raise Refused("not_full")
    return Card(0, card.last_day)
