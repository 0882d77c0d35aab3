"""A text shown in another language than the page's says so with ``lang`` (mixed-language
fragments): a notification without an English version, read by an English reader."""

from __future__ import annotations

from shell import jobs
from shell.notifications.queries import language_of
from tests.helpers.flows import csrf_headers
from tests.shell.notifications.conftest import resident, staff


def test_the_language_a_text_is_shown_in():
    texts = {"ja": {"title": "お知らせ", "body": "本文"}}  # the composer keeps filled versions only
    assert language_of(texts, "en") == "ja"
    assert language_of({**texts, "en": {"title": "Notice", "body": "Text"}}, "en") == "en"


async def test_a_japanese_only_notice_is_marked_japanese_on_an_english_page(app, districts):
    async with resident(app) as (reader, _), staff(app) as (notifier, _):
        await reader.post(
            "/language", data={"language": "en", "next": "/"}, headers=csrf_headers(reader)
        )
        await notifier.get("/staff/notifications/new")
        sent = await notifier.post(
            "/staff/notifications/",
            data={
                "title_ja": "粗大ごみの受付",
                "body_ja": "電話で受け付けます。",
                "topic": "city",
                "url": "/inbox",
                "urgency": "normal",
                "district": [str(districts[0]["id"])],
            },
            headers=csrf_headers(notifier),
        )
        assert sent.status_code == 303
        await jobs.drain()
        inbox = await reader.get("/inbox")
        assert '<strong lang="ja">粗大ごみの受付</strong>' in inbox.text
        assert '<html lang="en"' in inbox.text
