"""Security headers on every response, with a fresh CSP nonce per request."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.datastructures import CacheControlHeader, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shell.settings import Settings

NONCE_KEY = "machi_csp_nonce"

# For pages showing personal records: kept by neither the browser nor the service worker.
NO_STORE = CacheControlHeader(no_store=True, private=True)


def csp_nonce(scope: Scope | Any) -> str:
    return str(scope.get("state", {}).get(NONCE_KEY, ""))


def content_security_policy(frame_src: str, nonce: str) -> str:
    # The home screen's tiles show each hosted app's icon, served from the app's own origin.
    app_images = "" if frame_src == "'none'" else f" {frame_src}"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            f"img-src 'self' data: blob:{app_images}",
            "font-src 'self'",
            "connect-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            f"frame-src {frame_src}",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"
)


FrameOrigins = list[str] | Callable[[], Awaitable[list[str]]]


def security_headers_middleware(settings: Settings, frame_origins: FrameOrigins) -> Any:
    """Headers for every shell response. Only the hosted mini-apps' origins may be framed.

    ``frame_origins`` is a fixed list, or an async callable asked on every request (the registry's
    cached origins, so that an approved partner app can be framed without a restart).
    """

    async def frame_src() -> str:
        origins = frame_origins if isinstance(frame_origins, list) else await frame_origins()
        return " ".join(origins) or "'none'"

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            nonce = secrets.token_urlsafe(16)
            policy = content_security_policy(await frame_src(), nonce)
            scope.setdefault("state", {})[NONCE_KEY] = nonce  # type: ignore[typeddict-unknown-key]

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableScopeHeaders.from_message(message)
                    headers["Content-Security-Policy"] = policy
                    headers["X-Content-Type-Options"] = "nosniff"
                    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
                    headers["Permissions-Policy"] = PERMISSIONS_POLICY
                    headers["X-Frame-Options"] = "DENY"
                    headers["Cross-Origin-Opener-Policy"] = "same-origin"
                    if settings.is_https:
                        headers["Strict-Transport-Security"] = "max-age=31536000"
                await send(message)

            await app(scope, receive, send_with_headers)

        return middleware

    return factory
