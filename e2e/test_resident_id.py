"""The digital resident ID in Chromium: verified at the counter by a clerk, shown by the resident
as "aged 65 or over", checked by a verifier whose network is off."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image, ImageFilter
from playwright.async_api import Browser, Page, expect

from e2e.axe import check_axe
from e2e.pages.identity import Resident, sign_up
from e2e.pages.resident_id import CounterScanner, IdCardPage, VerifierPage, wait_until_kept
from e2e.pages.staff import become_staff
from e2e.pages.webauthn import add_virtual_authenticator
from shell.resident_id import sdjwt

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
        # Its own counter clerk: each demo staff code works once per server, and others use them.
        clerk_who = Resident(name="窓口 二郎", kana="まどぐち じろう")
        await become_staff(clerk, server, "counter", clerk_who)
        scanner = await CounterScanner(clerk).open()
        await check_axe(clerk)
        await scanner.scan_image(request_qr)
        await expect(clerk.get_by_test_id("request-name")).to_have_text("北方 ふみ")
        await check_axe(clerk)
        await scanner.record_check("drivers_license", photo=_portrait(tmp_path / "face.jpg"))

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

        # "Photo and name": the counter photo travels in the QR; the offline verifier shows it.
        with_photo = await card.show("photo", tmp_path / "photo.png")
        await verifier.scan_image(with_photo)
        await expect(verifier.result).to_have_attribute("data-outcome", "ok")
        await expect(verifier.result).to_contain_text("北方 ふみ")
        photo = verifier.result.get_by_test_id("verify-photo")
        await expect(photo).to_be_visible()
        assert await photo.evaluate("(img) => img.complete && img.naturalWidth > 0")
        await expect(verifier.result).not_to_contain_text("65歳以上")  # not in this proof

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
        await clerk.goto("/staff/resident-id/?q=きたがた ふみ")
        await clerk.get_by_test_id("revoke-resident").filter(has_text="北方 ふみ").click()
        await clerk.get_by_test_id("reason-moved_out").check()
        fresh = await card.show("age18", tmp_path / "age18.png")
        await clerk.get_by_test_id("revoke-submit").click()
        await expect(clerk.get_by_test_id("revoke-notice")).to_contain_text("失効させました")
        await verifier.open_and_sync()
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


def _portrait(into: Path) -> Path:
    """A camera-like JPEG (textured, 600x800) for the counter photo."""
    image = Image.effect_noise((600, 800), 70).filter(ImageFilter.GaussianBlur(1.5))
    image.convert("RGB").save(into, "JPEG", quality=85)
    return into


def _city_key(server) -> tuple[str, Ed25519PrivateKey, set[int]]:
    """The signing key the e2e server published (read from its database), and used indexes."""
    with server.database() as db:
        kid, seed = db.execute(
            "SELECT kid, private_key FROM miniapp_host_signing_key"
            " WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        used = {row[0] for row in db.execute("SELECT status_idx FROM resident_id_credential")}
    return kid, Ed25519PrivateKey.from_private_bytes(bytes(seed)), used


async def test_verifier_page_refuses_every_tampering_case(page: Page, server) -> None:
    """The browser's verifier applies the rules of shell/resident_id/sdjwt.py."""
    verifier = await VerifierPage(page).open()
    await expect(verifier.sync).to_contain_text("時点")  # keys and list fetched
    kid, city, used = _city_key(server)
    idx = next(i for i in range(1, 1 << 17) if i not in used)
    device = ec.generate_private_key(ec.SECP256R1())
    now = int(time.time())

    def credential(*, key=city, key_id=kid, issuer=server.base_url, iat=now, lifetime=3600):
        return sdjwt.issue(
            key=key, kid=key_id, issuer=issuer,
            disclosable={"age_over_65": True, "resident_of": "武雄市"},
            holder_jwk=sdjwt.public_jwk_p256(device.public_key()), status_idx=idx,
            status_uri=server.base_url + "/resident-id/status", lifetime_seconds=lifetime, now=iat,
        )  # fmt: skip

    def shown(sd_jwt, *, holder=device, at=None):
        return sdjwt.present(sd_jwt, ["age_over_65"], holder, now=at or int(time.time()))

    await verifier.check_text(shown(credential()))
    await expect(verifier.result).to_have_attribute("data-outcome", "ok")
    cases = [
        (shown(credential(), at=int(time.time()) - 120), "古いQRコード"),
        (shown(credential(iat=now - 7200, lifetime=3600)), "有効期限が切れています"),
        (
            shown(credential(issuer="https://saga.example")),
            "この市が発行した市民証ではありません。",
        ),
        (shown(credential(), holder=ec.generate_private_key(ec.SECP256R1())), "持ち主の端末"),
        (shown(credential(key=Ed25519PrivateKey.generate())), "別の発行元"),
        (shown(credential(key_id="another-city")), "鍵が違います"),
    ]
    for text, message in cases:
        await verifier.check_text(text)
        await expect(verifier.result).to_have_attribute("data-outcome", "bad")
        await expect(verifier.result).to_contain_text(message)
