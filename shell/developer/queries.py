"""Read partner apps: a developer's own, the review queue, and those approved for residents."""

from __future__ import annotations

from typing import Any

from shell.developer.tables import PartnerApp
from shell.miniapp_host.registry import HostedApp

REVIEWABLE = ("submitted", "approved", "suspended", "rejected")


async def apps_of(owner_id: int) -> list[dict[str, Any]]:
    return (
        await PartnerApp.select()
        .where(PartnerApp.owner == owner_id)
        .order_by(PartnerApp.created_at, ascending=False)
        .output(load_json=True)
    )


async def app(slug: str) -> dict[str, Any] | None:
    return await PartnerApp.select().where(PartnerApp.slug == slug).output(load_json=True).first()


async def slug_taken(slug: str) -> bool:
    return bool(await PartnerApp.exists().where(PartnerApp.slug == slug))


async def review_queue() -> dict[str, list[dict[str, Any]]]:
    """Apps for staff, by status: the submitted ones first, oldest first."""
    rows = (
        await PartnerApp.select()
        .where(PartnerApp.status.is_in(list(REVIEWABLE)))
        .order_by(PartnerApp.submitted_at)
        .output(load_json=True)
    )
    return {status: [r for r in rows if r["status"] == status] for status in REVIEWABLE}


def hosted(row: dict[str, Any]) -> HostedApp:
    """An approved partner app as the registry presents it: its own origin, nothing in-process."""
    manifest = row["manifest"]
    icon = manifest.get("icon", "")
    return HostedApp(
        id=row["slug"],
        names={str(k): str(v) for k, v in manifest.get("name", {}).items()},
        publisher=str(manifest.get("publisher", "")),
        scopes=tuple(manifest.get("scopes", ())),
        permissions=tuple(manifest.get("permissions", ())),
        roles=tuple(str(role.get("id")) for role in manifest.get("roles", ())),
        origin=row["origin"],
        icon_url=f"{row['origin']}/{icon.lstrip('/')}" if icon else "/static/icons/icon-192.png",
        asgi=_elsewhere,
    )


async def _elsewhere(scope: Any, receive: Any, send: Any) -> None:
    """A partner app runs on the partner's own servers, never in the shell's process."""
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


class ApprovedPartnerApps:
    """The registry's source of partner apps: only those whose status is ``approved``."""

    async def approved(self) -> list[HostedApp]:
        rows = (
            await PartnerApp.select().where(PartnerApp.status == "approved").output(load_json=True)
        )
        return [hosted(row) for row in rows]

    async def find(self, slug: str) -> HostedApp | None:
        row = (
            await PartnerApp.select()
            .where((PartnerApp.slug == slug) & (PartnerApp.status == "approved"))
            .output(load_json=True)
            .first()
        )
        return hosted(row) if row else None
