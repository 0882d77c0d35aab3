"""sdk/examples/stamp-card: the partner app the end-to-end tests run as its own process, tested
here as its partner would, with machi_sdk.testing alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from machi_sdk import load_miniapp
from machi_sdk.testing import MemoryPlatform, check_miniapp_contract, miniapp_client

STAMP_CARD = Path(__file__).resolve().parents[2] / "sdk" / "examples" / "stamp-card"
CODE = "MACHI-STAMP:takeo-coffee:change-me"  # the defaults of card.Rules.from_env()


@pytest.fixture(name="stamp_card")
def fx_stamp_card():
    assert "STAMP_SHOP_CODE" not in os.environ
    return load_miniapp(STAMP_CARD)


def test_it_passes_the_contract(stamp_card):
    assert check_miniapp_contract(stamp_card) == []
    assert set(stamp_card.manifest.scopes) == {"profile.name", "storage", "notify"}


async def test_a_full_card_notifies_once_and_trades_for_the_reward(
    stamp_card, fake_shell, monkeypatch
):
    memory = MemoryPlatform("stamp-card")
    app = fake_shell.create_app(stamp_card, platform=memory.platform)
    token = fake_shell.token(
        "stamp-card", sub="pw-7", scopes=["profile.name", "storage", "notify"],
        claims={"profile.name": "武雄 花子"},
    )  # fmt: skip
    # One stamp a day: each visit on the next day.
    days = iter(f"2026-12-0{n}" for n in range(1, 8))
    monkeypatch.setattr("machi_miniapp_stamp_card.routes.today", lambda: next(days))
    async with miniapp_client(app, token, htmx=True) as client:
        wrong = await client.post("/stamps", data={"code": "MACHI-STAMP:other-shop:x"})
        assert "このお店のQRコードではありません" in wrong.text
        too_soon = await client.post("/rewards")
        assert "スタンプがまだたまっていません" in too_soon.text
        for n in range(1, 6):
            stamped = await client.post("/stamps", data={"code": CODE})
            assert f"スタンプ {n} / 5" in stamped.text
        assert len(memory.notifications) == 1
        assert memory.notifications[0]["resident"] == "pw-7"
        full = await client.post("/stamps", data={"code": CODE})
        assert "カードがいっぱいです" in full.text
        redeemed = await client.post("/rewards")
        assert "特典と交換しました" in redeemed.text
        assert "スタンプ 0 / 5" in redeemed.text
    assert memory.kpis == {"stamps": 5, "rewards": 1}


async def test_one_stamp_a_day(stamp_card, fake_shell):
    memory = MemoryPlatform("stamp-card")
    app = fake_shell.create_app(stamp_card, platform=memory.platform)
    token = fake_shell.token("stamp-card", scopes=["storage"])
    async with miniapp_client(app, token, htmx=True) as client:
        await client.post("/stamps", data={"code": CODE})
        again = await client.post("/stamps", data={"code": CODE})
    assert "きょうのスタンプはもう押しました" in again.text
    assert memory.kpis == {"stamps": 1}
