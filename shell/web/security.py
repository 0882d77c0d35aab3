"""Security headers on every response, with a fresh CSP nonce per request."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.datastructures import CacheControlHeader
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


# the same on every response (the policy, with its nonce, is made per request)
FIXED_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")
CSP = b"content-security-policy"
SET_HEADERS = frozenset({CSP, HSTS[0], *(name for name, _ in FIXED_HEADERS)})

NONCE_MARK = "\0"  # where a request's nonce goes in a policy made beforehand (none has a NUL)
FrameOrigins = list[str] | Callable[[], Awaitable[list[str]]]


def security_headers_middleware(settings: Settings, frame_origins: FrameOrigins) -> Any:
    """Headers for every shell response. Only the hosted mini-apps' origins may be framed.

    ``frame_origins`` is a fixed list, or an async callable asked on every request (the registry's
    cached origins, so that an approved partner app can be framed without a restart).
    """

    # the policy around its nonce, for each list of origins seen: the same on almost every page
    policies: dict[tuple[str, ...], tuple[bytes, bytes]] = {}

    async def policy_around_nonce() -> tuple[bytes, bytes]:
        origins = tuple(frame_origins if isinstance(frame_origins, list) else await frame_origins())
        made = policies.get(origins)
        if made is None:
            policy = content_security_policy(" ".join(origins) or "'none'", NONCE_MARK)
            before, _, after = policy.partition(NONCE_MARK)
            made = (before.encode(), after.encode())
            if len(policies) >= 64:  # partner apps come and go: keep only the recent lists
                policies.clear()
            policies[origins] = made
        return made

    fixed = FIXED_HEADERS + ([HSTS] if settings.is_https else [])

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            nonce = secrets.token_urlsafe(16)
            before, after = await policy_around_nonce()
            policy = before + nonce.encode() + after
            scope.setdefault("state", {})[NONCE_KEY] = nonce  # type: ignore[typeddict-unknown-key]

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    # set, not added: these replace any a handler gave (a list of pairs here,
                    # not MutableScopeHeaders, which decodes every header for each one it sets)
                    kept = [
                        pair
                        for pair in message.get("headers", ())
                        if pair[0].lower() not in SET_HEADERS
                    ]
                    kept.append((CSP, policy))
                    kept += fixed
                    message["headers"] = kept
                await send(message)

            await app(scope, receive, send_with_headers)

        return middleware

    return factory
