"""A resident reading English sees English on every page of a demo procedure (the data has English
labels too); only the Japanese originals that must stay (addresses typed in Japanese) remain."""

from __future__ import annotations

import re

from machi_sdk.testing import miniapp_client

from .conftest import module, text, token

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]+")


async def test_english_pages(demo, web, shell):
    actions = module("actions")
    resident = token(shell, "en-1", locale="en", claims={"profile.name": "Ana Silva"})
    async with miniapp_client(web, resident, htmx=True) as client:
        pages = [await client.get(path) for path in ("/", "/forms/juminhyo", "/reports")]
        sent = await client.post("/forms/dog-tag", data={
            "action": "submit", "name": "Ana Silva", "dog_name": "Bolt", "reason": "lost",
            "receive": "counter", "consent": "1"})  # fmt: skip
        pages.append(sent)
        number = (await actions.mine("en-1"))[0]["number"]
        assert f'data-description="Reissue of a dog licence tag fee (ref. {number})"' in sent.text
        pages.append(await client.get(f"/a/{number}"))
    for page in pages:
        assert page.status_code == 200
        # the city's own Japanese names in the demo data are allowed: section and tag examples
        left = set(JAPANESE.findall(text(page))) - {"市民課", "住民係", "環境課", "武"}
        assert left == set(), (page.url, left)
