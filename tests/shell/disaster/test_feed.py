"""The JMA feed reader: lists warning documents from an Atom feed, imports each once.

The feed and its documents are served by httpx's MockTransport (no network); the documents are
the ones built to the shared README in jma_documents/.
"""

from __future__ import annotations

import dataclasses

import httpx

from shell.disaster import feed, queries
from shell.disaster.tables import JmaReport
from tests.shell.disaster.test_jma import OURS

FEED_URL = "https://feed.example/extra.xml"


def atom(*entries: tuple[str, str, str]) -> bytes:
    items = "".join(
        f"<entry><title>{title}</title><id>{url}</id><author><name>{office}</name></author>"
        f'<link type="application/xml" href="{url}"/></entry>'
        for title, office, url in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>高頻度（随時）</title>{items}</feed>"
    ).encode()


FEED = atom(  # newest first, as feeds list them
    ("気象警報・注意報（Ｈ２７）", "佐賀地方気象台", "https://docs.example/02.xml"),
    ("震度速報", "気象庁", "https://docs.example/quake.xml"),
    ("気象警報・注意報（Ｈ２７）", "佐賀地方気象台", "https://docs.example/01.xml"),
)
DOCUMENTS = {
    "https://docs.example/01.xml": OURS / "01_takeo_heavy_rain_issued.xml",
    "https://docs.example/02.xml": OURS / "02_takeo_continued_karatsu_cleared.xml",
}


def client(fetched: list[str]) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        fetched.append(url)
        if url == FEED_URL:
            return httpx.Response(200, content=FEED)
        if url in DOCUMENTS:
            return httpx.Response(200, content=DOCUMENTS[url].read_bytes())
        return httpx.Response(404)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


def test_only_warning_entries_are_listed_oldest_first():
    listed = feed.entries(FEED)
    assert [entry.url for entry in listed] == [
        "https://docs.example/01.xml",
        "https://docs.example/02.xml",
    ]
    assert listed[0].office == "佐賀地方気象台"


async def test_the_feed_is_imported_once_however_often_it_is_read(db, settings, districts, jobs):
    configured = dataclasses.replace(settings, jma_feed_url=FEED_URL)
    fetched: list[str] = []
    async with client(fetched) as http:
        first = await feed.poll(configured, http)
        assert [outcome.decision for outcome in first] == ["mode_on", "recorded"]
        again = await feed.poll(configured, http)
    assert again == []
    assert fetched.count("https://docs.example/01.xml") == 1  # not fetched twice
    assert "https://docs.example/quake.xml" not in fetched
    assert await JmaReport.count() == 2
    assert await queries.mode(settings.municipality_code) is not None


async def test_a_document_that_cannot_be_fetched_is_left_for_the_next_read(
    db, settings, districts, jobs
):
    configured = dataclasses.replace(settings, jma_feed_url=FEED_URL)
    missing = DOCUMENTS.pop("https://docs.example/01.xml")
    try:
        async with client([]) as http:
            assert [o.source for o in await feed.poll(configured, http)] == [
                "https://docs.example/02.xml"
            ]
    finally:
        DOCUMENTS["https://docs.example/01.xml"] = missing
    async with client([]) as http:
        assert [o.source for o in await feed.poll(configured, http)] == [
            "https://docs.example/01.xml"
        ]


async def test_without_a_feed_nothing_is_read(db, settings):
    fetched: list[str] = []
    async with client(fetched) as http:
        assert await feed.poll(settings, http) == []
    assert fetched == []
