"""The Platform API's bodies and answers, as msgspec Structs (they make its OpenAPI schema)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

AUDIT_ACTION = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+){0,4}$"
LANGUAGE_TAG = r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$"


class Profile(msgspec.Struct, omit_defaults=True):
    """The resident's profile claims: only those the resident granted are present."""

    name: str | msgspec.UnsetType = msgspec.field(name="profile.name", default=msgspec.UNSET)
    district: str | msgspec.UnsetType = msgspec.field(
        name="profile.district", default=msgspec.UNSET
    )
    age_band: str | msgspec.UnsetType = msgspec.field(
        name="profile.age_band", default=msgspec.UNSET
    )
    verified: bool | msgspec.UnsetType = msgspec.field(
        name="resident.verified", default=msgspec.UNSET
    )
    # The pairwise household id (null: not verified); ``omit_defaults`` drops only UNSET.
    household: str | msgspec.UnsetType | None = msgspec.field(
        name="resident.household", default=msgspec.UNSET
    )


class StoredValue(msgspec.Struct):
    """A JSON value an app keeps for a resident (at most 16 KiB as JSON)."""

    value: Any


class KpiIncrement(msgspec.Struct):
    """How much to add to a KPI counter: a whole number from 1 to 1,000,000."""

    value: int = 1


class KpiTotal(msgspec.Struct):
    """The counter after the increment: today's total (Asia/Tokyo) for this KPI."""

    name: str
    day: str
    total: int


class Notification(msgspec.Struct):
    """A notification to the resident (needs ``notify``); ``url`` is a path of the app."""

    title: str
    body: str
    url: str | None = None


class AuditRecord(msgspec.Struct):
    """A staff member's access to a person's record, for the city's audit log."""

    action: Annotated[str, msgspec.Meta(max_length=40, pattern=AUDIT_ACTION)]
    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    detail: dict[str, Any] = msgspec.field(default_factory=dict)


class TranslationRequest(msgspec.Struct):
    """Texts to machine-translate (at most 50, each at most 5,000 characters)."""

    texts: Annotated[list[Annotated[str, msgspec.Meta(max_length=5000)]],
                     msgspec.Meta(min_length=1, max_length=50)]  # fmt: skip
    target: Annotated[str, msgspec.Meta(pattern=LANGUAGE_TAG)]
    source: Annotated[str, msgspec.Meta(pattern=LANGUAGE_TAG)] = "ja"


class TranslationCorrection(msgspec.Struct):
    """A staff member's translation of ``source_text`` into ``target``, to keep and reuse."""

    source_text: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    target: Annotated[str, msgspec.Meta(pattern=LANGUAGE_TAG)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
    source: Annotated[str, msgspec.Meta(pattern=LANGUAGE_TAG)] = "ja"


class Translations(msgspec.Struct):
    """One translation per text, in the order asked."""

    texts: list[str]


class ErrorDetail(msgspec.Struct):
    code: str
    message: str


class Error(msgspec.Struct):
    """Every refusal: ``{"error": {"code": …, "message": …}}``."""

    error: ErrorDetail


PROFILE_FIELDS = {
    "profile.name": "name",
    "profile.district": "district",
    "profile.age_band": "age_band",
    "resident.verified": "verified",
    "resident.household": "household",
}


def profile_of(claims: dict[str, Any]) -> Profile:
    return Profile(**{PROFILE_FIELDS[k]: v for k, v in claims.items() if k in PROFILE_FIELDS})
