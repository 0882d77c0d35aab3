"""Read-aloud and furigana inside a first-party mini-app (the garbage calendar), in Chromium.

With furigana on, the app's Japanese page gets ruby from the shell's analyser (machi.js asks over
the bridge); the app's read-aloud button hands the page's sentences to the shell, which speaks
them (the page hook of test_languages stands in for the synthesiser) and tells the app which one
it is reading: that sentence is highlighted inside the app's page; pause and stop work from the
shell's bar, and stopping gives the page back as it was. axe on the whole screen."""

from __future__ import annotations

import pytest
from axe import check_axe
from pages import add_virtual_authenticator
from pages.identity import Resident, sign_up
from playwright.async_api import Page, expect
from test_languages import SPEECH_HOOK, spoken

pytestmark = pytest.mark.e2e

# The sentence marked in the app's page: its index and its text (all its pieces).
CURRENT = """() => {
  const marked = [...document.querySelectorAll(".machi-sentence--reading")];
  return { index: marked.length ? Number(marked[0].dataset.machiSentence) : -1,
           text: marked.map((span) => span.textContent).join("") };
}"""


async def test_a_miniapp_page_is_read_aloud_sentence_by_sentence_with_furigana(page: Page):
    await add_virtual_authenticator(page)
    await page.add_init_script(SPEECH_HOOK)
    await sign_up(page, Resident(name="振仮 名子", kana="ふりが なこ", district="takeo"))
    await page.get_by_test_id("language-link").click()
    await page.get_by_test_id("display-furigana").check()
    await page.get_by_test_id("display-save").click()

    await page.goto("/")
    await page.get_by_test_id("tile-garbage").click()
    await page.get_by_test_id("consent-allow").click()
    frame = page.frame_locator('[data-testid="miniapp-frame"]')
    await expect(frame.locator("html")).to_have_attribute("lang", "ja")
    # A kanji word of the app's page carries its reading, from the shell's analyser.
    ruby = frame.locator("main ruby").first
    await expect(ruby).to_be_attached()
    await expect(ruby.locator("rt")).not_to_be_empty()
    assert await frame.locator("main [data-machi-sentence]").count() == 0

    before = len(await spoken(page))
    await frame.get_by_test_id("machi-read-aloud").click()
    await expect(page.get_by_test_id("read-aloud-bar")).to_be_visible()
    reading = frame.locator(".machi-sentence--reading")
    await expect(reading.first).to_be_visible()
    app = next(f for f in page.frames if f.url.startswith("http://garbage."))
    marked = await app.evaluate(CURRENT)
    said = (await spoken(page))[before:]
    assert said[0]["lang"] == "ja-JP"
    assert marked["text"] == said[marked["index"]]["text"]  # the sentence said, its rt not read
    # The shell moves on to the next sentence, and so does the highlight inside the app.
    second = frame.locator('.machi-sentence--reading[data-machi-sentence="1"]')
    await expect(second).not_to_have_count(0)
    assert await frame.locator('.machi-sentence--reading[data-machi-sentence="0"]').count() == 0

    await page.get_by_test_id("read-aloud-pause").click()
    assert await page.evaluate("window.__paused")
    await expect(reading.first).to_be_visible()  # still marked while paused
    # axe while paused: reading on, the page could finish during a slow check and hide the bar
    await check_axe(page)
    await page.get_by_test_id("read-aloud-stop").click()
    await expect(page.get_by_test_id("read-aloud-bar")).to_be_hidden()
    await expect(frame.locator("main [data-machi-sentence]")).to_have_count(0)  # page as it was
    await expect(frame.locator("main ruby").first).to_be_attached()

    # No voice for the page's language on this device: the shell says so, nothing is marked.
    await page.evaluate("window.__voices = window.__voices.filter(v => v.lang !== 'ja-JP')")
    before = len(await spoken(page))
    await frame.get_by_test_id("machi-read-aloud").click()
    status = page.get_by_test_id("read-aloud-status")
    await expect(status).to_contain_text("声がありません")
    await expect(frame.locator("main [data-machi-sentence]")).to_have_count(0)
    assert len(await spoken(page)) == before
