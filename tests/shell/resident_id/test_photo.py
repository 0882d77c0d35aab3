"""The counter photo inside the card's QR: small enough for a QR a phone reads off a phone, and
shown to an offline verifier only when the resident picks "photo and name"."""

from __future__ import annotations

import base64
import io

import qrcode
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image, ImageFilter

from shell.resident_id import sdjwt
from shell.resident_id.photo import QR_PHOTO_BYTES, qr_thumbnail
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup
from tests.shell.resident_id.test_routes import counter_token, form, post_check, staff_member

# A QR of at most this many bytes (version 36 at level L) still reads off a phone's screen.
QR_MAX_BYTES = 2400


def camera_photo() -> bytes:
    """A 600x800 JPEG with the texture of a real photo (noise, blurred), about 60 KB."""
    image = Image.effect_noise((600, 800), 70).filter(ImageFilter.GaussianBlur(1.5))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


def decode(thumbnail: str) -> bytes:
    return base64.urlsafe_b64decode(thumbnail + "=" * (-len(thumbnail) % 4))


def test_a_thumbnail_is_a_small_grey_portrait_or_nothing():
    thumbnail = qr_thumbnail(camera_photo())
    assert thumbnail is not None
    data = decode(thumbnail)
    assert len(data) <= QR_PHOTO_BYTES
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP"
        assert image.width * 4 == image.height * 3  # the 3:4 of an ID photo
    assert qr_thumbnail(b"\xff\xd8\xff\xe0" + b"\x00" * 200) is None  # not a readable picture


async def test_the_photo_and_name_proof_fits_a_readable_qr_and_verifies(app, districts):
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator())
        token = await counter_token(client)
        async with staff_member(app, "counter") as (staff, _):
            done = await post_check(staff, token, form(), photo=camera_photo())
            assert done.status_code == 200, done.text
        card = await client.get("/id")
        assert 'data-claims="photo name"' in card.text  # the option is offered, not disabled
        device = ec.generate_private_key(ec.SECP256R1())
        jwk = sdjwt.public_jwk_p256(device.public_key())
        issued = await client.post("/id/credential", json={"jwk": jwk},
                                   headers=csrf_headers(client))  # fmt: skip
        assert issued.status_code == 200, issued.text
        credential = issued.json()["credential"]
        keys = sdjwt.ed25519_keys_from_jwks((await client.get("/.well-known/jwks.json")).json())
        status = sdjwt.read_status_list((await client.get("/resident-id/status")).text, keys)

    shown = sdjwt.present(credential, ["photo", "name"], device)
    assert len(shown) <= QR_MAX_BYTES
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(shown.encode("ascii"))
    code.make(fit=True)
    assert code.version <= 36
    result = sdjwt.verify(shown, keys=keys, issuer="https://localhost", status=status)
    assert set(result.claims) == {"photo", "name"}
    with Image.open(io.BytesIO(decode(result.claims["photo"]))) as image:
        assert image.format == "WEBP"
    # Other proofs do not carry the photo.
    aged = sdjwt.verify(sdjwt.present(credential, ["age_over_65"], device), keys=keys,
                        issuer="https://localhost", status=status)  # fmt: skip
    assert "photo" not in aged.claims


async def test_without_a_readable_photo_the_option_is_not_offered(app, client, districts):
    await signup(client, SoftAuthenticator())
    token = await counter_token(client)
    async with staff_member(app, "counter") as (staff, _):
        await post_check(staff, token, form())  # no photo taken at the counter
    card = await client.get("/id")
    assert 'data-testid="disclose-photo"' in card.text
    option = card.text.split('value="photo"')[1].split(">")[0]
    assert 'data-claims=""' in option
    assert "disabled" in option
