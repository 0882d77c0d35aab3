"""``manifest.toml``: what a mini-app is and what it asks for, checked before any of its code runs.

A manifest looks like this::

    id = "hello"                      # the folder name, the origin's sub-domain, the gettext domain
    version = "0.1.0"
    publisher = "Example Shop"
    icon = "static/hello/icon.svg"    # relative to the app folder, served by the app
    sdk = ">=0.1,<0.2"                # machi-sdk versions the app works with
    scopes = ["profile.name"]         # what the resident is asked to grant
    permissions = []                  # browser features the iframe may use, e.g. ["camera"]

    [name]
    ja = "ハロー"
    en = "Hello"

    [[kpis]]
    id = "greetings"
    unit = "回"
    name = { ja = "あいさつの回数", en = "Greetings" }

    [[roles]]
    id = "editor"
    name = { ja = "編集者", en = "Editor" }

:func:`load_manifest` reads nothing but the TOML file (it never imports the app), and reports every
problem at once in a :class:`ManifestError`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from machi_sdk import __version__
from machi_sdk.scopes import PERMISSIONS, SCOPES

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_ITEM_ID = re.compile(r"^[a-z][a-z0-9_.-]{0,40}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+([-+.][0-9A-Za-z.-]+)?$")
_CLAUSE = re.compile(r"^(>=|<=|==|!=|~=|>|<)\s*(\d+(?:\.\d+)*)$")
_ICON_SUFFIXES = (".svg", ".png", ".webp")
_KEYS = {
    "id",
    "name",
    "description",
    "icon",
    "publisher",
    "version",
    "scopes",
    "permissions",
    "kpis",
    "roles",
    "sdk",
}
_REQUIRED = ("id", "name", "publisher", "version", "icon", "sdk")


class Problem(str):
    """One thing to fix in a manifest: an English sentence (it *is* the ``str``), plus a stable
    ``code`` and its ``params``, from which a host says it in its residents' and partners' own
    languages (the shell's developer portal does) without parsing the sentence."""

    code: str
    params: Mapping[str, str]

    def __new__(cls, code: str, text: str, **params: object) -> Problem:
        problem = super().__new__(cls, text)
        problem.code = code
        problem.params = MappingProxyType({k: str(v) for k, v in params.items()})
        return problem


class ManifestError(ValueError):
    """The manifest cannot be used. ``problems`` lists each thing to fix, one :class:`Problem`
    (a sentence with a ``code`` and ``params``) each."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.path} has {len(self.problems)} problem(s):\n{lines}")


@dataclass(frozen=True, slots=True)
class Kpi:
    """A figure the app reports with ``Platform.kpi`` and the staff console charts."""

    id: str
    name: Mapping[str, str]
    unit: str


@dataclass(frozen=True, slots=True)
class Role:
    """A staff role the app defines; the shell's staff console grants it to city staff."""

    id: str
    name: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Manifest:
    """A validated ``manifest.toml``, from :func:`load_manifest` or :func:`parse_manifest`."""

    id: str
    name: Mapping[str, str]
    publisher: str
    version: str
    icon: str
    sdk: str
    scopes: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    roles: tuple[Role, ...] = ()
    description: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def display_name(self, locale: str) -> str:
        """The app's name in ``locale`` (``"en"``, ``"ja"``, …), in Japanese when it has none."""
        language = locale.split("-")[0]
        return self.name.get(locale) or self.name.get(language) or self.name["ja"]


def load_manifest(path: str | Path) -> Manifest:
    """Read and validate ``path`` (a ``manifest.toml``, or the folder holding one).

    Raises :class:`ManifestError` listing every problem, and ``OSError`` when the file is missing.
    The icon must exist next to the manifest.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.toml"
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ManifestError(
            path, [Problem("not_utf8", f"the file is not UTF-8 text ({exc.reason})")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(
            path, [Problem("not_toml", f"it is not valid TOML: {exc}", error=exc)]
        ) from None
    return parse_manifest(data, folder=path.parent, source=path)


def parse_manifest(
    data: Mapping[str, Any], *, folder: Path | None = None, source: str | Path = "manifest"
) -> Manifest:
    """Validate an already parsed manifest table. With ``folder``, the icon must exist there."""
    problems: list[Problem] = []
    for key in sorted(set(data) - _KEYS):
        known = ", ".join(sorted(_KEYS))
        problems.append(
            Problem(
                "unknown_key", f"unknown key {key!r}; known keys are {known}", key=key, known=known
            )
        )
    for key in _REQUIRED:
        if key not in data:
            problems.append(Problem("missing", f"{key!r} is missing", key=key))

    app_id = _text(data, "id", problems)
    if app_id is not None and not SLUG.match(app_id):
        problems.append(
            Problem(
                "bad_id",
                f"id {app_id!r} must be 2 to 31 characters: lower-case letters, digits and "
                "hyphens, starting with a letter",
                value=app_id,
            )
        )
    name = _localized(data.get("name"), "name", problems) if "name" in data else {}
    description = _localized(data.get("description", {}), "description", problems, need_ja=False)
    publisher = _text(data, "publisher", problems)
    version = _text(data, "version", problems)
    if version is not None and not _VERSION.match(version):
        problems.append(
            Problem("bad_version", f"version {version!r} must look like 1.2.3", value=version)
        )
    icon = _text(data, "icon", problems)
    if icon is not None:
        problems.extend(_icon_problems(icon, folder))
    sdk = _text(data, "sdk", problems)
    if sdk is not None:
        try:
            if not version_in_range(__version__, sdk):
                problems.append(
                    Problem(
                        "sdk_excludes",
                        f"sdk {sdk!r} does not include the installed machi-sdk {__version__}",
                        value=sdk,
                        version=__version__,
                    )
                )
        except ValueError as exc:
            problems.append(
                Problem(
                    "sdk_not_range",
                    f"sdk {sdk!r} is not a version range like '>=0.1,<0.2' ({exc})",
                    value=sdk,
                )
            )
    scopes = _choices(data, "scopes", list(SCOPES), problems)
    permissions = _choices(data, "permissions", list(PERMISSIONS), problems)
    kpis = tuple(
        Kpi(id=i, name=n, unit=extra)
        for i, n, extra in _items(data, "kpis", problems, extra_key="unit")
    )
    roles = tuple(Role(id=i, name=n) for i, n, _ in _items(data, "roles", problems))

    if problems:
        raise ManifestError(source, problems)
    assert app_id
    assert publisher
    assert version
    assert icon
    assert sdk
    return Manifest(
        id=app_id,
        name=MappingProxyType(name),
        publisher=publisher,
        version=version,
        icon=icon,
        sdk=sdk,
        scopes=scopes,
        permissions=permissions,
        kpis=kpis,
        roles=roles,
        description=MappingProxyType(description),
    )


def version_in_range(version: str, spec: str) -> bool:
    """Whether ``version`` (e.g. ``"0.1.0"``) satisfies ``spec`` (e.g. ``">=0.1,<0.2"``).

    Supports comma-separated clauses with ``>= <= == != ~= > <`` over dotted numbers; raises
    ``ValueError`` on anything else.
    """
    have = _numbers(version.split("+")[0].split("-")[0])
    clauses = [c.strip() for c in spec.split(",")]
    if not clauses or any(not c for c in clauses):
        raise ValueError("empty clause")
    ok = True
    for clause in clauses:
        match = _CLAUSE.match(clause)
        if not match:
            raise ValueError(f"cannot read {clause!r}")
        op, want_text = match.groups()
        want = _numbers(want_text)
        width = max(len(have), len(want))
        a, b = _pad(have, width), _pad(want, width)
        if op == "~=":
            if len(want) < 2:
                raise ValueError("~= needs at least two numbers, e.g. ~=0.1")
            upper = (*want[:-2], want[-2] + 1)
            ok = ok and a >= b and _pad(have, len(upper))[: len(upper)] < upper
        else:
            ok = (
                ok
                and {
                    ">=": a >= b,
                    "<=": a <= b,
                    "==": a == b,
                    "!=": a != b,
                    ">": a > b,
                    "<": a < b,
                }[op]
            )
    return ok


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _pad(numbers: tuple[int, ...], width: int) -> tuple[int, ...]:
    return numbers + (0,) * (width - len(numbers))


def _text(data: Mapping[str, Any], key: str, problems: list[Problem]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem("not_text", f"{key!r} must be a non-empty string", key=key))
        return None
    return value.strip()


def _localized(
    value: Any, where: str, problems: list[Problem], *, need_ja: bool = True
) -> dict[str, str]:
    if not isinstance(value, Mapping):
        problems.append(
            Problem(
                "not_language_table",
                f'{where!r} must be a table of languages, e.g. {{ ja = "…", en = "…" }}',
                key=where,
            )
        )
        return {}
    result: dict[str, str] = {}
    for language, text in value.items():
        if not _LANGUAGE.match(str(language)):
            problems.append(
                Problem(
                    "not_language_code",
                    f"{where}: {language!r} is not a language code like 'ja' or 'en'",
                    key=where,
                    value=language,
                )
            )
        elif not isinstance(text, str) or not text.strip():
            problems.append(
                Problem(
                    "not_text",
                    f"{where}.{language} must be a non-empty string",
                    key=f"{where}.{language}",
                )
            )
        else:
            result[str(language)] = text.strip()
    if need_ja and "ja" not in value:
        problems.append(
            Problem("needs_ja", f"{where!r} needs a Japanese text: {where}.ja", key=where)
        )
    return result


def _icon_problems(icon: str, folder: Path | None) -> list[str]:
    parts = Path(icon).parts
    if icon.startswith(("/", "\\")) or ".." in parts or ":" in icon or "\\" in icon:
        return [
            Problem(
                "icon_outside",
                f"icon {icon!r} must be a path inside the app folder, like 'static/<id>/icon.svg'",
                value=icon,
            )
        ]
    if not icon.endswith(_ICON_SUFFIXES):
        known = ", ".join(_ICON_SUFFIXES)
        return [
            Problem("icon_type", f"icon {icon!r} must be one of {known}", value=icon, known=known)
        ]
    if folder is not None and not (folder / icon).is_file():
        return [Problem("icon_missing", f"icon {icon!r} does not exist in {folder}", value=icon)]
    return []


def _choices(
    data: Mapping[str, Any], key: str, known: list[str], problems: list[Problem]
) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(Problem("not_string_list", f"{key!r} must be a list of strings", key=key))
        return ()
    for item in value:
        if item not in known:
            listed = ", ".join(known)
            problems.append(
                Problem(
                    "not_allowed",
                    f"{key}: {item!r} is not one of {listed}",
                    key=key,
                    value=item,
                    known=listed,
                )
            )
    if len(set(value)) != len(value):
        problems.append(Problem("duplicate", f"{key}: lists an entry twice", key=key))
    return tuple(value)


def _items(
    data: Mapping[str, Any], key: str, problems: list[Problem], *, extra_key: str | None = None
) -> list[tuple[str, Mapping[str, str], str]]:
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(
            Problem("not_table_list", f"{key!r} must be a list of tables ([[{key}]])", key=key)
        )
        return []
    allowed = {"id", "name"} | ({extra_key} if extra_key else set())
    seen: set[str] = set()
    items: list[tuple[str, Mapping[str, str], str]] = []
    for index, item in enumerate(value, start=1):
        where = f"{key}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(Problem("not_table", f"{where} must be a table", key=where))
            continue
        for unknown in sorted(set(item) - allowed):
            problems.append(
                Problem(
                    "unknown_item_key",
                    f"{where}: unknown key {unknown!r}",
                    key=where,
                    value=unknown,
                )
            )
        item_id = item.get("id")
        if not isinstance(item_id, str) or not _ITEM_ID.match(item_id):
            problems.append(
                Problem(
                    "bad_item_id",
                    f"{where}.id must be lower-case letters, digits, '_', '.' or '-'",
                    key=where,
                )
            )
            item_id = None
        elif item_id in seen:
            problems.append(
                Problem(
                    "item_id_twice",
                    f"{where}.id {item_id!r} is used twice",
                    key=where,
                    value=item_id,
                )
            )
        else:
            seen.add(item_id)
        name = _localized(item.get("name"), f"{where}.name", problems)
        extra = ""
        if extra_key:
            extra_value = item.get(extra_key)
            if not isinstance(extra_value, str) or not extra_value.strip():
                problems.append(
                    Problem(
                        "not_text",
                        f"{where}.{extra_key} must be a non-empty string",
                        key=f"{where}.{extra_key}",
                    )
                )
            else:
                extra = extra_value.strip()
        if item_id:
            items.append((item_id, MappingProxyType(name), extra))
    return items
