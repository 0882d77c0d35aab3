"""The scopes a mini-app may ask for and the browser features it may use.

The shell shows residents these scopes on its consent sheet; a token carries only those the resident
granted. The labels here are for the SDK's own messages (for example the 403 page).
"""

from __future__ import annotations

from typing import Final

from machi_sdk.i18n import N_, sdk_gettext

#: Every scope a manifest may list, with its label (a Japanese msgid of the ``machi_sdk`` domain).
SCOPES: Final[dict[str, str]] = {
    "profile.name": N_("お名前"),
    "profile.district": N_("お住まいの地区"),
    "profile.age_band": N_("年代"),
    "resident.verified": N_("本人確認の有無"),
    "resident.household": N_("世帯（このアプリ専用の番号）"),
    "notify": N_("お知らせの送信"),
    "wallet.pay": N_("支払いのお願い"),
    "location": N_("現在地"),
    "storage": N_("設定や記録の保存"),
}

#: Scopes that put a claim of the same name into the token's ``claims`` object.
PROFILE_CLAIMS: Final[frozenset[str]] = frozenset(
    {
        "profile.name",
        "profile.district",
        "profile.age_band",
        "resident.verified",
        "resident.household",
    }
)

#: Permissions-Policy features a manifest may ask for; the shell delegates only these to the iframe.
PERMISSIONS: Final[tuple[str, ...]] = (
    "camera",
    "geolocation",
    "microphone",
    "clipboard-write",
    "web-share",
)


def scope_label(scope: str, language: str) -> str:
    """The resident-facing name of ``scope`` for a reader of ``language`` (the closest language
    the SDK ships); the scope itself if it is unknown."""
    label = SCOPES.get(scope)
    if label is None:
        return scope
    return sdk_gettext(label, language)
