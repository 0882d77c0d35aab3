"""Verbs of the developer portal and of staff review; each one transaction, each audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from typing import Any

from shell.audit.actions import record
from shell.developer import checks
from shell.developer.checks import Registration
from shell.developer.tables import PartnerApp
from shell.identity.actions import ActionRefused
from shell.web.i18n import _

EDITABLE = ("draft", "rejected")
SUBMITTABLE = ("draft", "rejected")


class FormInvalid(Exception):
    """The form has problems; ``form.errors`` says which, per field. Nothing was saved."""

    def __init__(self, form: Registration) -> None:
        super().__init__(form.errors)
        self.form = form


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _locked(slug: str) -> dict[str, Any]:
    row = await PartnerApp.select().where(PartnerApp.slug == slug).output(load_json=True).first()
    if row is None:
        raise ActionRefused("not_found")
    return row


async def register(
    owner_id: int,
    manifest_text: str,
    origin: str,
    webhook_url: str,
    *,
    reserved: Container[str],
    ip: str = "",
) -> dict[str, Any]:
    """Register a draft app. ``reserved`` holds the first-party apps' ids."""
    form = checks.validate(manifest_text, origin, webhook_url)
    slug = form.manifest.id if form.manifest else ""
    async with PartnerApp._meta.db.transaction():
        if slug and (slug in reserved or await PartnerApp.exists().where(PartnerApp.slug == slug)):
            taken = _("id「%(slug)s」は、ほかのアプリが使っています。別の id にしてください。")
            form.errors.setdefault("manifest", []).append(taken % {"slug": slug})
        if not form.valid:
            raise FormInvalid(form)
        row = (
            await PartnerApp.insert(
                PartnerApp(
                    slug=slug,
                    owner=owner_id,
                    manifest_text=form.manifest_text,
                    manifest=form.data,
                    origin=form.origin,
                    webhook_url=form.webhook_url,
                )
            ).returning(*PartnerApp.all_columns())
        )[0]
        await record("developer.app_registered", actor=owner_id, subject=f"partner_app:{slug}",
                     detail={"origin": form.origin}, ip=ip)  # fmt: skip
    return row


async def edit(
    owner_id: int, slug: str, manifest_text: str, origin: str, webhook_url: str, *, ip: str = ""
) -> None:
    """Change a draft or rejected app; its id stays the same."""
    form = checks.validate(manifest_text, origin, webhook_url)
    if form.manifest and form.manifest.id != slug:
        form.errors.setdefault("manifest", []).append(
            _("登録後は id を変えられません。id は「%(slug)s」のままにしてください。", slug=slug)
        )
    async with PartnerApp._meta.db.transaction():
        row = await _locked(slug)
        if row["owner"] != owner_id:
            raise ActionRefused("not_found")
        if row["status"] not in EDITABLE:
            raise ActionRefused("not_editable")
        if not form.valid:
            raise FormInvalid(form)
        await PartnerApp.update(
            {
                PartnerApp.manifest_text: form.manifest_text,
                PartnerApp.manifest: form.data,
                PartnerApp.origin: form.origin,
                PartnerApp.webhook_url: form.webhook_url,
                PartnerApp.updated_at: _now(),
            }
        ).where(PartnerApp.id == row["id"])
        await record("developer.app_edited", actor=owner_id, subject=f"partner_app:{slug}", ip=ip)


async def submit(owner_id: int, slug: str, *, shell_url: str, ip: str = "") -> list[dict[str, Any]]:
    """Send a draft (or a rejected app, changed) for review; the automated checks run now."""
    row = await _locked(slug)
    if row["owner"] != owner_id:
        raise ActionRefused("not_found")
    if row["status"] not in SUBMITTABLE:
        raise ActionRefused("not_submittable")
    results = await checks.run_checks(row, shell_url)  # outside the transaction: it waits on HTTP
    async with PartnerApp._meta.db.transaction():
        changed = (
            await PartnerApp.update(
                {
                    PartnerApp.status: "submitted",
                    PartnerApp.checks: results,
                    PartnerApp.checked_at: _now(),
                    PartnerApp.submitted_at: _now(),
                    PartnerApp.reason: "",
                }
            )
            .where((PartnerApp.id == row["id"]) & PartnerApp.status.is_in(list(SUBMITTABLE)))
            .returning(PartnerApp.id)
        )
        if not changed:
            raise ActionRefused("not_submittable")
        await record("developer.app_submitted", actor=owner_id, subject=f"partner_app:{slug}",
                     detail=_summary(results), ip=ip)  # fmt: skip
    return results


def _summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"checks": {r["check"]: r["passed"] for r in results}}


async def rerun_checks(reviewer_id: int, slug: str, *, shell_url: str, ip: str = "") -> None:
    row = await _locked(slug)
    results = await checks.run_checks(row, shell_url)
    async with PartnerApp._meta.db.transaction():
        await PartnerApp.update({PartnerApp.checks: results, PartnerApp.checked_at: _now()}).where(
            PartnerApp.id == row["id"]
        )
        await record("review.checks_run", actor=reviewer_id, subject=f"partner_app:{slug}",
                     detail=_summary(results), ip=ip)  # fmt: skip


async def _decide(
    reviewer_id: int, slug: str, *, allowed_from: tuple[str, ...], to: str, reason: str, ip: str
) -> None:
    async with PartnerApp._meta.db.transaction():
        row = await _locked(slug)
        if row["status"] not in allowed_from:
            raise ActionRefused("wrong_status")
        if to == "approved" and not (
            row["checks"] and all(result["passed"] for result in row["checks"])
        ):
            raise ActionRefused("checks_failed")
        await PartnerApp.update(
            {
                PartnerApp.status: to,
                PartnerApp.reason: reason,
                PartnerApp.reviewed_at: _now(),
                PartnerApp.reviewed_by: reviewer_id,
            }
        ).where(PartnerApp.id == row["id"])
        await record(f"review.app_{to}", actor=reviewer_id, subject=f"partner_app:{slug}",
                     detail={"from": row["status"], "reason": reason}, ip=ip)  # fmt: skip


async def approve(reviewer_id: int, slug: str, *, ip: str = "") -> None:
    """Let residents use the app. Every automated check must pass first."""
    await _decide(reviewer_id, slug, allowed_from=("submitted",), to="approved", reason="", ip=ip)


async def reject(reviewer_id: int, slug: str, reason: str, *, ip: str = "") -> None:
    """Send the app back to its developer, who sees ``reason`` (required)."""
    if not reason.strip():
        raise ActionRefused("reason_required")
    await _decide(reviewer_id, slug, allowed_from=("submitted",), to="rejected",
                  reason=reason.strip(), ip=ip)  # fmt: skip


async def suspend(reviewer_id: int, slug: str, reason: str = "", *, ip: str = "") -> None:
    """Stop an approved app at once: no more launches, no more tokens."""
    await _decide(reviewer_id, slug, allowed_from=("approved",), to="suspended",
                  reason=reason.strip(), ip=ip)  # fmt: skip
