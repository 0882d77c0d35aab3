"""Mini-app folders made on the fly for the SDK's tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'


def write_app_folder(
    parent: Path,
    slug: str = "demo",
    *,
    scopes: tuple[str, ...] = ("profile.name", "notify"),
    permissions: tuple[str, ...] = (),
    templates: dict[str, str] | None = None,
    extra: str = "",
) -> Path:
    """A mini-app folder with a manifest, an icon and ``templates`` (name → text)."""
    folder = parent / slug
    (folder / "static" / slug).mkdir(parents=True)
    (folder / "static" / slug / "icon.svg").write_text(ICON)
    scope_list = ", ".join(f'"{s}"' for s in scopes)
    permission_list = ", ".join(f'"{p}"' for p in permissions)
    (folder / "manifest.toml").write_text(
        textwrap.dedent(
            f"""\
            id = "{slug}"
            version = "1.0.0"
            publisher = "Test Shop"
            icon = "static/{slug}/icon.svg"
            sdk = ">=0.1,<0.2"
            scopes = [{scope_list}]
            permissions = [{permission_list}]
            {extra}
            [name]
            ja = "デモ"
            en = "Demo"
            """
        )
    )
    for name, text in (templates or {}).items():
        path = folder / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder
