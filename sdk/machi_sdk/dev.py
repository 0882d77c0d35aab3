"""``machi-sdk dev``: run a mini-app inside a local stand-in for the Machi shell.

One server on ``http://localhost:PORT`` plays the shell: it shows the consent sheet first, then
frames the app (served on its own origin, ``http://<id>.localhost:PORT``, as in production),
answers the bridge (``getToken``, ``setTitle``, ``requestScopes``, ``share``, ``openExternal``,
``readAloud``, ``close``), mints real
signed launch tokens for a pretend resident you describe in a form (name, district, age band,
language, granted scopes, staff roles), publishes its keys at ``/.well-known/jwks.json``, and keeps
what the app asks of the Platform (notifications, stored values, KPI counts) in memory, shown
beside the app. Nothing leaves the machine.

The shell's stylesheet and htmx come with the SDK (``machi_sdk/static/shell/``, copied there by
the Machi repository's ``make install``); without them the app still runs, unstyled.
"""

from __future__ import annotations

import dataclasses
import html
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, get, post
from litestar.params import FromPath
from litestar.response import File, Response
from litestar.types import ASGIApp, Receive, Scope, Send

from machi_sdk.app import MiniApp, load_miniapp
from machi_sdk.testing import FakeShell, MemoryPlatform

STATIC = Path(__file__).parent / "static"
AGE_BANDS = ("10s", "20s", "30s", "40s", "50s", "60s", "70s", "80s")


@dataclass
class PretendResident:
    """Who the simulator launches the app as; changed with the form on the simulator's page."""

    sub: str = field(default_factory=lambda: f"dev-{secrets.token_hex(6)}")
    name: str = "武雄 花子"
    district: str = "武雄町"
    age_band: str = "70s"
    verified: bool = False
    # Another pretend resident given the same household shares it (one per household rules).
    household: str = "dev-household-1"
    locale: str = "ja"
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def claims(self) -> dict[str, Any]:
        """The profile claims the real shell would put in the token for these scopes."""
        known = {
            "profile.name": self.name,
            "profile.district": self.district,
            "profile.age_band": self.age_band,
            "resident.verified": self.verified,
            # the real shell gives a household only to a verified resident
            "resident.household": self.household if self.verified and self.household else None,
        }
        return {scope: value for scope, value in known.items() if scope in self.scopes}


class Simulator:
    """The stand-in shell for one mini-app folder."""

    def __init__(self, folder: str | Path, *, port: int = 8700) -> None:
        self.miniapp: MiniApp = load_miniapp(folder)
        self.port = port
        self.shell_url = f"http://localhost:{port}"
        self.app_origin = f"http://{self.miniapp.id}.localhost:{port}"
        self.fake_shell = FakeShell(self.shell_url, kid="machi-sdk-dev")
        self.memory = MemoryPlatform(self.miniapp.id)
        self.resident = PretendResident(scopes=tuple(self.miniapp.manifest.scopes))
        self.consented = False  # the consent sheet comes first, as in the shell
        self.app = self.fake_shell.create_app(self.miniapp, platform=self.memory.platform)
        self.shell = self._shell()

    def token(self) -> dict[str, Any]:
        """A launch token for the pretend resident, as ``getToken`` answers it."""
        r = self.resident
        token = self.fake_shell.token(
            self.miniapp.id,
            sub=r.sub,
            scopes=r.scopes,
            claims=r.claims(),
            locale=r.locale,
            roles=r.roles,
            ttl=600,
        )
        return {"token": token, "scopes": list(r.scopes), "expires_at": int(time.time()) + 600}

    def state(self) -> dict[str, Any]:
        """What the app asked of the Platform so far."""
        return {
            "notifications": self.memory.notifications,
            "storage": {f"{who}:{key}": value for (who, key), value in self.memory.storage.items()},
            "kpis": self.memory.kpis,
            "audit": self.memory.audits,
        }

    def page(self) -> str:
        r = self.resident
        manifest = self.miniapp.manifest
        esc = html.escape
        scope_boxes = "".join(
            f'<label><input type="checkbox" name="scope" value="{esc(s)}"'
            f"{' checked' if s in r.scopes else ''}> {esc(s)}</label> "
            for s in manifest.scopes
        )
        role_boxes = "".join(
            f'<label><input type="checkbox" name="role" value="{esc(role.id)}"'
            f"{' checked' if role.id in r.roles else ''}> {esc(role.id)}</label> "
            for role in getattr(manifest, "roles", ())
        )
        bands = "".join(
            f"<option{' selected' if b == r.age_band else ''}>{b}</option>" for b in AGE_BANDS
        )
        state = esc(json.dumps(self.state(), ensure_ascii=False, indent=2))
        return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(self.miniapp.id)} — machi-sdk dev</title>
<link rel="stylesheet" href="/static/css/machi.css">
<style>.dev{{display:grid;grid-template-columns:minmax(320px,420px) 1fr;gap:1rem;padding:1rem}}
iframe{{width:390px;height:720px;border:1px solid #666;border-radius:12px}}
fieldset{{margin:.5rem 0}}pre{{white-space:pre-wrap;font-size:.85rem}}</style>
</head><body>
<main class="dev">
<div>
<h1>machi-sdk dev: {esc(self.miniapp.id)}</h1>
<form method="post" action="/resident" class="card">
  <h2>Pretend resident</h2>
  <label>Name <input name="name" value="{esc(r.name)}"></label>
  <label>District <input name="district" value="{esc(r.district)}"></label>
  <label>Age band <select name="age_band">{bands}</select></label>
  <label>Language <input name="locale" value="{esc(r.locale)}" size="5"></label>
  <label><input type="checkbox" name="verified" value="1"{" checked" if r.verified else ""}>
    verified at the counter</label>
  <label>Household <input name="household" value="{esc(r.household)}" size="16"></label>
  <fieldset><legend>Granted scopes</legend>{scope_boxes or "none asked"}</fieldset>
  <fieldset><legend>Staff roles</legend>{role_boxes or "none defined"}</fieldset>
  <button class="button" type="submit">Relaunch as this resident</button>
</form>
<section class="card"><h2>Platform calls</h2><pre data-testid="dev-state">{state}</pre>
<a href="/">Refresh</a></section>
</div>
{self._frame_or_consent(r)}
<h2 id="miniapp-title" hidden></h2>
</main>
<script src="/static/dev-host.js" defer></script>
</body></html>"""

    def _frame_or_consent(self, r: PretendResident) -> str:
        """The consent sheet the shell shows before the first launch, then the framed app."""
        esc = html.escape
        manifest = self.miniapp.manifest
        if not self.consented:
            asked = "".join(f"<li><code>{esc(scope)}</code></li>" for scope in manifest.scopes)
            return f"""<section class="card" data-testid="dev-consent">
  <h2>Before you use {esc(manifest.display_name(r.locale))}</h2>
  <p>{esc(manifest.publisher)} asks the resident to allow:</p>
  <ul>{asked or "<li>nothing</li>"}</ul>
  <form method="post" action="/consent">
    <button class="button" type="submit" name="answer" value="allow">Allow and open</button>
    <button class="button button--secondary" type="submit" name="answer" value="deny">
      Open without allowing</button>
  </form>
</section>"""
        title = esc(self.miniapp.id)
        return f"""<iframe id="miniapp-frame" src="{self.app_origin}/" title="{title}"
  sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-downloads"
  data-app-id="{esc(self.miniapp.id)}" data-app-origin="{self.app_origin}"
  data-token-url="/token" data-locale="{esc(r.locale)}"
  data-scopes="{esc(" ".join(manifest.scopes))}"></iframe>"""

    def _shell(self) -> Litestar:
        simulator = self

        @get("/", media_type="text/html")
        async def index() -> str:
            return simulator.page()

        @post("/resident", status_code=303)
        async def resident(request: Request[Any, Any, Any]) -> Response[None]:
            form = await request.form()
            declared = set(simulator.miniapp.manifest.scopes)
            simulator.resident = PretendResident(
                sub=simulator.resident.sub,
                name=str(form.get("name", "")),
                district=str(form.get("district", "")),
                age_band=str(form.get("age_band", "70s")),
                verified=form.get("verified") == "1",
                household=str(form.get("household", "")).strip(),
                locale=str(form.get("locale", "ja")) or "ja",
                scopes=tuple(s for s in form.getall("scope", []) if s in declared),
                roles=tuple(form.getall("role", [])),
            )
            return Response(None, status_code=303, headers={"Location": "/"})

        @post("/consent", status_code=303)
        async def consent(request: Request[Any, Any, Any]) -> Response[None]:
            form = await request.form()
            allowed = form.get("answer") == "allow"
            simulator.resident = dataclasses.replace(
                simulator.resident,
                scopes=tuple(simulator.miniapp.manifest.scopes) if allowed else (),
            )
            simulator.consented = True
            return Response(None, status_code=303, headers={"Location": "/"})

        @post("/token", status_code=200)
        async def token() -> dict[str, Any]:
            return simulator.token()

        @get("/state")
        async def state() -> dict[str, Any]:
            return simulator.state()

        @get("/.well-known/jwks.json")
        async def jwks() -> dict[str, Any]:
            return simulator.fake_shell.jwks()

        @get("/sdk/machi.js")
        async def bridge() -> File:
            return File(STATIC / "machi.js", content_disposition_type="inline")

        @get("/static/dev-host.js")
        async def host() -> File:
            return File(STATIC / "dev-host.js", content_disposition_type="inline")

        @get("/static/{kind:str}/{name:str}")
        async def shell_asset(kind: FromPath[str], name: FromPath[str]) -> File:
            return File(_asset(kind, name), content_disposition_type="inline")

        return Litestar([index, resident, consent, token, state, jwks, bridge, host, shell_asset])

    def asgi(self) -> ASGIApp:
        """One ASGI app: requests for the app's origin reach the app, the rest the shell."""
        app_host = f"{self.miniapp.id}.localhost"

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] in ("http", "websocket"):
                host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
                if host.split(":")[0] == app_host:
                    await self.app(scope, receive, send)
                    return
            await self.shell(scope, receive, send)

        return dispatch


# The shell's own stylesheet, its design tokens and htmx, as ``make install`` copies them.
ASSETS = {
    ("css", "machi.css"): "shell/machi.css",
    ("vendor", "tokens.css"): "shell/tokens.css",
    ("vendor", "htmx.min.js"): "shell/htmx.min.js",
}


def _asset(kind: str, name: str) -> Path:
    from litestar.exceptions import NotFoundException

    relative = ASSETS.get((kind, name))
    if relative is None or not (STATIC / relative).exists():
        raise NotFoundException(f"/static/{kind}/{name} is not part of the simulator")
    return STATIC / relative


def run(folder: str | Path, *, port: int = 8700, host: str = "127.0.0.1") -> None:
    """Serve the simulator (blocking) until interrupted."""
    import uvicorn

    simulator = Simulator(folder, port=port)
    missing = [path for path in ASSETS.values() if not (STATIC / path).exists()]
    print(f"machi-sdk dev: {simulator.miniapp.id} in a simulated shell at {simulator.shell_url}")
    print(f"  the app itself answers at {simulator.app_origin}")
    if missing:
        print("  (the shell's stylesheet and htmx are not bundled here: pages show unstyled)")
    uvicorn.run(simulator.asgi(), host=host, port=port, log_level="info")
