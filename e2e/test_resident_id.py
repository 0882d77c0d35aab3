"""The digital resident ID in Chromium: verified at the counter by a clerk, shown by the resident
as "aged 65 or over", checked by a verifier whose network is off."""

from __future__ import annotations

import base64
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from e2e.axe import check_axe
from e2e.pages.identity import Resident, demo_code, recover, sign_up
from e2e.pages.resident_id import CounterScanner, IdCardPage, VerifierPage, wait_until_kept
from e2e.pages.webauthn import add_virtual_authenticator

# Makes WebCrypto refuse Ed25519, as browsers before 2025 did.
NO_WEBCRYPTO_ED25519 = """
const original = crypto.subtle.importKey.bind(crypto.subtle);
crypto.subtle.importKey = (format, key, algorithm, ...rest) =>
  (algorithm && (algorithm === "Ed25519" || algorithm.name === "Ed25519"))
    ? Promise.reject(new DOMException("unsupported", "NotSupportedError"))
    : original(format, key, algorithm, ...rest);
"""


async def test_counter_verification_then_offline_check_of_aged_65(
    browser: Browser, server, tmp_path: Path
) -> None:
    contexts = []

    async def new_page(**options) -> Page:
        context = await browser.new_context(
            base_url=server.base_url, locale="ja-JP", viewport={"width": 390, "height": 844},
            device_scale_factor=2, **options,
        )  # fmt: skip
        contexts.append(context)
        return await context.new_page()

    try:
        # A resident born in 1946 signs up; the card asks for a check at the counter first.
        resident = await new_page()
        await add_virtual_authenticator(resident)
        await sign_up(resident, Resident(name="北方 ふみ", kana="きたがた ふみ",
                                         birth_date="1946-02-03", district="kitagata"))  # fmt: skip
        card = await IdCardPage(resident).open()
        await check_axe(resident)
        request_qr = await card.request_counter_check(tmp_path / "request.png")
        await check_axe(resident)

        # The clerk scans the request QR in the staff console and records the document type.
        clerk = await new_page()
        await add_virtual_authenticator(clerk)
        await recover(clerk, demo_code(server.data_dir, "counter"))
        scanner = await CounterScanner(clerk).open()
        await check_axe(clerk)
        await scanner.scan_image(request_qr)
        await expect(clerk.get_by_test_id("request-name")).to_have_text("北方 ふみ")
        await check_axe(clerk)
        await scanner.record_check("drivers_license")

        # The verifier (a bus driver, no account) opens /verify once while online...
        verifier_page = await new_page()
        verifier = await VerifierPage(verifier_page).open()
        await expect(verifier.sync).to_contain_text("時点")
        await wait_until_kept(verifier_page)  # the first visit is enough to work offline
        await check_axe(verifier_page)
        await verifier_page.context.set_offline(True)
        await verifier.open()  # offline: the worker's copy
        await expect(verifier.sync).to_contain_text("時点")

        # ...the resident's phone now holds a credential and shows only "aged 65 or over".
        await card.open()
        await expect(card.badge).to_contain_text("本人確認済み")
        await expect(card.qr_status).to_contain_text("作成しました")
        await check_axe(resident)
        await wait_until_kept(resident)
        shown = await card.show("age65", tmp_path / "age65.png")

        await verifier.scan_image(shown)
        await expect(verifier.result).to_have_attribute("data-outcome", "ok")
        await expect(verifier.result).to_contain_text("65歳以上")
        await expect(verifier.result).not_to_contain_text("北方")  # the name was not disclosed
        await check_axe(verifier_page)

        # The same QR again (a screenshot passed around) is refused.
        await verifier.scan_image(shown)
        await expect(verifier.result).to_have_attribute("data-outcome", "bad")
        await expect(verifier.result).to_contain_text("すでに読み取られています")

        # The resident's card works offline too: the credential lives on the device.
        await resident.context.set_offline(True)
        await card.open()
        await expect(card.badge).to_be_visible()
        await expect(card.qr_status).to_contain_text("作成しました")
        offline_qr = await card.show("resident", tmp_path / "resident.png")
        await verifier.scan_image(offline_qr)
        await expect(verifier.result).to_have_attribute("data-outcome", "ok")
        await expect(verifier.result).to_contain_text("武雄市")

        # Tampering, checked by the same offline verifier: a forged disclosure, a proof whose
        # key binding is cut off, and a QR that is not a resident ID at all.
        presentation = await card.qr.get_attribute("data-presentation")
        assert presentation
        jwt, _disclosure, kb = presentation.split("~")
        forged = base64.urlsafe_b64encode(b'["salt","age_over_65",true]').decode().rstrip("=")
        for text, reason in [
            (f"{jwt}~{forged}~{kb}", "改ざんされています"),
            (f"{jwt}~{_disclosure}~", "端末の証明がありません"),
            ("https://example.com/not-an-id", "市民証のQRコードではありません"),
        ]:
            await verifier.check_text(text)
            await expect(verifier.result).to_have_attribute("data-outcome", "bad")
            await expect(verifier.result).to_contain_text(reason)

        # Moving out: the clerk revokes; the verifier learns it at its next sync.
        await resident.context.set_offline(False)
        await verifier_page.context.set_offline(False)
        await clerk.goto("/staff/resident-id/?q=きたがた")
        await clerk.get_by_test_id("revoke-resident").click()
        await clerk.get_by_test_id("reason-moved_out").check()
        fresh = await card.show("age18", tmp_path / "age18.png")
        await clerk.get_by_test_id("revoke-submit").click()
        await expect(clerk.get_by_test_id("revoke-notice")).to_contain_text("失効させました")
        await verifier.open()
        await expect(verifier.sync).to_contain_text("時点")
        await verifier.scan_image(fresh)
        await expect(verifier.result).to_have_attribute("data-outcome", "bad")
        await expect(verifier.result).to_contain_text("失効しています")

        # A verifier whose browser has no Ed25519 in WebCrypto checks with the vendored fallback.
        old_browser = await new_page()
        await old_browser.add_init_script(NO_WEBCRYPTO_ED25519)
        other = await VerifierPage(old_browser).open()
        await expect(other.sync).to_contain_text("時点")
        await other.scan_image(fresh)
        await expect(other.result).to_have_attribute("data-outcome", "bad")
        await expect(other.result).to_contain_text("失効しています")  # signature fine, revoked
        await other.check_text(presentation.replace(jwt[-8:], "AAAAAAAA"))
        await expect(other.result).to_contain_text("改ざん")
    finally:
        for context in contexts:
            await context.close()
