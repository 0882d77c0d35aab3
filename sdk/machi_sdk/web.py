"""Rendering pages and fragments, the SDK's own short messages, and every response's headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.types import Message, Scope
from markupsafe import escape

from machi_sdk.formatting import FORMATTERS
from machi_sdk.i18n import N_, sdk_gettext, sdk_language

if TYPE_CHECKING:
    from machi_sdk.app import Runtime

#: Languages the SDK's own messages ship complete in now (the gettext domain ``machi_sdk`` in
#: ``machi_sdk/locales``); others fall back as :func:`machi_sdk.i18n.fallbacks` says.
MESSAGE_LANGUAGES = ("ja", "en")

#: The SDK's own short messages: Japanese msgids of the ``machi_sdk`` domain, ``{name}`` filled in.
MESSAGES: dict[str, str] = {
    "unauthorized": N_("本人確認ができませんでした。ミニアプリを閉じて、もう一度開いてください。"),
    "forbidden": N_("この画面を使うには「{scopes}」の許可が必要です。"),
    "loading": N_("読み込んでいます…"),
    "load_failed": N_("読み込めませんでした。通信の状態を確かめて、もう一度お試しください。"),
    "reload": N_("もう一度読み込む"),
    "open_in_machi": N_("このページは Machi アプリの中で開いてください。"),
    "needs_javascript": N_("このミニアプリを使うには JavaScript を有効にしてください。"),
    "read_aloud": N_("読み上げる"),
}

#: Headers that tell caches a response depends on the token and on being an htmx request.
VARY = "Authorization, HX-Request"

# web-share is left out of the header: Chromium does not know it there and logs a warning; the
# shell's iframe ``allow`` attribute already decides whether the frame may use it.
_PERMISSION_FEATURES = ("camera", "geolocation", "microphone", "clipboard-write")


def message(key: str, language: str, **values: str) -> str:
    """The SDK message ``key`` for a reader of ``language`` (in the closest language the SDK
    ships: :func:`machi_sdk.i18n.sdk_language`), ``values`` filled in."""
    return sdk_gettext(MESSAGES[key], language, **values)


def pick_language(preferences: Iterable[str]) -> str:
    """The language the SDK speaks to someone with ``preferences`` (locales, best first): the
    first one the SDK ships (or ships its base language of), else the fallback of the first."""
    wanted = [p.strip() for p in preferences if p and p.strip()]
    for preference in wanted:
        for candidate in (preference, preference.split("-")[0]):
            if sdk_language(candidate) == candidate:
                return candidate
    return sdk_language(wanted[0]) if wanted else "ja"


def accept_language(header: str) -> list[str]:
    """The languages of an ``Accept-Language`` header, best first (``q=0`` dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def content_security_policy(shell_url: str) -> str:
    """The CSP of every mini-app response: only the app and the shell, framed by the shell."""
    shell = shell_url.rstrip("/")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {shell}",
            f"style-src 'self' {shell}",
            f"img-src 'self' data: {shell}",
            "connect-src 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "form-action 'self'",
            f"frame-ancestors {shell}",
        ]
    )


def permissions_policy(features: Iterable[str]) -> str:
    """Permissions-Policy allowing the manifest's ``features`` to the app itself, nothing else."""
    granted = set(features)
    parts = [f"{f}=(self)" if f in granted else f"{f}=()" for f in _PERMISSION_FEATURES]
    return ", ".join([*parts, "payment=()", "usb=()"])


def security_headers(runtime: Runtime) -> Any:
    """A Litestar ``before_send`` hook adding the mini-app's security and caching headers."""
    csp = content_security_policy(runtime.shell_url)
    policy = permissions_policy(runtime.manifest.permissions)
    # Set on every response, replacing what a handler gave (the first in its place, others
    # dropped), else added in this order; bytes made once, the raw list walked once per response.
    fixed = {
        b"content-security-policy": csp.encode("latin-1"),
        b"permissions-policy": policy.encode("latin-1"),
        b"x-content-type-options": b"nosniff",
        b"referrer-policy": b"strict-origin-when-cross-origin",
    }
    vary_bytes = VARY.encode("latin-1")

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        if "headers" not in message:
            raise ValueError("Invalid message, expected 'headers' key")  # as Litestar says it
        given = message["headers"]
        raw = given if isinstance(given, list) else list(given)
        out: list[tuple[bytes, bytes]] = []
        placed: set[bytes] = set()
        vary_at = -1
        vary: bytes | None = None
        cached = False
        for name, value in raw:
            low = name.lower()
            if low in fixed:
                if low not in placed:
                    placed.add(low)
                    out.append((low, fixed[low]))
                continue
            if low == b"vary":
                if vary_at < 0:
                    vary_at, vary = len(out), value
                    out.append((low, value))
                continue
            if low == b"cache-control":
                cached = True
            out.append((name, value))
        out.extend((name, value) for name, value in fixed.items() if name not in placed)
        if vary_at < 0:
            out.append((b"vary", vary_bytes))
        else:
            text = (vary or b"").decode("latin-1")
            if text and VARY not in text:
                out[vary_at] = (b"vary", f"{text}, {VARY}".encode("latin-1"))
            elif not text:
                out[vary_at] = (b"vary", vary_bytes)
        authorized = any(name == b"authorization" for name, _ in scope.get("headers", ()))
        if authorized and not cached:
            out.append((b"cache-control", b"no-store, private"))
        raw[:] = out
        message["headers"] = raw

    return before_send


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """Whether htmx asked for a fragment: an htmx request that is neither boosted nor a history
    restore (those want the whole page)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def render_to_string(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
) -> str:
    """Render ``template`` (or only its ``block``, preceded by the page's ``<title>`` for htmx to
    apply) to text, with the SDK's context added."""
    runtime = _runtime(request)
    tmpl = runtime.miniapp.environment.get_template(template)
    full = {**runtime.base_context(request), **(context or {})}
    if block is None or block not in tmpl.blocks:
        return tmpl.render(full)
    body = "".join(tmpl.blocks[block](tmpl.new_context(full)))
    if block != "title" and "title" in tmpl.blocks:
        # htmx takes a <title> out of a fragment and sets the document's title with it.
        title = "".join(tmpl.blocks["title"](tmpl.new_context(full))).strip()
        app_name = escape(full["machi"]["app_name"])
        body = f"<title>{title} | {app_name}</title>\n{body}"
    return body


def render(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = "content",
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """Render ``template`` as an HTML response: the whole page, or for htmx only ``block``
    (``"content"`` by default; the whole template when it has no such block).

    The template sees ``resident``, ``locale``, ``request``, ``machi`` (``shell_url``, ``app_id``,
    ``app_name``) and ``_()`` in the resident's language, plus ``context``.
    """
    chosen = block if block and is_htmx(request) else None
    body = render_to_string(request, template, context, block=chosen)
    runtime = _runtime(request)
    # machi.js sets <html lang> from this when htmx swaps the page's content in
    language = runtime.miniapp.language_for(runtime.reader_locale(request))
    return Response(
        body,
        media_type=MediaType.HTML,
        status_code=status_code,
        headers={"Vary": VARY, "Content-Language": language, **(headers or {})},
    )


def _page_filter(formatter: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def apply(context: Context, value: Any, *args: Any) -> str:
        return formatter(value, context.get("locale") or "ja", *args)

    apply.__doc__ = formatter.__doc__
    return apply


def install_formatters(env: Environment) -> None:
    """Add :mod:`machi_sdk.formatting`'s formatters to ``env`` as filters in the page's language
    (the template's ``locale``): ``day``, ``clock``, ``moment``, ``number``, ``yen``, ``age``, e.g.
    ``{{ loan.due_on|day }}``, ``{{ slot.day|day("weekday") }}``, ``{{ bill.total|yen }}``."""
    for name, formatter in FORMATTERS.items():
        env.filters[name] = _page_filter(formatter)


def _runtime(request: Request[Any, Any, Any]) -> Runtime:
    runtime = request.app.state.get("machi_runtime")
    if runtime is None:
        raise RuntimeError("render() works only inside an app built by MiniApp.create_app()")
    return runtime  # type: ignore[no-any-return]
