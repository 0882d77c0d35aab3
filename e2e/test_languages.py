"""Languages and read-aloud in Chromium: a resident switches to Vietnamese, then to Easy Japanese,
and presses "read aloud" in the shell and inside a mini-app. Speech synthesis is observed through
a page hook (an init script standing in for the device's synthesiser and its voices): what was
said, in which language, the sentence highlighted while it is said, pause and stop, and the plain
message when the device has no voice for the language. Larger text and high contrast reach the
mini-app too. axe on each language."""

from __future__ import annotations

import pytest
from axe import check_axe
from pages import add_virtual_authenticator
from pages.identity import Resident, sign_up
from playwright.async_api import Page, expect

pytestmark = pytest.mark.e2e

# The device's synthesiser: records each utterance, "speaks" it for 600 ms, then ends it.
SPEECH_HOOK = """
(() => {
  const voice = (lang) => ({ lang, name: "Test " + lang, voiceURI: lang, localService: true });
  window.__voices = [voice("ja-JP"), voice("vi-VN"), voice("en-US")];
  window.__spoken = [];
  window.__paused = false;
  window.__cancelled = 0;
  class Utterance {
    constructor(text) { this.text = text; this.lang = ""; this.voice = null; }
  }
  const synth = {
    speaking: false, pending: false, paused: false,
    getVoices() { return window.__voices; },
    addEventListener() {}, removeEventListener() {},
    speak(u) {
      window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.lang });
      setTimeout(() => {
        if (u.onstart) u.onstart({});
        setTimeout(() => { if (!window.__paused && u.onend) u.onend({}); }, 600);
      }, 20);
    },
    cancel() { window.__cancelled += 1; },
    pause() { window.__paused = true; },
    resume() { window.__paused = false; },
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  Object.defineProperty(window, "SpeechSynthesisUtterance", {
    value: Utterance, configurable: true,
  });
})();
"""


async def choose_language(page: Page, code: str) -> None:
    await page.get_by_test_id("language-link").click()
    await page.get_by_test_id(f"lang-{code}").check()
    await page.get_by_test_id("lang-save").click()
    await expect(page.locator("html")).to_have_attribute("lang", code)


async def spoken(page: Page) -> list[dict[str, str]]:
    return await page.evaluate("window.__spoken")


async def test_vietnamese_and_easy_japanese_with_read_aloud(page: Page):
    await add_virtual_authenticator(page)
    await page.add_init_script(SPEECH_HOOK)
    await sign_up(page, Resident(name="読上 花", kana="よみあげ はな", district="takeo"))

    # Larger text and high contrast, kept on the account, here and inside mini-apps.
    await page.get_by_test_id("language-link").click()
    await page.get_by_test_id("display-size-large").check()
    await page.get_by_test_id("display-contrast-high").check()
    await page.get_by_test_id("display-save").click()
    await expect(page.locator("html")).to_have_attribute("data-text-size", "large")
    await expect(page.locator("html")).to_have_attribute("data-contrast", "high")

    await choose_language(page, "vi")
    await page.goto("/account")
    await expect(page.locator("html")).to_have_attribute("data-speech-lang", "vi-VN")
    await check_axe(page)
    await page.get_by_test_id("read-aloud").click()
    bar = page.get_by_test_id("read-aloud-bar")
    await expect(bar).to_be_visible()
    await expect(page.get_by_test_id("read-aloud-current").locator("mark")).not_to_be_empty()
    assert await page.evaluate("CSS.highlights.has('machi-reading')")
    said = await spoken(page)
    assert said[0]["lang"] == "vi-VN"
    assert said[0]["voice"] == "vi-VN"
    heading = await page.get_by_role("heading", level=1).inner_text()
    assert said[0]["text"].startswith(heading.strip()[:4])
    # pause, resume, stop
    await page.get_by_test_id("read-aloud-pause").click()
    assert await page.evaluate("window.__paused")
    await expect(page.get_by_test_id("read-aloud-pause")).to_have_attribute("aria-pressed", "true")
    await page.get_by_test_id("read-aloud-pause").click()
    assert not await page.evaluate("window.__paused")
    await page.get_by_test_id("read-aloud-stop").click()
    await expect(bar).to_be_hidden()
    assert not await page.evaluate("CSS.highlights.has('machi-reading')")
    assert await page.evaluate("window.__cancelled") >= 1

    # A device without a Vietnamese voice: said plainly, nothing spoken.
    before = len(await spoken(page))
    await page.evaluate("window.__voices = window.__voices.filter(v => v.lang !== 'vi-VN')")
    await page.get_by_test_id("read-aloud").click()
    status = page.get_by_test_id("read-aloud-status")
    await expect(status).to_be_visible()
    await expect(status).not_to_be_empty()
    await expect(status).not_to_contain_text("この端末")  # in Vietnamese, not Japanese
    assert len(await spoken(page)) == before
    await check_axe(page)
    # The bar keeps its message until the resident closes it with the stop button.
    await page.get_by_test_id("read-aloud-stop").click()
    await expect(bar).to_be_hidden()

    # Easy Japanese: the page says ja-x-easy, the synthesiser is asked for Japanese.
    await choose_language(page, "ja-x-easy")
    await page.goto("/")
    await check_axe(page)
    await page.get_by_test_id("read-aloud").click()
    await expect(page.get_by_test_id("read-aloud-bar")).to_be_visible()
    said = await spoken(page)
    assert said[-1]["lang"] == "ja-JP"
    await page.get_by_test_id("read-aloud-stop").click()

    # Inside a mini-app: its layout's button hands the page's text to the shell, which reads it
    # in the language the app's page is written in.
    await page.get_by_test_id("tile-garbage").click()
    await page.get_by_test_id("consent-allow").click()
    frame = page.frame_locator('[data-testid="miniapp-frame"]')
    button = frame.get_by_test_id("machi-read-aloud")
    await expect(button).to_be_visible()
    await expect(frame.locator("html")).to_have_attribute("data-theme", "high-contrast")
    await expect(frame.locator("html")).to_have_attribute("data-text-size", "large")
    app_lang = await frame.locator("html").get_attribute("lang")
    assert app_lang in ("ja-x-easy", "ja")
    before = len(await spoken(page))
    await button.click()
    await expect(page.get_by_test_id("read-aloud-bar")).to_be_visible()
    await expect(page.get_by_test_id("read-aloud-current").locator("mark")).not_to_be_empty()
    said = (await spoken(page))[before:]
    assert said
    assert said[0]["lang"] == "ja-JP"
    main_text = await frame.locator("main").inner_text()
    assert said[0]["text"] in main_text.replace("\n", " ") or said[0]["text"] in main_text
    await check_axe(page)
    await page.get_by_test_id("read-aloud-stop").click()
    await expect(page.get_by_test_id("read-aloud-bar")).to_be_hidden()
    # The header's button on the app's screen reads the app's page too, not the frame around it.
    before = len(await spoken(page))
    await page.get_by_test_id("read-aloud").click()
    await expect(page.get_by_test_id("read-aloud-bar")).to_be_visible()
    said = (await spoken(page))[before:]
    assert said
    assert said[0]["text"] in main_text.replace("\n", " ") or said[0]["text"] in main_text
    await page.get_by_test_id("read-aloud-stop").click()
