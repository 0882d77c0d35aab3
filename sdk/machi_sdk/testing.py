"""Testing a mini-app without the city's servers; also a pytest plugin.

Installing machi-sdk registers this module with pytest, so a partner's tests get these fixtures
without any ``conftest.py``:

- ``fake_shell``: a :class:`FakeShell` with its own Ed25519 key that mints real signed tokens;
- ``resident``: a factory making :class:`~machi_sdk.Resident` objects;
- ``memory_platform``: a factory for an in-memory :class:`~machi_sdk.InProcessPlatform`.

Then :func:`miniapp_test_client` (synchronous) or :func:`miniapp_client` (``httpx.AsyncClient``)
talks to the app with a token, and :func:`check_miniapp_contract` lists what the app gets wrong::

    from machi_sdk.testing import check_miniapp_contract, miniapp_test_client
    from .. import MINIAPP

    def test_contract():
        assert check_miniapp_contract(MINIAPP) == []

    def test_greets(fake_shell):
        app = fake_shell.create_app(MINIAPP)
        token = fake_shell.token("hello", scopes=["profile.name"], claims={"profile.name": "花子"})
        with miniapp_test_client(app, token) as client:
            assert "花子" in client.get("/").text
"""

from __future__ import annotations

import base64
import importlib
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar import Litestar
from litestar.testing import TestClient

from machi_sdk.app import PUBLIC_OPT, MiniApp, declared_scopes, is_generated
from machi_sdk.auth import StaticKeys
from machi_sdk.manifest import ManifestError, load_manifest
from machi_sdk.platform import InProcessPlatform, Platform, PlatformError
from machi_sdk.resident import Resident
from machi_sdk.scopes import PROFILE_CLAIMS

__all__ = [
    "FakeShell",
    "MemoryPlatform",
    "check_miniapp_contract",
    "miniapp_client",
    "miniapp_test_client",
]

DEFAULT_SHELL_URL = "http://localhost:8000"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeShell:
    """A stand-in for the shell: its own Ed25519 key, its JWK Set, and real signed launch tokens."""

    def __init__(self, issuer: str = DEFAULT_SHELL_URL, *, kid: str | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.kid = kid or f"test-{secrets.token_hex(4)}"
        self.private_key = Ed25519PrivateKey.generate()
        self._keys: StaticKeys | None = None

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set, as the shell serves it at ``/.well-known/jwks.json``."""
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        key = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64url(raw),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
        }
        return {"keys": [key]}

    def keys(self) -> StaticKeys:
        """A :class:`~machi_sdk.StaticKeys` holding this shell's public key."""
        if self._keys is None:
            self._keys = StaticKeys(self.jwks())
        return self._keys

    def token(
        self,
        app_id: str,
        *,
        sub: str = "resident-1",
        scopes: Iterable[str] = (),
        claims: Mapping[str, Any] | None = None,
        locale: str = "ja",
        roles: Iterable[str] = (),
        ttl: int = 300,
        headers: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> str:
        """A signed launch token for ``app_id``, exactly as the shell mints them.

        ``overrides`` replace or add claims (``iat=…``, ``iss=…``); an override of ``None``
        removes the claim. ``headers`` replace JWS header fields.
        """
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": app_id,
            "sub": sub,
            "scope": " ".join(scopes),
            "claims": dict(claims or {}),
            "locale": locale,
            "roles": list(roles),
            "iat": now,
            "exp": now + ttl,
            "jti": secrets.token_urlsafe(16),
        }
        for name, value in overrides.items():
            if value is None:
                payload.pop(name, None)
            else:
                payload[name] = value
        header = {"kid": self.kid, "typ": "JWT", **(headers or {})}
        return jwt.encode(payload, self.private_key, algorithm="EdDSA", headers=header)

    def token_for(self, resident: Resident, app_id: str | None = None, *, ttl: int = 300) -> str:
        """A token carrying ``resident`` (its id, scopes, claims, locale, roles)."""
        return self.token(
            app_id or resident.app_id,
            sub=resident.id,
            scopes=sorted(resident.scopes),
            claims=dict(resident.claims),
            locale=resident.locale,
            roles=sorted(resident.roles),
            ttl=ttl,
        )

    def create_app(self, miniapp: MiniApp, *, platform: Platform | None = None) -> Litestar:
        """``miniapp`` built for this fake shell (its URL and keys)."""
        return miniapp.create_app(shell_url=self.issuer, keys=self.keys(), platform=platform)


def make_resident(
    id: str = "resident-1",
    *,
    scopes: Iterable[str] = (),
    claims: Mapping[str, Any] | None = None,
    locale: str = "ja",
    roles: Iterable[str] = (),
    app_id: str = "",
) -> Resident:
    """A :class:`~machi_sdk.Resident`; claims default to samples for granted profile scopes."""
    granted = frozenset(scopes)
    samples = {
        "profile.name": "山田 花子",
        "profile.district": "北区",
        "profile.age_band": "60s",
        "resident.verified": True,
        "resident.household": f"household-of-{id}",
    }
    chosen = (
        dict(claims) if claims is not None else {k: samples[k] for k in granted & PROFILE_CLAIMS}
    )
    return Resident(
        id=id,
        scopes=granted,
        claims=chosen,
        locale=locale,
        roles=frozenset(roles),
        app_id=app_id,
        expires_at=int(time.time()) + 300,
    )


@dataclass
class MemoryPlatform:
    """A working in-memory Platform for tests: it records notifications and KPI counts and keeps
    storage in a dict. ``platform`` is the :class:`~machi_sdk.InProcessPlatform` to give the app."""

    app_id: str
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    storage: dict[tuple[str, str], Any] = field(default_factory=dict)
    kpis: dict[str, int] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)  # by reference
    audits: list[dict[str, Any]] = field(default_factory=list)
    # Machine translation: answers "[<target>] <text>" unless a test puts the answer in
    # ``translations[(text, target)]``; with ``translation_engine=False`` the city has no engine
    # (texts in ``translations`` are still answered, as the shell's memory answers them).
    translations: dict[tuple[str, str], str] = field(default_factory=dict)
    translation_engine: bool = True
    # Staff corrections the app kept (``remember_translation``); each also goes into
    # ``translations``, so a later ``translate`` of the same text answers the correction.
    remembered: list[dict[str, Any]] = field(default_factory=list)

    @property
    def platform(self) -> InProcessPlatform:
        """The platform object to pass to ``create_app(platform=...)``."""

        async def profile(app_id: str, resident: Resident) -> Mapping[str, Any]:
            found: Mapping[str, Any] = self.profiles.get(resident.id, dict(resident.claims))
            return found

        async def notify(
            app_id: str, resident: Resident | str, title: str, body: str, url: str | None
        ) -> None:
            subject = resident if isinstance(resident, str) else resident.id
            self.notifications.append(
                {"resident": subject, "title": title, "body": body, "url": url}
            )

        async def storage_get(app_id: str, resident: Resident, key: str) -> Any:
            return self.storage.get((resident.id, key))

        async def storage_set(app_id: str, resident: Resident, key: str, value: Any) -> None:
            self.storage[(resident.id, key)] = value

        async def kpi(app_id: str, name: str, value: int) -> None:
            self.kpis[name] = self.kpis.get(name, 0) + value

        async def request_payment(
            app_id: str, resident: Resident, amount: int, description: str, reference: str
        ) -> dict[str, Any]:
            # Pending until the test marks it paid: ``payments[reference]["status"] = "paid"``.
            request_id = f"pr_test_{len(self.payments) + 1}"
            found = self.payments.setdefault(reference, {
                "id": request_id, "status": "pending", "amount": amount,
                "description": description, "reference": reference, "resident": resident.id,
                "confirm_url": f"{DEFAULT_SHELL_URL}/wallet/requests/{request_id}",
            })  # fmt: skip
            return {k: v for k, v in found.items() if k not in ("resident", "refunds")}

        async def refund_payment(
            app_id: str, reference: str, amount: int, refund_reference: str
        ) -> dict[str, Any]:
            # Like the shell: only a paid request, never more than paid, each refund id once.
            found = self.payments.get(reference)
            if found is None or found["status"] != "paid":
                raise PlatformError("invalid", "payment_unknown")
            done = found.setdefault("refunds", {})
            if refund_reference not in done:
                if amount > found["amount"] - sum(done.values()):
                    raise PlatformError("invalid", "refund_too_large")
                done[refund_reference] = amount
            return {"id": found["id"], "status": found["status"], "amount": found["amount"],
                    "refunded": sum(done.values()), "reference": reference}  # fmt: skip

        async def audit(
            app_id: str, resident: Resident, action: str, subject: str, detail: Any
        ) -> None:
            entry = {"actor": resident.id, "roles": sorted(resident.roles), "action": action}
            self.audits.append({**entry, "subject": subject, "detail": detail or {}})

        async def translate(app_id: str, texts: list[str], target: str, source: str) -> list[str]:
            if not self.translation_engine and any((t, target) not in self.translations
                                                   for t in texts):  # fmt: skip
                raise PlatformError("unavailable", "no translation engine")
            return [self.translations.get((text, target), f"[{target}] {text}") for text in texts]

        async def remember_translation(
            app_id: str, resident: Resident, source_text: str, target: str, text: str, source: str
        ) -> None:
            self.remembered.append({"by": resident.id, "source_text": source_text,
                                    "target": target, "text": text, "source": source})  # fmt: skip
            self.translations[(source_text, target)] = text

        return InProcessPlatform(
            self.app_id,
            profile=profile,
            notify=notify,
            storage_get=storage_get,
            storage_set=storage_set,
            kpi=kpi,
            request_payment=request_payment,
            refund_payment=refund_payment,
            audit=audit,
            translate=translate,
            remember_translation=remember_translation,
        )


def _base_url(app: Litestar) -> str:
    runtime = app.state.get("machi_runtime")
    app_id = runtime.manifest.id if runtime is not None else "app"
    return f"http://{app_id}.localhost"


def _headers(token: str | None, htmx: bool, extra: Mapping[str, str] | None) -> dict[str, str]:
    headers = dict(extra or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if htmx:
        headers["HX-Request"] = "true"
    return headers


def miniapp_client(
    app: Litestar,
    token: str | None = None,
    *,
    htmx: bool = False,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` talking to ``app`` in-process, sending ``token`` on every request
    (and ``HX-Request: true`` with ``htmx``): ``async with miniapp_client(app, t) as client``."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url=_base_url(app),
        headers=_headers(token, htmx, headers),
    )


def miniapp_test_client(
    app: Litestar,
    token: str | None = None,
    *,
    htmx: bool = False,
    headers: Mapping[str, str] | None = None,
) -> TestClient[Litestar]:
    """A synchronous Litestar ``TestClient`` for ``app`` sending ``token`` on every request, for
    plain (non-async) tests. Use it as ``with miniapp_test_client(app, t) as client``."""
    client: TestClient[Litestar] = TestClient(app, base_url=_base_url(app))
    client.headers.update(_headers(token, htmx, headers))
    return client


def check_catalogs(
    app: MiniApp | str | Path,
    languages: Sequence[str] = ("ja", "en"),
    keywords: Sequence[str] = ("lazy", "N_", "t"),
) -> list[str]:
    """Problems with the app's own gettext catalogs (``<folder>/locales``): the ``<id>.pot`` is
    not what ``pybabel extract`` finds now, or a language leaves a message untranslated.

    Needs Babel (``pip install machi-sdk[testing]``) and the app's ``babel.cfg``.
    """
    import tempfile

    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po

    folder = app.folder if isinstance(app, MiniApp) else Path(app)
    app_id = app.id if isinstance(app, MiniApp) else load_manifest(folder / "manifest.toml").id
    locales = folder / "locales"

    def ids(path: Path, translated: bool = False) -> set[str]:
        with path.open("rb") as file:
            return {m.id for m in read_po(file) if m.id and (m.string or not translated)}

    problems = []
    with tempfile.TemporaryDirectory() as work:
        fresh = Path(work) / "fresh.pot"
        arguments = ["pybabel", "-q", "extract", "--no-location", "-F", str(folder / "babel.cfg")]
        for keyword in keywords:
            arguments += ["-k", keyword]
        CommandLineInterface().run([*arguments, "-o", str(fresh), str(folder)])
        wanted = ids(fresh)
    if wanted != ids(locales / f"{app_id}.pot"):
        problems.append(f"locales/{app_id}.pot is stale: extract it again")
    for language in languages:
        missing = wanted - ids(locales / language / "LC_MESSAGES" / f"{app_id}.po", True)
        if missing:
            problems.append(f"{language}: {len(missing)} untranslated, e.g. {sorted(missing)[:3]}")
    return problems


def check_miniapp_contract(app: MiniApp | str | Path) -> list[str]:
    """Everything the mini-app gets wrong, one sentence each; an empty list when it passes.

    Checks: the manifest is valid, its id equals the folder name, every route declares its scopes
    with ``requires_scopes`` and every page template (names not starting with ``_``) has a
    ``{% block title %}``. Given a folder, it checks the manifest and templates without importing
    the app; given a :class:`~machi_sdk.MiniApp`, its routes too.
    """
    problems: list[str] = []
    folder = app.folder if isinstance(app, MiniApp) else Path(app)
    try:
        manifest = load_manifest(folder / "manifest.toml")
    except ManifestError as exc:
        return [f"manifest: {p}" for p in exc.problems]
    except OSError as exc:
        return [f"manifest: cannot read {folder / 'manifest.toml'} ({exc.strerror})"]
    if folder.resolve().name not in (manifest.id, manifest.id.replace("-", "_")):
        problems.append(f"manifest id {manifest.id!r} must equal the folder name {folder.name!r}")
    if isinstance(app, MiniApp):
        problems.extend(_route_problems(app))
        problems.extend(_template_problems(app))
    else:
        templates = folder / "templates"
        if templates.is_dir():
            problems.extend(_template_problems(MiniApp(folder, templates_dir=templates)))
    return problems


def _route_problems(miniapp: MiniApp) -> list[str]:
    built = miniapp.create_app(shell_url=DEFAULT_SHELL_URL, keys=StaticKeys({"keys": []}))
    problems = []
    for route in built.routes:
        for handler in getattr(route, "route_handlers", ()):
            if handler.opt.get(PUBLIC_OPT) or is_generated(handler):
                continue
            if declared_scopes(handler) is None:
                problems.append(
                    f"route {route.path} ({handler.handler_name}) declares no scopes: add "
                    "guards=[requires_scopes(...)] (requires_scopes() when it needs none)"
                )
    return problems


def _template_problems(miniapp: MiniApp) -> list[str]:
    problems = []
    env = miniapp.environment
    for name in miniapp.app_templates():
        if Path(name).name.startswith("_") or not name.endswith(".html"):
            continue  # fragments
        try:
            template = env.get_template(name)
        except Exception as exc:  # a syntax error is a problem to report, not a crash
            problems.append(f"template {name} cannot be read: {exc}")
            continue
        if "title" not in template.blocks:
            problems.append(f"template {name} has no {{% block title %}}")
    return problems


# ---- pytest hooks and fixtures ------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect a mini-app folder (``manifest.toml`` + ``__init__.py``) as a plain directory.

    Its ``__init__.py`` is the app, not a test package, and its name may hold hyphens: pytest
    would otherwise import it under a bare name where its relative imports fail.
    """
    if (path / "manifest.toml").is_file() and (path / "__init__.py").is_file():
        return pytest.Dir.from_parent(parent, path=path)
    return None


def app_module(miniapp: MiniApp, name: str) -> Any:
    """The app's own module ``name`` (``app_module(MINIAPP, "actions")``), as the host imported
    it: tests reach the same module objects the routes use."""
    package = miniapp.route_handlers[0].fn.__module__.rsplit(".", 1)[0]
    return importlib.import_module(f"{package}.{name}")


def miniapp_fixtures(miniapp: MiniApp) -> tuple[Any, Any, Any]:
    """The fixtures most app tests start from, bound in the app's ``conftest.py``::

        MINIAPP = load_miniapp(APP_FOLDER)
        platform, shell, web = miniapp_fixtures(MINIAPP)

    ``platform``: a fresh :class:`MemoryPlatform` for the app; ``shell``: a fresh
    :class:`FakeShell`; ``web``: the app built by that shell with that platform (use it with
    :func:`miniapp_client`)."""

    @pytest.fixture(name="platform")
    def fx_platform() -> MemoryPlatform:
        return MemoryPlatform(miniapp.id)

    @pytest.fixture(name="shell")
    def fx_shell() -> FakeShell:
        return FakeShell()

    @pytest.fixture(name="web")
    def fx_web(shell: FakeShell, platform: MemoryPlatform) -> Litestar:
        return shell.create_app(miniapp, platform=platform.platform)

    return fx_platform, fx_shell, fx_web


@pytest.fixture(name="fake_shell")
def fx_fake_shell() -> FakeShell:
    """A fresh :class:`FakeShell` at ``http://localhost:8000``."""
    return FakeShell()


@pytest.fixture(name="resident")
def fx_resident() -> Callable[..., Resident]:
    """A factory: ``resident(scopes=["profile.name"], locale="en")`` → :class:`Resident`."""
    return make_resident


@pytest.fixture(name="memory_platform")
def fx_memory_platform() -> Callable[[str], MemoryPlatform]:
    """A factory: ``memory_platform("hello")`` → :class:`MemoryPlatform` for that app."""
    return MemoryPlatform
