"""Chromium's virtual authenticator (CDP ``WebAuthn`` domain): passkeys without hardware."""

from __future__ import annotations

from playwright.async_api import CDPSession, Page

AUTHENTICATOR_OPTIONS = {
    "protocol": "ctap2",
    "transport": "internal",  # a platform authenticator, like a phone's own
    "hasResidentKey": True,  # discoverable credentials: passkeys
    "hasUserVerification": True,
    "isUserVerified": True,  # face, fingerprint or screen lock always succeed
    "automaticPresenceSimulation": True,  # no touch prompt to answer
}


async def add_virtual_authenticator(page: Page, **options: bool | str) -> tuple[CDPSession, str]:
    """Attach a virtual passkey authenticator to ``page``; returns ``(cdp, authenticator_id)``.

    Keep the CDP session: the authenticator lives as long as it does. Override any option, e.g.
    ``isUserVerified=False``. Read credentials back with
    ``await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})``.
    """
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    result = await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {"options": {**AUTHENTICATOR_OPTIONS, **options}},
    )
    return cdp, str(result["authenticatorId"])
