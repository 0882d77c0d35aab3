"""What a partner app must satisfy: the registration form, and the automated review checks.

Forbidden scopes, for now: a partner may ask for any scope the SDK knows, ``resident.verified``
included, except those listed in :data:`FIRST_PARTY_ONLY` (empty today). A scope the SDK does not
know is refused both here and by the manifest parser.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from machi_sdk.manifest import SLUG, Manifest, ManifestError, parse_manifest
from machi_sdk.scopes import SCOPES as SDK_SCOPES

from shell.web.i18n import _, lazy

FIRST_PARTY_ONLY: frozenset[str] = frozenset()
CHECK_TIMEOUT = 5.0  # seconds for the origin to answer ``GET /``
CHECKS = ("manifest", "frame_ancestors", "scopes")

CHECK_NAMES: dict[str, str] = {
    "manifest": lazy("manifest.toml が正しい"),
    "frame_ancestors": lazy("アプリのオリジンが frame-ancestors で市のアプリを許可している"),
    "scopes": lazy("使えないスコープを求めていない"),
}
# code -> message shown to staff and the partner; ``params`` fill the placeholders.
CHECK_MESSAGES: dict[str, str] = {
    "ok": lazy("問題ありません。"),
    "manifest_invalid": lazy("manifest.toml に直すところがあります：%(problems)s"),
    "unreachable": lazy("%(url)s に接続できませんでした（%(error)s）。"),
    "status": lazy("%(url)s が HTTP %(status)s を返しました。200 を返してください。"),
    "no_csp": lazy("Content-Security-Policy ヘッダーがありません。"),
    "no_frame_ancestors": lazy("Content-Security-Policy に frame-ancestors がありません。"),
    "too_broad": lazy("frame-ancestors の %(source)s は、どのサイトでも埋め込めるため不可です。"),
    "shell_not_allowed": lazy("frame-ancestors（%(value)s）に %(shell)s が含まれていません。"),
    "forbidden_scopes": lazy("使えないスコープがあります：%(scopes)s"),
}


@dataclass
class Registration:
    """The registration form, validated. ``errors`` maps a field to its messages."""

    manifest_text: str
    origin: str
    webhook_url: str
    manifest: Manifest | None = None
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def validate(manifest_text: str, origin: str, webhook_url: str) -> Registration:
    """Check the form; messages are in the current locale."""
    form = Registration(manifest_text.strip(), origin.strip(), webhook_url.strip())
    form.data, problems = read_manifest(form.manifest_text)
    if problems:
        form.errors["manifest"] = problems
    else:
        form.manifest = parse_manifest(form.data)
    normalized, origin_error = normalize_origin(form.origin)
    if origin_error:
        form.errors["origin"] = [origin_error]
    else:
        form.origin = normalized
    if form.webhook_url:
        webhook_error = webhook_problem(form.webhook_url)
        if webhook_error:
            form.errors["webhook_url"] = [webhook_error]
    return form


def read_manifest(text: str) -> tuple[dict[str, Any], list[str]]:
    """The parsed TOML table and every problem with it, in the current locale."""
    if not text.strip():
        return {}, [_("manifest.toml の内容を貼り付けてください。")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [_("TOML として読めません：%(error)s", error=str(exc))]
    try:
        parse_manifest(data)
    except ManifestError as exc:
        return data, [translate_problem(problem) for problem in exc.problems]
    return data, []


def _local(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def normalize_origin(value: str) -> tuple[str, str]:
    """``scheme://host[:port]`` in lower case, or an error message."""
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "", _("https:// で始まるURLを入力してください（例：https://shop.example.jp）。")
    if parts.scheme == "http" and not _local(host):
        return "", _("http:// は *.localhost での開発のときだけ使えます。https:// にしてください。")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return "", _(
            "オリジンには、パスや ? 以降を付けないでください（例：https://shop.example.jp）。"
        )
    try:
        port = parts.port
    except ValueError:
        return "", _("ポート番号が正しくありません。")
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, "", "", "")), ""


def webhook_problem(value: str) -> str:
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return ""
    if parts.scheme == "http" and _local(host):
        return ""
    return _("Webhook の URL は https:// で始めてください（*.localhost は http:// も可）。")


# The SDK reports problems as English sentences; each form it uses is matched here and said again
# in the resident's language. A sentence not matched is shown as it is, never dropped.
# The SDK's manifest problems by code (machi_sdk.manifest.Problem), in the partner's language.
PROBLEMS: dict[str, str] = {
    "not_utf8": lazy("manifest.toml が UTF-8 の文字ではありません。"),
    "not_toml": lazy("TOML として読めません：%(error)s"),
    "unknown_key": lazy("「%(key)s」という項目はありません。使える項目：%(known)s"),
    "missing": lazy("「%(key)s」がありません。"),
    "bad_id": lazy(
        "id「%(value)s」は、英小文字で始まる2〜31文字の英小文字・数字・ハイフンにしてください。"
    ),
    "id_not_folder": lazy("id「%(value)s」をフォルダー名「%(folder)s」と同じにしてください。"),
    "not_language_table": lazy(
        "「%(key)s」は言語ごとの表にしてください（例：{ ja = \"…\", en = \"…\" }）。"
    ),
    "not_language_code": lazy("%(key)s の「%(value)s」は言語コード（ja、en など）ではありません。"),
    "needs_ja": lazy("「%(key)s」には日本語（ja）が必要です。"),
    "bad_version": lazy("version「%(value)s」は 1.2.3 の形にしてください。"),
    "icon_outside": lazy(
        "icon「%(value)s」は、アプリのフォルダー内のパス（例：static/<id>/icon.svg）にしてください。"
    ),
    "icon_type": lazy("icon「%(value)s」は %(known)s のどれかにしてください。"),
    "icon_missing": lazy("icon「%(value)s」のファイルがありません。"),
    "sdk_excludes": lazy("sdk「%(value)s」に、この市の machi-sdk %(version)s が含まれていません。"),
    "sdk_not_range": lazy(
        "sdk「%(value)s」は「>=0.1,<0.2」のようなバージョンの範囲にしてください。"
    ),
    "not_text": lazy("「%(key)s」には空でない文字列を入れてください。"),
    "not_string_list": lazy("「%(key)s」は文字列のリストにしてください。"),
    "not_allowed": lazy("%(key)s の「%(value)s」は使えません。使えるもの：%(known)s"),
    "duplicate": lazy("%(key)s に同じものが2回あります。"),
    "not_table_list": lazy("「%(key)s」は表のリスト（[[%(key)s]]）にしてください。"),
    "not_table": lazy("%(key)s は表にしてください。"),
    "unknown_item_key": lazy("%(key)s に「%(value)s」という項目はありません。"),
    "bad_item_id": lazy("%(key)s の id は、英小文字・数字・「_」「.」「-」にしてください。"),
    "item_id_twice": lazy("%(key)s の id「%(value)s」が2回使われています。"),
}  # fmt: skip


def translate_problem(problem: str) -> str:
    """One of the SDK's manifest problems, in the current locale (the SDK's English sentence
    when its code is new to this shell)."""
    message = PROBLEMS.get(getattr(problem, "code", ""))
    if message is None:
        return str(problem)
    return _(message, **dict(getattr(problem, "params", {})))


# --- the automated review checks ------------------------------------------------------------


def _result(check: str, passed: bool, code: str = "ok", **params: str) -> dict[str, Any]:
    return {"check": check, "passed": passed, "code": code, "params": params}


def check_manifest(manifest_text: str) -> dict[str, Any]:
    _data, problems = read_manifest(manifest_text)
    if problems:
        return _result("manifest", False, "manifest_invalid", problems=" / ".join(problems))
    return _result("manifest", True)


def check_scopes(data: Mapping[str, Any]) -> dict[str, Any]:
    scopes = data.get("scopes", [])
    asked = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
    forbidden = sorted(s for s in asked if s not in SDK_SCOPES or s in FIRST_PARTY_ONLY)
    if forbidden:
        return _result("scopes", False, "forbidden_scopes", scopes=", ".join(forbidden))
    return _result("scopes", True)


def _source_allows(source: str, shell: str) -> bool:
    """Whether one frame-ancestors source expression matches the shell's origin."""
    want = urlsplit(shell)
    want_port = want.port or (443 if want.scheme == "https" else 80)
    match = re.match(r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://)?(?P<host>[^/:]+)(?::(?P<port>\d+|\*))?",
                     source.lower())  # fmt: skip
    if not match:
        return False
    scheme = match["scheme"] or want.scheme
    if scheme != want.scheme and not (scheme == "http" and want.scheme == "https"):
        return False
    host, wanted_host = match["host"], (want.hostname or "")
    if host.startswith("*."):
        if not wanted_host.endswith(host[1:]):
            return False
    elif host != wanted_host:
        return False
    port = match["port"]
    if port == "*":
        return True
    if port:
        return int(port) == want_port
    # No port: the scheme's default, and an http source also allows its https upgrade (CSP3).
    return want_port == (443 if scheme == "https" else 80) or (scheme, want_port) == ("http", 443)


def frame_ancestors_verdict(csp_values: list[str], shell: str) -> tuple[str, dict[str, str]]:
    """``("ok", {})`` when the headers let ``shell`` frame the app, else a code and params."""
    if not csp_values:
        return "no_csp", {}
    for policy in csp_values:
        for directive in policy.split(";"):
            name, _sep, value = directive.strip().partition(" ")
            if name.lower() != "frame-ancestors":
                continue
            sources = value.split()
            for source in sources:
                if source == "*" or re.fullmatch(r"[a-z][a-z0-9+.-]*:", source.lower()):
                    return "too_broad", {"source": source}
            if any(_source_allows(source, shell) for source in sources):
                return "ok", {}
            return "shell_not_allowed", {"value": value.strip() or "''", "shell": shell}
    return "no_frame_ancestors", {}


def _loopback(url: str) -> tuple[str, dict[str, str]]:
    """``*.localhost`` is loopback (RFC 6761) though the system resolver may not know it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.endswith(".localhost"):
        return url, {}
    netloc = f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), {"host": parts.netloc}


async def check_frame_ancestors(origin: str, shell: str) -> dict[str, Any]:
    url = origin.rstrip("/") + "/"
    target, headers = _loopback(url)
    try:
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT, follow_redirects=False) as client:
            response = await client.get(target, headers=headers)
    except httpx.HTTPError as exc:
        return _result("frame_ancestors", False, "unreachable", url=url,
                       error=type(exc).__name__)  # fmt: skip
    if response.status_code != 200:
        return _result("frame_ancestors", False, "status", url=url,
                       status=str(response.status_code))  # fmt: skip
    code, params = frame_ancestors_verdict(
        response.headers.get_list("content-security-policy"), shell
    )
    return _result("frame_ancestors", code == "ok", code, **params)


async def run_checks(app: Mapping[str, Any], shell_url: str) -> list[dict[str, Any]]:
    """Every automated check on a registered app (a row of ``PartnerApp``)."""
    data, _problems = read_manifest(app["manifest_text"])
    return [
        check_manifest(app["manifest_text"]),
        await check_frame_ancestors(app["origin"], shell_url),
        check_scopes(data),
    ]


def slug_of(data: Mapping[str, Any]) -> str:
    value = data.get("id")
    return value if isinstance(value, str) and SLUG.match(value) else ""
