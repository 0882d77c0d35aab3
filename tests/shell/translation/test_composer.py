"""The notification composer drafts the other languages by machine, says when it cannot, and
keeps what staff corrected in the translation memory."""

from __future__ import annotations

import pytest

from shell import translation
from shell.translation import LibreTranslate
from shell.translation.tables import TranslationMemory
from tests.helpers.flows import csrf_headers
from tests.helpers.libretranslate import libretranslate
from tests.shell.notifications.conftest import staff

FORM = {
    "title_ja": "断水のお知らせ",
    "body_ja": "明日の午前、工事のため水が止まります。",
    "topic": "city",
    "url": "/inbox",
    "urgency": "normal",
}


@pytest.fixture(autouse=True)
def _no_engine():
    yield
    translation.configure(engine=None)


async def test_without_an_engine_the_composer_says_so(app, districts):
    async with staff(app) as (client, _):
        page = await client.get("/staff/notifications/new")
        assert "機械翻訳のエンジンが設定されていません" in page.text
        drafted = await client.post(
            "/staff/notifications/translate", data=FORM, headers=csrf_headers(client)
        )
    assert drafted.status_code == 200
    assert "English" in drafted.text
    assert "の版は下書きできませんでした。手で入力してください。" in drafted.text
    assert 'value="断水のお知らせ"' in drafted.text  # nothing typed is lost
    assert await TranslationMemory.count() == 0


async def test_drafts_are_reviewed_and_corrections_are_kept_and_reused(app, districts):
    with libretranslate() as server:
        translation.configure(engine=LibreTranslate(server.url))
        async with staff(app) as (client, account):
            page = await client.get("/staff/notifications/new")
            assert "LibreTranslateで下書きします" in page.text
            drafted = await client.post(
                "/staff/notifications/translate", data=FORM, headers=csrf_headers(client)
            )
            assert 'value="[en] 断水のお知らせ"' in drafted.text
            assert 'name="mt_title_en" value="[en] 断水のお知らせ"' in drafted.text
            corrected = {
                **FORM,
                "title_en": "Water will be off",
                "mt_title_en": "[en] 断水のお知らせ",
                "body_en": "[en] 明日の午前、工事のため水が止まります。",
                "mt_body_en": "[en] 明日の午前、工事のため水が止まります。",
            }
            sent = await client.post(
                "/staff/notifications/", data=corrected, headers=csrf_headers(client)
            )
            assert sent.status_code == 303
            again = await client.post(
                "/staff/notifications/translate", data=FORM, headers=csrf_headers(client)
            )
        assert 'value="Water will be off"' in again.text  # the correction, not the machine
    kept = await TranslationMemory.select().where(TranslationMemory.origin == "staff")
    assert [(r["source_text"], r["text"], r["corrected_by"]) for r in kept] == [
        ("断水のお知らせ", "Water will be off", account["id"])
    ]
