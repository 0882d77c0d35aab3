"""The ``machi`` command: serve, database, demo data, staff bootstrap and benchmarks."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import click

os.environ.setdefault("PICCOLO_CONF", "shell.piccolo_conf")

from shell.settings import Settings


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


async def migrate() -> None:
    from shell import db
    from shell.piccolo_conf import DB

    try:
        await db.migrate()
    except db.MigrationError as exc:
        raise click.ClickException(f"migrations failed: {exc}") from exc
    finally:
        await db.stop(DB)


async def _demo(settings: Settings) -> list[str]:
    from shell import db
    from shell.demo import run_demo
    from shell.piccolo_conf import DB

    await db.start(DB)
    try:
        return await run_demo(settings)
    finally:
        await db.stop(DB)


async def _needs_demo() -> bool:
    from shell import db
    from shell.city.tables import District
    from shell.piccolo_conf import DB

    count = await District.count()
    await db.stop(DB)
    return count == 0


@click.group()
def main() -> None:
    """Machi: the municipal super-app."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (MACHI_HOST).")
@click.option("--port", type=int, default=None, help="Port (MACHI_PORT).")
@click.option("--workers", type=int, default=None, help="Worker processes (MACHI_WORKERS).")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str | None, port: int | None, workers: int | None, reload: bool) -> None:
    """Migrate, load demo data on first start (MACHI_DEMO), and serve."""
    import uvicorn

    if port is not None:
        os.environ["MACHI_PORT"] = str(port)
    settings = Settings.from_env()
    _run(migrate())
    if settings.demo and _run(_needs_demo()):
        for line in _run(_demo(settings)):
            click.echo(line)
    click.echo(f"Machi is at {settings.public_url}")
    uvicorn.run(
        "shell.app:create_server",
        factory=True,
        host=host or settings.host,
        port=settings.port,
        workers=workers or settings.workers,
        reload=reload,
        proxy_headers=True,
        log_level="info",
    )


@main.group()
def db() -> None:
    """Database commands."""


@db.command("migrate")
def db_migrate() -> None:
    """Apply every pending migration."""
    _run(migrate())
    click.echo("migrations applied")


@main.command()
def demo() -> None:
    """Load the demo municipality (idempotent)."""
    settings = Settings.from_env()
    _run(migrate())
    lines = _run(_demo(settings))
    for line in lines:
        click.echo(line)
    click.echo("demo data ready" + ("" if lines else " (already loaded)"))


@main.group()
def staff() -> None:
    """Bootstrap staff from the server's console."""


@staff.command("grant")
@click.argument("account_id", type=int)
@click.argument("role")
def staff_grant(account_id: int, role: str) -> None:
    """Give ROLE to the account ACCOUNT_ID (use it to create the first admin)."""
    from shell.identity.actions import ActionRefused
    from shell.staff.actions import grant_role

    async def go() -> bool:
        from shell import db as dbm
        from shell.piccolo_conf import DB

        await dbm.start(DB)
        try:
            return await grant_role(account_id, role, by=None, ip="cli")
        finally:
            await dbm.stop(DB)

    try:
        changed = _run(go())
    except ActionRefused as exc:
        raise click.ClickException(exc.reason) from exc
    click.echo("granted" if changed else "already held")


@staff.command("recovery-code")
@click.argument("account_id", type=int)
def staff_recovery_code(account_id: int) -> None:
    """Issue a one-time recovery code for ACCOUNT_ID (audited as issued from the console)."""
    from shell.identity.actions import ActionRefused, issue_recovery_code

    settings = Settings.from_env()

    async def go() -> str:
        from shell import db as dbm
        from shell.piccolo_conf import DB

        await dbm.start(DB)
        try:
            return await issue_recovery_code(
                settings.resolved_secret(),
                account_id,
                issued_by=None,
                hours=settings.recovery_code_hours,
                ip="cli",
            )
        finally:
            await dbm.stop(DB)

    try:
        click.echo(_run(go()))
    except ActionRefused as exc:
        raise click.ClickException(exc.reason) from exc


@main.group()
def bench() -> None:
    """Benchmarks: one JSON object per line, the last a summary."""


from shell.bench import register as _register_benchmarks  # noqa: E402

_register_benchmarks(bench)

if __name__ == "__main__":
    sys.exit(main())
