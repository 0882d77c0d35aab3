"""manifest.py: every rule, each problem named, all problems at once."""

from __future__ import annotations

import pytest
from machi_sdk.manifest import ManifestError, load_manifest, parse_manifest, version_in_range

from .apps import write_app_folder

VALID = {
    "id": "stamp-card",
    "name": {"ja": "スタンプカード", "en": "Stamp card"},
    "publisher": "Takeo Coffee",
    "version": "0.1.0",
    "icon": "static/stamp-card/icon.svg",
    "sdk": ">=0.1,<0.2",
    "scopes": ["profile.name", "notify"],
    "permissions": ["camera"],
    "kpis": [{"id": "stamps", "name": {"ja": "スタンプ"}, "unit": "個"}],
    "roles": [{"id": "clerk", "name": {"ja": "店員", "en": "Clerk"}}],
}


def problems_of(data: dict) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(data)
    return caught.value.problems


def test_a_valid_manifest_is_read_whole():
    manifest = parse_manifest(VALID)
    assert manifest.id == "stamp-card"
    assert manifest.scopes == ("profile.name", "notify")
    assert manifest.permissions == ("camera",)
    assert manifest.kpis[0].id == "stamps"
    assert manifest.kpis[0].unit == "個"
    assert manifest.roles[0].name["en"] == "Clerk"
    assert manifest.display_name("en") == "Stamp card"
    assert manifest.display_name("vi") == "スタンプカード"
    assert manifest.display_name("en-GB") == "Stamp card"


def test_load_reads_the_file_and_checks_the_icon(tmp_path):
    folder = write_app_folder(tmp_path, "demo")
    assert load_manifest(folder).id == "demo"
    assert load_manifest(folder / "manifest.toml").name["ja"] == "デモ"
    (folder / "static" / "demo" / "icon.svg").unlink()
    with pytest.raises(ManifestError, match=r"icon 'static/demo/icon\.svg' does not exist"):
        load_manifest(folder)


def test_a_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        load_manifest(tmp_path / "manifest.toml")


def test_toml_syntax_errors_are_reported(tmp_path):
    (tmp_path / "manifest.toml").write_text('id = "demo\n')
    with pytest.raises(ManifestError, match="not valid TOML"):
        load_manifest(tmp_path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"id": "Stamp_Card"}, "id 'Stamp_Card' must be 2 to 31 characters"),
        ({"id": "x"}, "id 'x' must be"),
        ({"id": "1abc"}, "id '1abc' must be"),
        ({"id": "a" * 32}, "must be 2 to 31"),
        ({"name": {"en": "Only English"}}, "'name' needs a Japanese text"),
        ({"name": "スタンプ"}, "'name' must be a table of languages"),
        ({"name": {"ja": ""}}, "name.ja must be a non-empty string"),
        ({"name": {"ja": "x", "Not a lang": "y"}}, "is not a language code"),
        ({"publisher": ""}, "'publisher' must be a non-empty string"),
        ({"version": "1.0"}, "version '1.0' must look like 1.2.3"),
        ({"icon": "/etc/passwd.svg"}, "must be a path inside the app folder"),
        ({"icon": "static/../../x.svg"}, "must be a path inside the app folder"),
        ({"icon": "static/icon.gif"}, "must be one of .svg, .png, .webp"),
        ({"sdk": ">=9.0"}, "does not include the installed machi-sdk"),
        ({"sdk": "latest"}, "is not a version range"),
        ({"scopes": ["profile.name", "my_number"]}, "scopes: 'my_number' is not one of"),
        ({"scopes": "profile.name"}, "'scopes' must be a list of strings"),
        ({"scopes": ["notify", "notify"]}, "scopes: lists an entry twice"),
        ({"permissions": ["usb"]}, "permissions: 'usb' is not one of"),
        ({"kpis": [{"id": "x", "name": {"ja": "x"}}]}, "kpis[1].unit must be a non-empty string"),
        ({"kpis": [{"id": "Bad Id", "name": {"ja": "x"}, "unit": "個"}]}, "kpis[1].id must be"),
        ({"kpis": {"id": "x"}}, "'kpis' must be a list of tables"),
        ({"roles": [{"id": "clerk"}]}, "'roles[1].name' must be a table of languages"),
        (
            {"roles": [{"id": "a", "name": {"ja": "a"}}, {"id": "a", "name": {"ja": "b"}}]},
            "roles[2].id 'a' is used twice",
        ),
        ({"roles": [{"id": "a", "name": {"ja": "a"}, "power": 9}]}, "roles[1]: unknown key"),
        ({"homepage": "https://example.com"}, "unknown key 'homepage'"),
    ],
)
def test_each_problem_is_named(change, expected):
    problems = problems_of({**VALID, **change})
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("key", ["id", "name", "publisher", "version", "icon", "sdk"])
def test_required_keys(key):
    data = {k: v for k, v in VALID.items() if k != key}
    assert f"{key!r} is missing" in problems_of(data)


def test_every_problem_is_reported_at_once():
    problems = problems_of({**VALID, "id": "Bad", "version": "x", "scopes": ["nope"]})
    assert len(problems) == 3
    message = str(ManifestError("manifest.toml", problems))
    assert message.startswith("manifest.toml has 3 problem(s):")


def test_optional_lists_default_to_empty():
    data = {k: v for k, v in VALID.items() if k not in ("scopes", "permissions", "kpis", "roles")}
    manifest = parse_manifest(data)
    assert (manifest.scopes, manifest.permissions, manifest.kpis, manifest.roles) == (
        (),
        (),
        (),
        (),
    )


@pytest.mark.parametrize(
    ("version", "spec", "inside"),
    [
        ("0.1.0", ">=0.1,<0.2", True),
        ("0.2.0", ">=0.1,<0.2", False),
        ("0.1.5", "~=0.1.0", True),
        ("0.2.0", "~=0.1.0", False),
        ("0.9.0", "~=0.1", True),
        ("1.0.0", "~=0.1", False),
        ("0.1.0", "==0.1", True),
        ("0.1.0", "!=0.1.0", False),
        ("0.1.0", ">0.0.9", True),
        ("0.1.0", "<=0.0.9", False),
    ],
)
def test_version_ranges(version, spec, inside):
    assert version_in_range(version, spec) is inside


@pytest.mark.parametrize("spec", ["", ">=", "0.1", ">=0.1,", "~=1", ">=a.b"])
def test_unreadable_version_ranges(spec):
    with pytest.raises(ValueError):
        version_in_range("0.1.0", spec)
