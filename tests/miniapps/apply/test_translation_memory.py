"""A clerk's correction of the machine translation of a message to a resident is kept by the city
and reused: through the shell's real in-process platform, not the SDK's fake."""

from __future__ import annotations

import pytest
from machi_sdk.testing import DEFAULT_SHELL_URL, miniapp_client

from shell import translation
from shell.platform_api.inprocess import platform_for
from shell.translation.tables import TranslationMemory
from tests.shell.platform_api.conftest import staff_of_app

from .conftest import ALL_SCOPES, MINIAPP, module, text, token

actions = module("actions")


class Engine:
    name = "test engine"

    async def translate(self, texts, target, source):
        return [f"[{target}] {text}" for text in texts]


@pytest.fixture(name="city_platform")
def fx_city_platform(settings, monkeypatch):
    monkeypatch.setattr(translation, "_engine", Engine())
    monkeypatch.setattr(translation, "_configured", True)
    return platform_for("apply", settings)


async def test_a_clerks_correction_is_what_the_city_translates_the_message_into_later(
    demo, shell, districts, jobs, city_platform
):
    clerk = await staff_of_app("apply", "clerk", "counter")
    await staff_of_app("apply", "lan", None, ALL_SCOPES)
    web = MINIAPP.create_app(
        shell_url=DEFAULT_SHELL_URL, keys=shell.keys(), platform=city_platform, debug=True
    )
    resident = token(shell, "lan", locale="en", claims={"profile.name": "Nguyen Thi Lan"})
    answers = {"action": "submit", "name": "Nguyen Thi Lan", "dog_name": "Momo", "tag": "武-77",
               "change": "address", "new_address": "武雄町昭和1", "consent": "1"}  # fmt: skip
    async with miniapp_client(web, resident, htmx=True) as client:
        assert (await client.post("/forms/dog-change", data=answers)).status_code == 200
    number = (await actions.mine("lan"))[0]["number"]
    original = "犬の鑑札番号を確かめてください。"
    fixed = "Please check the number on your dog's licence tag."
    async with miniapp_client(web, token(shell, "clerk", roles=("counter",)), htmx=True) as client:
        preview = await client.post(f"/staff/a/{number}", data={
            "action": "correction", "message": original, "translate": "1"})  # fmt: skip
        assert f"[en] {original}" in text(preview)  # the machine's, for the clerk to check
        assert 'name="machine_translated"' in preview.text
        saved = await client.post(f"/staff/a/{number}", data={
            "action": "correction", "message": original, "translated": fixed,
            "machine_translated": f"[en] {original}"})  # fmt: skip
        assert saved.status_code == 200, text(saved)

    # The next message with the same words, in this app or another, is translated the clerk's way.
    assert await city_platform.translate([original], "en") == [fixed]
    assert await translation.translate([original], "en") == [fixed]
    (row,) = await TranslationMemory.select().where(TranslationMemory.source_text == original)
    assert (row["origin"], row["corrected_by"]) == ("staff", clerk)
