"""The ``machi`` command: serve, database, demo data, staff bootstrap and benchmarks."""

from __future__ import annotations

import asyncio
import copy
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
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
    from shell import serving

    if port is not None:
        os.environ["MACHI_PORT"] = str(port)
    settings = Settings.from_env()
    _run(migrate())
    if settings.demo and _needs_demo():
        for line in _demo(settings):
            click.echo(line)
    click.echo(f"Machi is at {settings.public_url}")
    serving.serve(
        "shell.app:create_served",
        factory=True,
        host=host or settings.host,
        port=settings.port,
        workers=workers or settings.workers,
        reload=reload,
        **serving.SERVE_OPTIONS,
    )


WORKER_STOP_SECONDS = 10
# From the stop signal to the process's end at most: past it the worker exits at once, whatever
# part of closing (the push sender, the live channels, the database pool) has not returned.
# Work not acknowledged is delivered again and push claims are taken over, as after a crash.
WORKER_EXIT_SECONDS = 15


def _exit_by(seconds: float) -> None:
    """End this process ``seconds`` from now unless it has ended by then (a daemon thread: it
    fires even while the event loop is stuck, and never holds the process open)."""
    import threading

    def leave() -> None:
        click.echo(
            f"Machi job worker: not stopped {seconds:g} s after the signal; exiting", err=True
        )
        os._exit(1)

    timer = threading.Timer(seconds, leave)
    timer.daemon = True
    timer.start()


@main.command()
def worker() -> None:
    """Run background and periodic jobs from Redis (with MACHI_REDIS_URL; without it, each
    `machi serve` process runs its own jobs and no worker is needed)."""
    settings = Settings.from_env()
    if not settings.redis_url:
        raise click.ClickException(
            "the job worker needs MACHI_REDIS_URL; without Redis `machi serve` runs the jobs"
        )
    _run(migrate())

    async def work() -> None:
        import signal

        from shell import jobs, serving
        from shell.app import create_app

        create_app(settings)  # registers every area's jobs and configures them
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        from shell.web import live

        async with live.standalone(settings):  # jobs' live events reach every web worker's pages
            await jobs.start(settings.redis_url, consume=True)
            serving.settle()
            click.echo("Machi job worker: consuming machi:jobs:urgent and machi:jobs:routine")
            try:
                await stop.wait()
            finally:
                _exit_by(WORKER_EXIT_SECONDS)
                # Stop within a bounded time (systemd and Kubernetes kill a slow stopper anyway):
                # work not acknowledged is delivered again, push claims are taken over later.
                try:
                    await asyncio.wait_for(jobs.stop(), timeout=WORKER_STOP_SECONDS)
                except TimeoutError:
                    click.echo("Machi job worker: stopped with work still running", err=True)
            from shell.notifications import runtime

            await runtime.close()

    _with_db(work, migrated=True)


@main.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Write the database and the data folder to the archive TARGET (.tar.gz)."""
    from shell.backup import BackupError, backup

    settings = Settings.from_env()
    try:
        manifest = _with_db(lambda: backup(settings, target), migrated=True)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(manifest["counts"].values())
    click.echo(f"wrote {target}: {rows} rows in {len(manifest['counts'])} tables, "
               f"{len(manifest['files'])} files")  # fmt: skip


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace this installation's data (servers stopped).")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database and the data folder with the archive SOURCE, then check every
    table's row count against it. Stop the app servers and the job worker first."""
    from shell.backup import BackupError, restore

    if not yes:
        raise click.ClickException("this replaces every record: stop the servers, then add --yes")
    settings = Settings.from_env()
    try:
        manifest = _with_db(lambda: restore(settings, source), migrated=True)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {source} (made {manifest['created_at']}): every table's rows match")


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
def apps() -> None:
    """Mini-apps' Platform API credentials (until the developer portal issues them)."""


def _hosted_ids(settings: Settings) -> set[str]:
    """Ids of the apps in MACHI_MINIAPPS, from their manifests (no app code is imported)."""
    from pathlib import Path

    from machi_sdk.manifest import ManifestError, load_manifest

    from shell.settings import ROOT

    ids = set()
    for entry in settings.miniapps:
        folder = Path(entry) if Path(entry).is_absolute() else ROOT / entry
        try:
            ids.add(load_manifest(folder / "manifest.toml").id)
        except (ManifestError, OSError):
            continue
    return ids


async def _known_app(settings: Settings, slug: str) -> None:
    from shell.developer.queries import slug_taken

    if slug not in _hosted_ids(settings) and not await slug_taken(slug):
        raise click.ClickException(
            f"no app {slug!r}: neither in MACHI_MINIAPPS nor registered in the developer portal"
        )


def _print_pair(pair: tuple[str, str]) -> None:
    client_id, secret = pair
    click.echo(f"client_id: {client_id}")
    click.echo(f"client_secret: {secret}")
    click.echo("The secret is shown only now; keep it with the app's server settings.", err=True)


@apps.command("credentials")
@click.argument("slug")
def apps_credentials(slug: str) -> None:
    """Issue SLUG's Platform API client id and secret (printed once)."""
    from shell.platform_api import actions, queries

    settings = Settings.from_env()

    async def issue() -> tuple[str, str]:
        await _known_app(settings, slug)
        active = await queries.credentials_of(slug)
        if active:
            raise click.ClickException(
                f"{slug} already has credentials (client_id {active[-1]['client_id']}); the"
                " secret was shown when they were issued. For a new pair:"
                f" machi apps rotate-credentials {slug}"
            )
        return await actions.issue_credentials(slug, settings.resolved_secret(), ip="cli")

    _print_pair(_with_db(issue))


@apps.command("rotate-credentials")
@click.argument("slug")
def apps_rotate_credentials(slug: str) -> None:
    """Revoke SLUG's credentials at once and issue a new pair (printed once)."""
    from shell.platform_api import actions

    settings = Settings.from_env()

    async def rotate() -> tuple[str, str]:
        await _known_app(settings, slug)
        return await actions.rotate_credentials(slug, settings.resolved_secret(), ip="cli")

    _print_pair(_with_db(rotate))


@main.group()
def keys() -> None:
    """The city's launch-token signing keys."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Sign new tokens with a fresh key; the old one stays published for 31 days."""
    from shell.miniapp_host import keys as token_keys

    click.echo(f"now signing with {_with_db(token_keys.rotate).kid}")


# --- wallet (issue 5) ---
@main.group()
def wallet() -> None:
    """The wallet's ledger."""


@apps.command("webhook-secret")
@click.argument("slug")
def apps_webhook_secret(slug: str) -> None:
    """Print the secret that signs SLUG's payment webhooks (Standard Webhooks, whsec_...)."""
    from shell.wallet.apppay import webhook_secret

    click.echo(webhook_secret(Settings.from_env().resolved_secret(), slug))


@wallet.command("verify")
def wallet_verify() -> None:
    """Recompute every balance from the entries; exit 1 naming each problem found."""
    from shell.wallet import verify

    async def check() -> tuple[list[str], dict[str, int]]:
        return await verify.problems(), await verify.summary()

    found, counts = _with_db(check)
    for problem in found:
        click.echo(f"PROBLEM: {problem}", err=True)
    if found:
        raise SystemExit(1)
    click.echo(
        f"ledger sound: {counts['transactions']} transactions, {counts['entries']} entries, "
        f"{counts['accounts']} accounts"
    )


# --- disaster (issue 6) ---
@main.group()
def disaster() -> None:
    """Disaster mode and official warnings."""


@disaster.command("import-jma")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def disaster_import_jma(paths: tuple[str, ...]) -> None:
    """Import JMA warning XML files (folders: every *.xml in them), oldest report first."""
    from shell.disaster.importer import Outcome, import_paths
    from shell.disaster.jma import parse_triggers
    from shell.web import live

    settings = Settings.from_env()
    try:
        parse_triggers(settings.disaster_triggers)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not (len(settings.municipality_code) == 7 and settings.municipality_code.isdigit()):
        raise click.ClickException(
            f"MACHI_MUNICIPALITY_CODE must be the 7-digit 市町村等 area code (e.g. 4120600), "
            f"not {settings.municipality_code!r}"
        )

    async def run() -> Any:
        async with live.standalone(settings):
            return await import_paths(paths, settings)

    results = _with_db(run)
    failed = 0
    for path, outcome in results:
        if isinstance(outcome, Outcome):
            kinds = "・".join(outcome.kinds)
            click.echo(f"{path}: {outcome.decision}" + (f" ({kinds})" if kinds else ""))
        else:
            failed += 1
            click.echo(f"{path}: not imported: {outcome}", err=True)
    if failed:
        raise SystemExit(1)


@main.group()
def bench() -> None:
    """Benchmarks: one JSON object per line, the last a summary."""


from shell.bench import register as _register_benchmarks  # noqa: E402

_register_benchmarks(bench)


# --- hosted mini-apps' own commands (machi_sdk: MiniApp(commands=...)) ---
def _miniapp_command(command: click.Command) -> click.Command:
    """Run an app's command with the database migrated and open; async callbacks are awaited."""
    import inspect

    callback = command.callback

    def run(**kwargs: Any) -> Any:
        assert callback is not None
        result = callback(**kwargs)
        if inspect.isawaitable(result):

            async def wait() -> Any:
                return await result

            import contextlib

            with contextlib.redirect_stdout(sys.stderr):  # the command's output stays clean
                _run(migrate())
            return _with_db(wait, migrated=True)
        return result

    # A copy: the app's own command object stays as the app made it (its tests invoke it too).
    wrapped = copy.copy(command)
    wrapped.callback = run
    return wrapped


def _register_miniapp_commands(group: click.Group) -> None:
    from shell.miniapp_host.firstparty import miniapps

    for miniapp in miniapps(Settings.from_env()):
        if miniapp.commands and miniapp.id not in group.commands:
            app_group = click.Group(miniapp.id, help=f"Commands of the {miniapp.id} mini-app.")
            for command in miniapp.commands:
                app_group.add_command(_miniapp_command(command))
            group.add_command(app_group)


_register_miniapp_commands(main)

if __name__ == "__main__":
    sys.exit(main())
