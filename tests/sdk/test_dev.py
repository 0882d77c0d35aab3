"""``machi-sdk dev``: the simulated shell frames the app on its own origin, mints real tokens for
the pretend resident, and shows what the app asked of the Platform."""

from __future__ import annotations

import httpx
from machi_sdk.auth import TokenVerifier
from machi_sdk.cli import main
from machi_sdk.dev import Simulator

from shell.settings import ROOT

HELLO = ROOT / "sdk" / "examples" / "hello"


def _client(simulator: Simulator, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=simulator.asgi()), base_url=f"http://{host}:8700"
    )


async def test_the_simulator_frames_the_app_and_answers_the_bridge_with_real_tokens():
    simulator = Simulator(HELLO, port=8700)
    async with (
        _client(simulator, "localhost") as shell,
        _client(simulator, "hello.localhost") as app,
    ):
        # The consent sheet comes first, naming the publisher and what the app asks for.
        sheet = await shell.get("/")
        assert 'data-testid="dev-consent"' in sheet.text
        assert "machi-sdk examples" in sheet.text
        assert "<code>storage</code>" in sheet.text
        assert "miniapp-frame" not in sheet.text
        denied = await shell.post("/consent", data={"answer": "deny"})
        assert denied.status_code == 303
        assert (await shell.post("/token")).json()["scopes"] == []
        await shell.post("/consent", data={"answer": "allow"})
        assert (await shell.post("/token")).json()["scopes"] == ["profile.name", "storage"]
        page = await shell.get("/")
        assert 'src="http://hello.localhost:8700/"' in page.text
        assert (
            'sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-downloads"'
            in (page.text)
        )
        # The resident is described in a form; the token then carries exactly what was granted.
        changed = await shell.post(
            "/resident",
            data={"name": "嬉野 太郎", "district": "朝日町", "age_band": "30s", "locale": "en",
                  "scope": ["profile.name", "storage", "wallet.pay"]},
        )  # fmt: skip
        assert changed.status_code == 303
        granted = (await shell.post("/token")).json()
        verifier = TokenVerifier(simulator.shell_url, "hello", simulator.fake_shell.keys())
        resident = await verifier.averify(granted["token"])
        assert resident.scopes == {"profile.name", "storage"}  # wallet.pay is not in the manifest
        assert resident.claims == {"profile.name": "嬉野 太郎"}
        assert resident.locale == "en"
        assert (await shell.get("/.well-known/jwks.json")).json() == simulator.fake_shell.jwks()
        assert "postMessage" in (await shell.get("/sdk/machi.js")).text

        # The app, on its own origin, accepts the token; its Platform calls show in the simulator.
        for _ in range(2):
            greeting = await app.get("/", headers={"Authorization": f"Bearer {granted['token']}"})
            assert greeting.status_code == 200
            assert "嬉野 太郎" in greeting.text
        assert greeting.headers["content-security-policy"].count(
            "frame-ancestors http://localhost:8700"
        )
        state = (await shell.get("/state")).json()
        assert state["kpis"] == {"visits": 2}
        assert state["storage"] == {f"{resident.id}:visits": 2}


def test_the_command_refuses_a_folder_without_a_valid_manifest(tmp_path, capsys):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.toml").write_text('id = "broken"\n', encoding="utf-8")
    assert main(["dev", str(tmp_path / "broken")]) == 2
    assert "manifest" in capsys.readouterr().err


def test_the_command_refuses_a_missing_folder(tmp_path, capsys):
    assert main(["dev", str(tmp_path / "nowhere")]) == 2
    assert "manifest.toml" in capsys.readouterr().err
