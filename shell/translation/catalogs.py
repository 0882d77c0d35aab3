"""What every gettext catalog of the project lacks: one place for the contract test, ``make
catalog-status`` and the lead's report.

A *domain* is a catalog set with its own ``.pot``: the shell (``locales/``), the SDK's own texts
(``sdk/machi_sdk/locales``, domain ``machi_sdk``) and each first-party mini-app
(``miniapps/<id>/locales``, domain ``<id>``). For every domain and every language of
``shell.web.i18n.ALL_LANGUAGES`` :func:`status` says whether the ``.po`` exists, how many messages
are untranslated or fuzzy, and which translations break a placeholder.

Run ``python -m shell.translation.catalogs`` for the table.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from shell.settings import FIRST_PARTY_MINIAPPS, ROOT
from shell.web.i18n import ALL_LANGUAGES, ENABLED

#: Domains a language must be complete in before it is switched on (``i18n.ENABLED``).
REQUIRED_FOR_ENABLING = ("shell", "garbage", "water")
#: Languages every domain ships complete from the start (Japanese is the source).
ALWAYS_COMPLETE = ("ja", "en")

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


@dataclass(frozen=True)
class Domain:
    name: str
    folder: Path  # the folder ``babel.cfg`` paths are relative to
    locales: Path
    config: Path
    keywords: tuple[str, ...]
    first_party: bool = True  # registered (shell, SDK, FIRST_PARTY_MINIAPPS): ja and en must pass

    @property
    def pot(self) -> Path:
        return self.locales / f"{self.name}.pot"

    def po(self, catalog: str) -> Path:
        return self.locales / catalog / "LC_MESSAGES" / f"{self.name}.po"


@dataclass
class CatalogStatus:
    domain: str
    language: str
    exists: bool = True
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.exists and not (self.untranslated or self.fuzzy or self.placeholders)

    def describe(self) -> str:
        if not self.exists:
            return f"{self.domain}/{self.language}: no catalog"
        parts = []
        if self.untranslated:
            parts.append(f"{len(self.untranslated)} untranslated (e.g. {self.untranslated[0]!r})")
        if self.fuzzy:
            parts.append(f"{len(self.fuzzy)} fuzzy (e.g. {self.fuzzy[0]!r})")
        if self.placeholders:
            parts.append(f"placeholders differ: {self.placeholders[:3]}")
        return f"{self.domain}/{self.language}: " + ("; ".join(parts) or "complete")


def domains() -> list[Domain]:
    """The shell, the SDK and every mini-app folder under ``miniapps/`` with a ``babel.cfg``."""
    found = [
        Domain("shell", ROOT, ROOT / "locales", ROOT / "babel.cfg", ("lazy",)),
        Domain(
            "machi_sdk",
            ROOT / "sdk" / "machi_sdk",
            ROOT / "sdk" / "machi_sdk" / "locales",
            ROOT / "sdk" / "machi_sdk" / "babel.cfg",
            ("N_",),
        ),
    ]
    registered = {Path(p).name for p in FIRST_PARTY_MINIAPPS}
    for config in sorted((ROOT / "miniapps").glob("*/babel.cfg")):
        folder = config.parent
        found.append(
            Domain(
                folder.name,
                folder,
                folder / "locales",
                config,
                ("lazy", "N_", "t"),
                first_party=folder.name in registered,
            )
        )
    return found


def domain(name: str) -> Domain:
    return next(d for d in domains() if d.name == name)


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Catalog) -> set[str]:
    return {_key(m.id) for m in catalog if m.id}


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def extract(d: Domain) -> set[str]:
    """The message ids ``pybabel extract`` finds in ``d``'s sources now."""
    with tempfile.TemporaryDirectory() as work:
        fresh = Path(work) / "fresh.pot"
        command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract"]
        command += ["--no-location", "-F", str(d.config), "-o", str(fresh)]
        for keyword in d.keywords:
            command += ["-k", keyword]
        subprocess.run(  # noqa: S603 - our own interpreter and paths
            [*command, str(d.folder)], cwd=ROOT, check=True, capture_output=True
        )
        return _ids(_read(fresh))


def stale(d: Domain) -> tuple[list[str], list[str]]:
    """Message ids the ``.pot`` lacks, and ids it has that the sources no longer use."""
    fresh = extract(d)
    kept = _ids(_read(d.pot)) if d.pot.exists() else set()
    return sorted(fresh - kept), sorted(kept - fresh)


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def status(d: Domain, code: str) -> CatalogStatus:
    """How complete ``d``'s catalog for the language ``code`` is, against ``d``'s ``.pot``."""
    language = ALL_LANGUAGES[code]
    result = CatalogStatus(d.name, code)
    path = d.po(language.catalog)
    if not path.exists() or not d.pot.exists():
        result.exists = path.exists()
        return result
    catalog = _read(path)
    wanted = _ids(_read(d.pot))
    if catalog.fuzzy:  # a fuzzy header: pybabel compile skips the whole catalog, silently
        result.fuzzy.append("(the catalog's header is marked fuzzy)")
    by_id = {_key(m.id): m for m in catalog if m.id}
    for message_id in sorted(wanted):
        message = by_id.get(message_id)
        strings = (
            []
            if message is None
            else list(message.string)
            if isinstance(message.string, (tuple, list))
            else [message.string]
        )
        if message is None or not strings or not all(strings):
            result.untranslated.append(message_id)
            continue
        if message.fuzzy:
            result.fuzzy.append(message_id)
        sources = message.id if isinstance(message.id, (tuple, list)) else [message.id]
        allowed = {tuple(_placeholders(s)) for s in sources}
        # A plural form may leave out the number (e.g. "one item"), never add or rename one.
        for text in strings:
            found = tuple(_placeholders(text))
            if found not in allowed and not (
                len(sources) > 1 and set(found) <= set().union(*map(set, allowed))
            ):
                result.placeholders.append(message_id)
                break
    return result


def every_status() -> Iterator[CatalogStatus]:
    for d in domains():
        for code in ALL_LANGUAGES:
            yield status(d, code)


def must_be_complete(d: Domain, code: str) -> bool:
    """Whether a gap in this catalog is an error now (else it is reported as still to do)."""
    # Every first-party domain (the shell, the SDK, each registered mini-app) ships complete in
    # Japanese, English and every enabled language; a partner's catalogs are the partner's.
    return d.first_party and (code in ALWAYS_COMPLETE or code in ENABLED)


@cache
def enableable() -> tuple[str, ...]:
    """Languages complete in every domain of :data:`REQUIRED_FOR_ENABLING` (may be switched on)."""
    return tuple(
        code
        for code in ALL_LANGUAGES
        if all(status(domain(name), code).complete for name in REQUIRED_FOR_ENABLING)
    )


def main() -> None:
    print(f"enabled: {', '.join(ENABLED)}")
    for d in domains():
        missing, gone = stale(d)
        if missing or gone:
            print(f"{d.name}: .pot is stale ({len(missing)} new, {len(gone)} gone)")
    todo = [s for s in every_status() if not s.complete]
    for item in todo:
        print(item.describe())
    print(f"{len(todo)} catalogs incomplete; may be enabled: {', '.join(enableable())}")


if __name__ == "__main__":
    main()
