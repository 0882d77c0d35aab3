"""The ``machi-sdk`` command.

``machi-sdk new <id>`` makes a folder ``<id>/`` holding a working mini-app whose tests pass at
once: ``manifest.toml``, ``pyproject.toml``, ``__init__.py`` (``MINIAPP``), ``routes.py``,
``templates/<id>/index.html``, ``static/<id>/icon.svg`` and ``tests/test_app.py``.

``machi-sdk dev <folder>`` runs the app inside a local stand-in for the shell (see
:mod:`machi_sdk.dev`): open http://localhost:8700 and use the app as a resident would.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from string import Template

from machi_sdk import __version__
from machi_sdk.manifest import SLUG

SCAFFOLD = Path(__file__).parent / "scaffold"

#: Where each scaffold template goes inside the new folder (``$slug`` is replaced).
FILES = {
    "manifest.toml.tmpl": "manifest.toml",
    "pyproject.toml.tmpl": "pyproject.toml",
    "__init__.py.tmpl": "__init__.py",
    "routes.py.tmpl": "routes.py",
    "index.html.tmpl": "templates/$slug/index.html",
    "icon.svg.tmpl": "static/$slug/icon.svg",
    "test_app.py.tmpl": "tests/test_app.py",
}


def scaffold(slug: str, parent: Path) -> Path:
    """Write a new mini-app called ``slug`` into ``parent/slug`` and return that folder.

    Raises ``ValueError`` for an id the manifest would refuse, ``FileExistsError`` when the
    folder exists already.
    """
    if not SLUG.match(slug):
        raise ValueError(
            f"{slug!r} cannot be a mini-app id: use 2 to 31 lower-case letters, digits and "
            "hyphens, starting with a letter (e.g. 'stamp-card')"
        )
    folder = parent / slug
    if folder.exists():
        raise FileExistsError(f"{folder} exists already; choose another id or folder")
    for source, target in FILES.items():
        path = folder / Template(target).substitute(slug=slug)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = Template((SCAFFOLD / source).read_text(encoding="utf-8")).substitute(slug=slug)
        path.write_text(text, encoding="utf-8")
    (folder / "tests" / "__init__.py").write_text("", encoding="utf-8")
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``machi-sdk`` command with ``argv`` (default: the process arguments)."""
    parser = argparse.ArgumentParser(prog="machi-sdk", description="Build mini-apps for Machi.")
    parser.add_argument("--version", action="version", version=f"machi-sdk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="make a new mini-app folder whose tests pass")
    new.add_argument("id", help="the app id: lower-case letters, digits, hyphens (e.g. stamp-card)")
    new.add_argument(
        "--path", type=Path, default=Path.cwd(), help="where to make the folder (default: here)"
    )
    dev = commands.add_parser("dev", help="run the app in a local stand-in for the Machi shell")
    dev.add_argument("folder", type=Path, help="the mini-app folder (holding manifest.toml)")
    dev.add_argument("--port", type=int, default=8700, help="port (default: 8700)")
    dev.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    args = parser.parse_args(argv)

    if args.command == "dev":
        from machi_sdk.dev import run
        from machi_sdk.manifest import ManifestError

        try:
            run(args.folder, port=args.port, host=args.host)
        except (ManifestError, OSError) as exc:
            print(f"machi-sdk: {exc}", file=sys.stderr)
            return 2
        return 0

    if args.command == "new":
        try:
            folder = scaffold(args.id, args.path)
        except (ValueError, FileExistsError) as exc:
            print(f"machi-sdk: {exc}", file=sys.stderr)
            return 2
        print(f"Made {folder}")
        print("Next:")
        print(f"  pytest {folder / 'tests'}     # the app's own tests")
        print(f"  edit {folder / 'manifest.toml'}  # your name, publisher, scopes")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
