"""Reading aids a person chooses once: furigana over kanji, a larger text size and a high-contrast
theme. Kept on the account (``identity_account.furigana``, ``text_size``, ``contrast``); before
signing in, in the ``machi_display`` cookie."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from shell.identity.tables import Account
from shell.web.i18n import lazy

DISPLAY_COOKIE = "machi_display"
TEXT_SIZES = {"normal": lazy("標準"), "large": lazy("大きい"), "largest": lazy("とても大きい")}
CONTRASTS = {"normal": lazy("標準"), "high": lazy("高コントラスト（白地に黒）")}


@dataclass(frozen=True)
class Display:
    furigana: bool = False
    text_size: str = "normal"
    contrast: str = "normal"

    @property
    def theme(self) -> str:
        """The theme the bridge tells mini-apps (``machi.theme``)."""
        return "high-contrast" if self.contrast == "high" else "light"

    def cookie(self) -> str:
        return f"{int(self.furigana)}.{self.text_size}.{self.contrast}"


def parse(furigana: Any, text_size: Any, contrast: Any) -> Display:
    """A valid :class:`Display`; anything unknown is the default (never an error page)."""
    return Display(
        furigana=str(furigana).lower() in {"1", "true", "on", "yes"},
        text_size=text_size if text_size in TEXT_SIZES else "normal",
        contrast=contrast if contrast in CONTRASTS else "normal",
    )


def from_cookie(value: str | None) -> Display:
    parts = (value or "").split(".")
    if len(parts) != 3:
        return Display()
    return parse(parts[0], parts[1], parts[2])


def for_request(request: Request[Any, Any, Any]) -> Display:
    account = request.state.get("account")
    if account and "furigana" in account:
        return parse(account["furigana"], account["text_size"], account["contrast"])
    return from_cookie(request.cookies.get(DISPLAY_COOKIE))


async def save(account_id: int, display: Display) -> None:
    await Account.update(
        {
            Account.furigana: display.furigana,
            Account.text_size: display.text_size,
            Account.contrast: display.contrast,
        }
    ).where(Account.id == account_id)
