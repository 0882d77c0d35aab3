"""Approved partner apps in the registry: cached for tiles and the CSP, read live for launches."""

from __future__ import annotations

import datetime as dt
import tomllib

from shell.developer.queries import ApprovedPartnerApps
from shell.developer.tables import PartnerApp
from shell.identity.tables import Account
from shell.miniapp_host import registry as registry_module
from shell.miniapp_host.registry import Registry
from tests.helpers.partner import manifest


async def _approved_app(districts) -> None:
    district = next(d for d in districts if d["code"] == "takeo")
    owner = Account(name="商店 主", name_kana="しょうてん あるじ", birth_date=dt.date(1970, 1, 1),
                    district=district["id"], webauthn_user_id="owner")  # fmt: skip
    await owner.save()
    await PartnerApp.insert(
        PartnerApp(
            slug="stamp",
            owner=owner.id,
            manifest_text=manifest(),
            manifest=tomllib.loads(manifest()),
            origin="https://stamp.example.jp",
            status="approved",
        )
    )


async def test_cached_for_tiles_but_live_for_launches(db, settings, districts, monkeypatch):
    await _approved_app(districts)
    registry = Registry(settings, partners=ApprovedPartnerApps())
    assert [app.id for app in await registry.aall()] == ["stamp"]
    assert await registry.aorigins() == ["https://stamp.example.jp"]
    app = await registry.aget("stamp", live=True)
    assert app is not None
    assert (app.publisher, app.scopes) == ("武雄スタンプ商店", ("profile.name",))
    assert app.icon_url == "https://stamp.example.jp/static/stamp/icon.svg"

    await PartnerApp.update({PartnerApp.status: "suspended"}, force=True)
    assert await registry.aget("stamp", live=True) is None  # at once
    assert await registry.aget("stamp") is not None  # the tile cache lags a few seconds...
    monkeypatch.setattr(registry_module, "PARTNER_CACHE_SECONDS", 0.0)
    assert await registry.aall() == []  # ...then follows the database
    assert registry.get("stamp") is None  # the sync lookup stays first-party only
