"""Read an Atom feed of JMA disaster information and import the warning documents it lists.

The feed names each document in an ``<entry>`` (title 気象警報・注意報（Ｈ２７）, 気象特別警報・
警報・注意報 or 土砂災害警戒情報; author the issuing office; ``<link href>`` the document). Each
document is fetched once: one already imported from that address is skipped, and the importer
itself ignores the same bytes twice, so reading the feed again and again is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from xml.etree import ElementTree

import httpx

from shell.disaster import jma
from shell.disaster.importer import Outcome, import_document
from shell.disaster.tables import JmaReport
from shell.settings import Settings

log = logging.getLogger("machi.disaster.feed")

ATOM = "{http://www.w3.org/2005/Atom}"
WANTED = ("気象警報・注意報", "気象特別警報・警報・注意報", "土砂災害警戒情報")
TIMEOUT = httpx.Timeout(15.0)
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    title: str
    office: str
    url: str


def entries(feed: bytes) -> list[Entry]:
    """The warning documents an Atom feed lists, oldest first."""
    if not jma.safe_to_parse(feed):
        raise jma.NotAWarningDocument("the feed declares a DTD or entities")
    root = ElementTree.fromstring(feed)  # noqa: S314  (DTDs refused above)
    found = []
    for entry in root.findall(f"{ATOM}entry"):
        title = (entry.findtext(f"{ATOM}title") or "").strip()
        if not any(title.startswith(wanted) for wanted in WANTED):
            continue
        link = entry.find(f"{ATOM}link")
        url = (link.get("href") or "").strip() if link is not None else ""
        if not url.startswith(("https://", "http://")):
            continue
        office = (entry.findtext(f"{ATOM}author/{ATOM}name") or "").strip()
        found.append(Entry(title, office, url))
    found.reverse()  # feeds list the newest first
    return found


async def _get(client: httpx.AsyncClient, url: str) -> bytes:
    response = await client.get(url)
    response.raise_for_status()
    if len(response.content) > MAX_BYTES:
        raise ValueError(f"{url}: larger than {MAX_BYTES} bytes")
    return response.content


async def poll(settings: Settings, client: httpx.AsyncClient | None = None) -> list[Outcome]:
    """Read the feed once and import every listed warning document not imported before."""
    if not settings.jma_feed_url:
        return []
    own = client is None
    client = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=True)
    outcomes = []
    try:
        for entry in entries(await _get(client, settings.jma_feed_url)):
            if await JmaReport.exists().where(JmaReport.source == entry.url[:500]):
                continue
            try:
                data = await _get(client, entry.url)
                outcomes.append(await import_document(data, entry.url, settings))
            except (httpx.HTTPError, ValueError) as exc:  # the next read tries again
                log.warning("JMA document %s not imported: %s", entry.url, exc)
    finally:
        if own:
            await client.aclose()
    return outcomes
