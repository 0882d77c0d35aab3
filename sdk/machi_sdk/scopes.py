"""The scopes a mini-app may ask for and the browser features it may use.

The shell shows residents these scopes on its consent sheet; a token carries only those the resident
granted. The labels here are for the SDK's own messages (for example the 403 page).
"""

from __future__ import annotations

from typing import Final

#: Every scope a manifest may list, with its label in Japanese and English.
SCOPES: Final[dict[str, dict[str, str]]] = {
    "profile.name": {"ja": "お名前", "en": "your name"},
    "profile.district": {"ja": "お住まいの地区", "en": "your district"},
    "profile.age_band": {"ja": "年代", "en": "your age band"},
    "resident.verified": {"ja": "本人確認の有無", "en": "whether you are a verified resident"},
    "notify": {"ja": "お知らせの送信", "en": "sending you notifications"},
    "wallet.pay": {"ja": "支払いのお願い", "en": "asking you to pay"},
    "location": {"ja": "現在地", "en": "your location"},
    "storage": {"ja": "設定や記録の保存", "en": "saving your settings and records"},
}

#: Scopes that put a claim of the same name into the token's ``claims`` object.
PROFILE_CLAIMS: Final[frozenset[str]] = frozenset(
    {"profile.name", "profile.district", "profile.age_band", "resident.verified"}
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
    """The resident-facing name of ``scope`` in ``language`` ("ja" or "en"); the scope itself if
    it is unknown."""
    labels = SCOPES.get(scope)
    if labels is None:
        return scope
    return labels.get(language) or labels["ja"]
