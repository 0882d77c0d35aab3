"""Settings, read once from ``MACHI_*`` environment variables.

Every setting has a default that works on a fresh machine (the embedded SQLite default).
The README lists them all; ``tests/contract/test_settings_documented.py`` keeps the two in step.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    value = _env(name, str(default))
    try:
        return int(value)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name, "1" if default else "0").lower()
    return value in {"1", "true", "yes", "on"}


def default_push_processes() -> int:
    """Push encryption helpers: one per core beyond the first, at most two."""
    return max(0, min(2, (os.cpu_count() or 1) - 1))


# The first-party mini-apps `make run` hosts.
FIRST_PARTY_MINIAPPS = (
    "miniapps/garbage",
    "miniapps/water",
    "miniapps/school",
    "miniapps/library",
    "miniapps/apply",
    "miniapps/booking",
    "miniapps/handbook",
    "miniapps/bus",
)

# The browsers' push services; a subscription pointing anywhere else is refused.
PUSH_SERVICES = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.services.mozilla.com",
    "web.push.apple.com",
    "*.notify.windows.com",
)


@dataclass(frozen=True)
class Settings:
    """All of Machi's settings. Build with :meth:`from_env`; tests pass their own values."""

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://localhost:8000"
    apps_url: str = "http://{slug}.localhost:8000"
    data_dir: Path = ROOT / "var"
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    municipality: str = "武雄市"
    rp_name: str = "Machi"
    default_locale: str = "ja"
    session_days: int = 14
    recovery_code_hours: int = 72
    auth_rate_limit: int = 30
    platform_rate_limit: int = 600
    demo: bool = True
    debug: bool = False
    workers: int = 1
    miniapps: tuple[str, ...] = field(default_factory=tuple)
    push_services: tuple[str, ...] = PUSH_SERVICES
    local_push_url: str = ""
    app_notify_daily_limit: int = 3
    # Pushes: a claim older than this is taken over (its runner died); how often that is looked for.
    push_claim_seconds: int = 120
    push_resume_seconds: int = 60
    # Helper processes that encrypt a large broadcast's pushes beside the job runner (0: none).
    push_processes: int = 0
    # Disaster mode (shell/disaster): the 市町村等 area code JMA warnings are matched on.
    municipality_code: str = "4120600"
    disaster_hotline: str = ""
    disaster_triggers: str = "*:5,大雨:3,土砂:3"
    jma_feed_url: str = ""
    jma_feed_minutes: int = 5
    # Resident ID: an OpenID Connect identity provider beside the counter (unset: the local one).
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # the wallet: yen from which a payment needs the payer's passkey
    wallet_passkey_threshold: int = 10000
    # Machine translation (shell.translation): a LibreTranslate server; unset, by hand.
    translation_url: str = ""
    translation_api_key: str = ""
    translation_timeout: int = 20

    @classmethod
    def from_env(cls) -> Settings:
        port = _env_int("MACHI_PORT", 8000)
        data_dir = Path(_env("MACHI_DATA_DIR", str(ROOT / "var")))
        return cls(
            host=_env("MACHI_HOST", "127.0.0.1"),
            port=port,
            public_url=_env("MACHI_PUBLIC_URL", f"http://localhost:{port}").rstrip("/"),
            apps_url=_env("MACHI_APPS_URL", f"http://{{slug}}.localhost:{port}"),
            data_dir=data_dir,
            database_url=_env("MACHI_DATABASE_URL", ""),
            redis_url=_env("MACHI_REDIS_URL", ""),
            secret_key=_env("MACHI_SECRET_KEY", ""),
            municipality=_env("MACHI_MUNICIPALITY", "武雄市"),
            rp_name=_env("MACHI_RP_NAME", "Machi"),
            default_locale=_env("MACHI_DEFAULT_LOCALE", "ja"),
            session_days=_env_int("MACHI_SESSION_DAYS", 14),
            recovery_code_hours=_env_int("MACHI_RECOVERY_CODE_HOURS", 72),
            auth_rate_limit=_env_int("MACHI_AUTH_RATE_LIMIT", 30),
            platform_rate_limit=_env_int("MACHI_PLATFORM_RATE_LIMIT", 600),
            demo=_env_bool("MACHI_DEMO", True),
            debug=_env_bool("MACHI_DEBUG", False),
            workers=_env_int("MACHI_WORKERS", 1),
            miniapps=tuple(
                part.strip()
                for part in _env("MACHI_MINIAPPS", ",".join(FIRST_PARTY_MINIAPPS)).split(",")
                if part.strip()
            ),
            push_services=tuple(
                part.strip()
                for part in _env("MACHI_PUSH_SERVICES", ",".join(PUSH_SERVICES)).split(",")
                if part.strip()
            ),
            local_push_url=_env("MACHI_LOCAL_PUSH_URL", "").rstrip("/"),
            app_notify_daily_limit=_env_int("MACHI_APP_NOTIFY_DAILY_LIMIT", 3),
            push_claim_seconds=max(1, _env_int("MACHI_PUSH_CLAIM_SECONDS", 120)),
            push_resume_seconds=max(1, _env_int("MACHI_PUSH_RESUME_SECONDS", 60)),
            push_processes=max(0, _env_int("MACHI_PUSH_PROCESSES", default_push_processes())),
            municipality_code=_env("MACHI_MUNICIPALITY_CODE", "4120600"),
            disaster_hotline=_env("MACHI_DISASTER_HOTLINE", ""),
            disaster_triggers=_env("MACHI_DISASTER_TRIGGERS", "*:5,大雨:3,土砂:3"),
            jma_feed_url=_env("MACHI_JMA_FEED_URL", ""),
            jma_feed_minutes=_env_int("MACHI_JMA_FEED_MINUTES", 5),
            oidc_issuer=_env("MACHI_OIDC_ISSUER", "").rstrip("/"),
            oidc_client_id=_env("MACHI_OIDC_CLIENT_ID", ""),
            oidc_client_secret=_env("MACHI_OIDC_CLIENT_SECRET", ""),
            wallet_passkey_threshold=_env_int("MACHI_WALLET_PASSKEY_THRESHOLD", 10000),
            translation_url=_env("MACHI_TRANSLATION_URL", "").rstrip("/"),
            translation_api_key=_env("MACHI_TRANSLATION_API_KEY", ""),
            translation_timeout=_env_int("MACHI_TRANSLATION_TIMEOUT", 20),
        )

    # Derived values -------------------------------------------------------------------------

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "machi.sqlite3"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def is_https(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def public_host(self) -> str:
        return urlsplit(self.public_url).hostname or "localhost"

    @property
    def rp_id(self) -> str:
        """WebAuthn relying-party id: the host of the public URL."""
        return self.public_host

    @property
    def origins(self) -> list[str]:
        return [self.public_url]

    @property
    def secure_cookies(self) -> bool:
        # Chromium treats http://localhost as a secure context, so Secure and __Host- cookies
        # work there too; over plain http on any other host they would be dropped.
        return self.is_https or self.public_host == "localhost"

    @property
    def cookie_prefix(self) -> str:
        return "__Host-" if self.secure_cookies else ""

    def resolved_secret(self) -> str:
        """The signing secret: from ``MACHI_SECRET_KEY`` or a file kept in the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
