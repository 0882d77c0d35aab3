"""Reading aids a person chooses once: furigana over kanji, a larger text size and a high-contrast
theme. Kept on the account (``identity_account.furigana``, ``text_size``, ``contrast``); before
signing in, in the ``machi_display`` cookie.

Mini-apps get them over the bridge: the launch page tells the frame (``data-theme``,
``data-text-size``, ``data-furigana``), and for furigana the frame's machi.js sends its Japanese
texts through the shell's page to :func:`furigana_readings`, which answers the readings from the
shell's analyser and cache; machi.js puts them in the app's page as ``<ruby>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Request, post
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

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


MAX_RUBY_TEXTS = 300
MAX_RUBY_CHARS = 20_000


class RubyRequest(msgspec.Struct):
    """Japanese texts of a mini-app's page (each a text node of it)."""

    texts: Annotated[list[Annotated[str, msgspec.Meta(max_length=2000)]],
                     msgspec.Meta(min_length=1, max_length=MAX_RUBY_TEXTS)]  # fmt: skip


def _readings(texts: list[str]) -> list[list[list[str | None]]]:
    from shell.translation.furigana import readings  # the analyser loads on first use

    return [[[surface, reading] for surface, reading in readings(text)] for text in texts]


@post("/display/furigana", status_code=200, include_in_schema=False)
async def furigana_readings(data: JSONBody[RubyRequest]) -> dict[str, Any]:
    """``{"ruby": [[[surface, reading or null], ...], ...]}``: each text cut into pieces, with the
    hiragana reading of each piece holding kanji. The shell's frame host asks it for a mini-app
    whose resident turned furigana on (machi.js builds the ``<ruby>`` itself: no HTML crosses)."""
    if sum(len(text) for text in data.texts) > MAX_RUBY_CHARS:
        raise ValidationException(f"at most {MAX_RUBY_CHARS} characters at a time")
    return {"ruby": await anyio.to_thread.run_sync(_readings, list(data.texts))}
