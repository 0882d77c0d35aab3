"""Absence reasons, per school: the five built in unless the school's administrator changed the
list. An administrator adds reasons of the school's own (written in Japanese, machine-translated
for other readers, the translation memory first), retires reasons and brings them back. Retired
reasons stay readable on old notices; a notice can only be given a reason the school uses now."""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

from . import actions
from .tables import SchoolReason

MAX_LABEL = 40
MAX_REASONS = 12


def _builtin(code: str, position: int) -> dict[str, Any]:
    return {
        "code": code, "label": "", "symptoms": code == "illness", "active": True,
        "position": position, "builtin": True,
    }  # fmt: skip


async def for_school(school: str) -> list[dict[str, Any]]:
    """The school's reasons in order, retired ones included (``active`` False)."""
    rows = await SchoolReason.select().where(SchoolReason.school == school).order_by(
        SchoolReason.position
    )
    if not rows:
        return [_builtin(code, i) for i, code in enumerate(actions.REASONS)]
    return [{**r, "builtin": r["code"] in actions.REASONS} for r in rows]


async def usable(school: str) -> list[dict[str, Any]]:
    """The reasons a new notice can be given at this school."""
    return [r for r in await for_school(school) if r["active"]]


async def check(school: str, code: str) -> bool:
    """Whether a notice with reason ``code`` may ask for symptoms; refuses a reason the school
    does not use (``bad_reason``)."""
    for reason in await usable(school):
        if reason["code"] == code:
            return bool(reason["symptoms"])
    raise actions.Refused("bad_reason")


async def _materialise(school: str) -> None:
    """Write the built-in list as the school's own before its first change."""
    if await SchoolReason.exists().where(SchoolReason.school == school):
        return
    rows = [_builtin(code, i) for i, code in enumerate(actions.REASONS)]
    await SchoolReason.insert(
        *[
            SchoolReason(key=f"{school}|{r['code']}", school=school, code=r["code"],
                         symptoms=r["symptoms"], position=r["position"])
            for r in rows
        ]
    ).on_conflict(action="DO NOTHING")


async def add(school: str, label: str, *, symptoms: bool = False) -> str:
    """Add a reason of the school's own; returns its code. Refusals: ``bad_label`` (blank or
    longer than 40 characters), ``same_label`` (the school has it already), ``too_many``."""
    label = unicodedata.normalize("NFC", " ".join(label.split()))
    if not label or len(label) > MAX_LABEL:
        raise actions.Refused("bad_label", max=MAX_LABEL)
    await _materialise(school)
    existing = await for_school(school)
    if any(r["label"] == label for r in existing):
        raise actions.Refused("same_label")
    if len(existing) >= MAX_REASONS:
        raise actions.Refused("too_many_reasons", max=MAX_REASONS)
    code = "c" + secrets.token_hex(5)
    await SchoolReason.insert(
        SchoolReason(
            key=f"{school}|{code}", school=school, code=code, label=label, symptoms=symptoms,
            position=max(r["position"] for r in existing) + 1,
        )
    )
    return code


async def set_active(school: str, code: str, active: bool) -> None:
    """Retire a reason or bring it back. Refusals: ``not_found``, ``last_reason`` (a school
    keeps at least one reason parents can choose)."""
    await _materialise(school)
    reasons = await for_school(school)
    if not any(r["code"] == code for r in reasons):
        raise actions.Refused("not_found")
    if not active and not any(r["active"] for r in reasons if r["code"] != code):
        raise actions.Refused("last_reason")
    await SchoolReason.update({SchoolReason.active: active}).where(
        SchoolReason.key == f"{school}|{code}"
    )
