"""A teacher's correction of a letter's translation is kept by the city and reused: through the
shell's real in-process platform, not the SDK's fake."""

from __future__ import annotations

import pytest
from machi_sdk.testing import miniapp_client

from shell import translation
from shell.platform_api.inprocess import platform_for
from shell.translation.tables import TranslationMemory
from tests.shell.platform_api.conftest import staff_of_app

from .conftest import MINIAPP, module, token

actions = module("actions")
tables = module("tables")


class Engine:
    name = "test engine"

    async def translate(self, texts, target, source):
        return [f"[{target}] {text}" for text in texts]


@pytest.fixture(name="city_platform")
def fx_city_platform(settings, monkeypatch):
    monkeypatch.setattr(translation, "_engine", Engine())
    monkeypatch.setattr(translation, "_configured", True)
    return platform_for("school", settings)


async def test_a_teachers_correction_is_what_the_city_translates_the_text_into_later(
    school, shell, districts, settings, city_platform
):
    clerk = await staff_of_app("school", "teacher-a", "school_staff")
    await actions.link_child("parent-vi", school["code"], locale="vi", notify=True)
    web = shell.create_app(MINIAPP, platform=city_platform)
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    form = {"nonce": "tm1", "audience": "class", "title": "遠足の持ち物", "body": "水筒と雨具",
            "draft": "1"}  # fmt: skip
    async with miniapp_client(web, teacher, htmx=True) as client:
        page = await client.post(f"/staff/classes/{school['one']}/letters", data=form)
        assert "[vi] 水筒と雨具" in page.text  # the machine's draft, for the teacher to check
        letter_id = (await tables.SchoolLetter.select())[0]["id"]
        fixed = {"lang": "vi", "title": "[vi] 遠足の持ち物", "body": "Bình nước và áo mưa"}
        saved = await client.post(f"/staff/letters/{letter_id}/texts", data=fixed)
        assert saved.status_code == 200

    # Any later translation of the same words, by this app or another, answers the teacher's.
    assert await city_platform.translate(["水筒と雨具"], "vi") == ["Bình nước và áo mưa"]
    other_app = platform_for("apply", settings)
    assert await other_app.translate(["水筒と雨具"], "vi") == ["Bình nước và áo mưa"]
    kept = {r["source_text"]: r for r in await TranslationMemory.select()}
    assert (kept["水筒と雨具"]["origin"], kept["水筒と雨具"]["corrected_by"]) == ("staff", clerk)
    assert kept["遠足の持ち物"]["origin"] == "machine"  # the title the teacher left as it was
