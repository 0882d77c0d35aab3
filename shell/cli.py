"""The ``machi`` command: serve, database, demo data, staff bootstrap and benchmarks."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

os.environ.setdefault("PICCOLO_CONF", "shell.piccolo_conf")

from shell.settings import Settings
from shell.staff.permissions import ROLES

T = TypeVar("T")


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def _with_db(work: Callable[[], Awaitable[T]], *, migrated: bool = False) -> T:
    """Run ``work`` on a migrated database (the PostgreSQL pool started), then close it."""
    if not migrated:
        _run(migrate())

    async def go() -> T:
        from shell import db
        from shell.piccolo_conf import DB

        await db.start(DB)
        try:
            return await work()
        finally:
            await db.stop(DB)

    return asyncio.run(go())


async def migrate() -> None:
    from shell import db
    from shell.piccolo_conf import DB

    try:
        await db.migrate()
    except db.MigrationError as exc:
        raise click.ClickException(f"migrations failed: {exc}") from exc
    finally:
        await db.stop(DB)


def _demo(settings: Settings) -> list[str]:
    from shell.demo import run_demo

    return _with_db(lambda: run_demo(settings), migrated=True)


def _needs_demo() -> bool:
    from shell.city.tables import District

    return _with_db(District.count, migrated=True) == 0


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
    if settings.demo and _needs_demo():
        for line in _demo(settings):
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
    lines = _demo(settings)
    for line in lines:
        click.echo(line)
    click.echo("demo data ready" + ("" if lines else " (already loaded)"))


@main.group()
def staff() -> None:
    """Bootstrap staff from the server's console."""


@staff.command("grant")
@click.argument("account_id", type=int)
@click.argument("role", type=click.Choice(sorted(ROLES)))
def staff_grant(account_id: int, role: str) -> None:
    """Give ROLE to the account ACCOUNT_ID (use it to create the first admin)."""
    from shell.identity.actions import ActionRefused
    from shell.staff.actions import grant_role

    try:
        changed = _with_db(lambda: grant_role(account_id, role, by=None, ip="cli"))
    except ActionRefused as exc:
        raise click.ClickException(exc.reason) from exc
    click.echo("granted" if changed else "already held")


@staff.command("recovery-code")
@click.argument("account_id", type=int)
def staff_recovery_code(account_id: int) -> None:
    """Issue a one-time recovery code for ACCOUNT_ID (audited as issued from the console)."""
    from shell.identity.actions import ActionRefused, issue_recovery_code

    settings = Settings.from_env()

    def issue() -> Awaitable[str]:
        return issue_recovery_code(
            settings.resolved_secret(),
            account_id,
            issued_by=None,
            hours=settings.recovery_code_hours,
            ip="cli",
        )

    try:
        click.echo(_with_db(issue))
    except ActionRefused as exc:
        raise click.ClickException(exc.reason) from exc


@main.group()
def keys() -> None:
    """The city's launch-token signing keys."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Sign new tokens with a fresh key; the old one stays published for a day."""
    from shell.miniapp_host import keys as token_keys

    click.echo(f"now signing with {_with_db(token_keys.rotate).kid}")


@main.group()
def bench() -> None:
    """Benchmarks: one JSON object per line, the last a summary."""


from shell.bench import register as _register_benchmarks  # noqa: E402

_register_benchmarks(bench)

if __name__ == "__main__":
    sys.exit(main())
