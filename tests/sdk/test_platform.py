"""platform.py: scope checks before any call, the in-process transport, the HTTPS client."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import httpx
import pytest
from machi_sdk.platform import HTTPSPlatform, NoPlatform, Platform, PlatformError
from machi_sdk.testing import MemoryPlatform, make_resident

EVERYTHING = ["profile.name", "notify", "storage"]


def test_the_transports_are_platforms():
    assert isinstance(MemoryPlatform("hello").platform, Platform)
    assert isinstance(HTTPSPlatform("https://shell.example", "id", "secret"), Platform)
    assert isinstance(NoPlatform(), Platform)


async def test_calls_needing_a_scope_refuse_without_calling_the_shell():
    memory = MemoryPlatform("hello")
    nobody = make_resident(scopes=["profile.name"])
    for call in (
        memory.platform.notify(nobody, "t", "b"),
        memory.platform.storage_get(nobody, "k"),
        memory.platform.storage_set(nobody, "k", 1),
    ):
        with pytest.raises(PlatformError) as caught:
            await call
        assert caught.value.code == "scope_missing"
    assert memory.notifications == []
    assert memory.storage == {}


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("", "body", None), "title"),
        (("t" * 101, "body", None), "title"),
        (("t", "b" * 1001, None), "body"),
        (("t", "b", "https://evil.example/"), "url"),
        (("t", "b", "//evil.example/"), "url"),
    ],
)
async def test_notifications_are_checked(args, problem):
    memory = MemoryPlatform("hello")
    with pytest.raises(PlatformError, match=problem):
        await memory.platform.notify(make_resident(scopes=EVERYTHING), *args)


async def test_storage_and_kpis_are_checked():
    platform = MemoryPlatform("hello").platform
    resident = make_resident(scopes=EVERYTHING)
    with pytest.raises(PlatformError, match="storage key"):
        await platform.storage_set(resident, "../etc", 1)
    with pytest.raises(PlatformError, match="not JSON"):
        await platform.storage_set(resident, "k", {1, 2})
    with pytest.raises(PlatformError, match="KPI"):
        await platform.kpi("Bad Name")
    with pytest.raises(PlatformError, match="integer"):
        await platform.kpi("visits", 1.5)  # type: ignore[arg-type]


async def test_in_process_calls_reach_the_shells_functions():
    memory = MemoryPlatform("hello")
    resident = make_resident("p-1", scopes=EVERYTHING)
    await memory.platform.notify(resident, "お知らせ", "本文", "/news")
    await memory.platform.storage_set(resident, "stamps", [1, 2])
    await memory.platform.kpi("stamps", 2)
    assert await memory.platform.storage_get(resident, "stamps") == [1, 2]
    assert await memory.platform.storage_get(resident, "missing") is None
    assert await memory.platform.profile(resident) == {"profile.name": "山田 花子"}
    assert memory.notifications[0]["title"] == "お知らせ"
    assert memory.kpis == {"stamps": 2}


async def test_no_platform_fails_loudly():
    with pytest.raises(PlatformError, match="unavailable"):
        await NoPlatform().kpi("visits")


class Recorder:
    def __init__(self, responses: dict[tuple[str, str], httpx.Response]) -> None:
        self.responses = responses
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.get((request.method, request.url.path), httpx.Response(404))


async def test_https_platform_sends_credentials_and_the_residents_token():
    recorder = Recorder(
        {
            ("GET", "/api/v1/profile"): httpx.Response(200, json={"profile.name": "花子"}),
            ("POST", "/api/v1/notifications"): httpx.Response(202),
            ("PUT", "/api/v1/storage/stamps"): httpx.Response(204),
            ("GET", "/api/v1/storage/stamps"): httpx.Response(200, json={"value": 3}),
            ("POST", "/api/v1/kpis/stamps"): httpx.Response(204),
        }
    )
    resident = replace(make_resident(scopes=EVERYTHING), token="launch.token.here")
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as client:
        platform = HTTPSPlatform("https://shell.example/", "app-id", "s3cret", client=client)
        assert await platform.profile(resident) == {"profile.name": "花子"}
        await platform.notify(resident, "t", "b", "/x")
        await platform.storage_set(resident, "stamps", 3)
        assert await platform.storage_get(resident, "stamps") == 3
        assert await platform.storage_get(resident, "missing") is None
        await platform.kpi("stamps")
    basic = "Basic " + base64.b64encode(b"app-id:s3cret").decode()
    assert all(r.headers["authorization"] == basic for r in recorder.requests)
    resident_calls = [r for r in recorder.requests if "kpis" not in r.url.path]
    assert all(r.headers["machi-resident-token"] == "launch.token.here" for r in resident_calls)
    kpi_call = next(r for r in recorder.requests if "kpis" in r.url.path)
    assert "machi-resident-token" not in kpi_call.headers
    assert json.loads(kpi_call.content) == {"value": 1}
    note = next(r for r in recorder.requests if r.url.path.endswith("notifications"))
    assert json.loads(note.content) == {"title": "t", "body": "b", "url": "/x"}


async def test_https_platform_turns_errors_into_platform_errors():
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("notifications"):
            return httpx.Response(429, json={"error": {"code": "quota_exceeded", "message": "x"}})
        return httpx.Response(500, text="boom")

    resident = replace(make_resident(scopes=EVERYTHING), token="t.t.t")
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        platform = HTTPSPlatform("https://shell.example", "id", "secret", client=client)
        with pytest.raises(PlatformError) as caught:
            await platform.notify(resident, "t", "b")
        assert caught.value.code == "quota_exceeded"
        with pytest.raises(PlatformError) as caught:
            await platform.kpi("visits")
        assert caught.value.code == "http_500"


async def test_https_platform_reports_an_unreachable_shell():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as client:
        platform = HTTPSPlatform("https://shell.example", "id", "secret", client=client)
        with pytest.raises(PlatformError, match="unavailable"):
            await platform.kpi("visits")


def test_https_platform_wants_https():
    with pytest.raises(ValueError):
        HTTPSPlatform("http://shell.example", "id", "secret")
    HTTPSPlatform("http://localhost:8000", "id", "secret")


def test_platform_isinstance_is_remembered_only_for_classes_that_have_every_member() -> None:
    """Checked on every request that takes ``platform``: a class with every member passes at once
    after its first instance; an object with the members only on itself is checked every time."""
    from types import SimpleNamespace

    from machi_sdk.platform import _PASSED, NoPlatform, Platform

    assert isinstance(NoPlatform(), Platform)
    assert NoPlatform in _PASSED[Platform]
    assert not isinstance(object(), Platform)
    members = [name for name in Platform.__dict__ if not name.startswith("_")]
    assert "notify" in members

    async def call(*_: object, **__: object) -> None:
        return None

    partial = SimpleNamespace(**dict.fromkeys(members, call))
    assert isinstance(partial, Platform)
    del partial.notify
    assert not isinstance(partial, Platform)  # the namespace's class was never remembered
    assert SimpleNamespace not in _PASSED[Platform]
