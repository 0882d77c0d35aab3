"""The SDK's own checks on audit and translate, before any call reaches the city."""

from __future__ import annotations

import json

import httpx
import pytest
from machi_sdk import HTTPSPlatform, PlatformError, Resident
from machi_sdk.platform import NoPlatform
from machi_sdk.testing import MemoryPlatform

STAFF = Resident(id="pw-staff", scopes=frozenset(), roles=frozenset({"school_staff"}))
PARENT = Resident(id="pw-parent", scopes=frozenset())


async def test_memory_platform_records_staff_access():
    memory = MemoryPlatform("school")
    await memory.platform.audit(STAFF, "child.view", PARENT.id, {"class": "ひまわり"})
    (entry,) = memory.audits
    assert entry == {"actor": "pw-staff", "roles": ["school_staff"], "action": "child.view",
                     "subject": "pw-parent", "detail": {"class": "ひまわり"}}  # fmt: skip


@pytest.mark.parametrize(
    ("who", "action", "subject", "detail"),
    [
        (PARENT, "child.view", "x", None),  # no staff role
        (STAFF, "Child View", "x", None),
        (STAFF, "child.view", "", None),
        (STAFF, "child.view", "x" * 101, None),
        (STAFF, "child.view", "x", {"note": "x" * 3000}),
        (STAFF, "child.view", "x", {"when": object()}),
    ],
)
async def test_bad_audit_calls_are_refused_and_nothing_is_written(who, action, subject, detail):
    memory = MemoryPlatform("school")
    with pytest.raises(PlatformError) as refused:
        await memory.platform.audit(who, action, subject, detail)
    assert refused.value.code in ("forbidden", "invalid")
    assert memory.audits == []


async def test_translate_answers_per_text_or_says_unavailable():
    memory = MemoryPlatform("school", translations={("欠席します", "vi"): "Vắng mặt"})
    assert await memory.platform.translate(["欠席します", "お知らせ"], "vi") == [
        "Vắng mặt",
        "[vi] お知らせ",
    ]
    for texts, target in ((["x"] * 51, "vi"), ("一つの文字列", "vi"), (["x"], "no language")):
        with pytest.raises(PlatformError) as bad:
            await memory.platform.translate(texts, target)
        assert bad.value.code == "invalid"
    offline = MemoryPlatform("school", translation_engine=False)
    with pytest.raises(PlatformError) as none:
        await offline.platform.translate(["x"], "en")
    assert none.value.code == "unavailable"


async def test_a_staff_correction_is_what_a_later_translate_answers():
    memory = MemoryPlatform("school")
    assert await memory.platform.translate(["運動会のお知らせ"], "vi") == ["[vi] 運動会のお知らせ"]
    await memory.platform.remember_translation(STAFF, "運動会のお知らせ", "vi",
                                               "Thông báo hội thao")  # fmt: skip
    assert await memory.platform.translate(["運動会のお知らせ"], "vi") == ["Thông báo hội thao"]
    assert memory.remembered == [
        {
            "by": "pw-staff",
            "source_text": "運動会のお知らせ",
            "target": "vi",
            "text": "Thông báo hội thao",
            "source": "ja",
        }
    ]
    # a city without an engine still answers what its memory holds
    offline = MemoryPlatform("school", translation_engine=False)
    await offline.platform.remember_translation(STAFF, "欠席します", "en", "Absent today")
    assert await offline.platform.translate(["欠席します"], "en") == ["Absent today"]


@pytest.mark.parametrize(
    ("who", "source_text", "target", "text", "code"),
    [
        (PARENT, "欠席します", "vi", "Vắng mặt", "forbidden"),  # a resident cannot teach the city
        (STAFF, " ", "vi", "Vắng mặt", "invalid"),
        (STAFF, "欠席します", "vi", "", "invalid"),
        (STAFF, "欠席します", "vi", "x" * 5001, "invalid"),
        (STAFF, "欠席します", "not a language", "x", "invalid"),
        (STAFF, "欠席します", "ja", "欠席します", "invalid"),
    ],
)
async def test_bad_corrections_are_refused_before_the_city(who, source_text, target, text, code):
    memory = MemoryPlatform("school")
    with pytest.raises(PlatformError) as refused:
        await memory.platform.remember_translation(who, source_text, target, text)
    assert refused.value.code == code
    assert memory.remembered == []


async def test_https_platform_posts_a_correction_with_the_staff_token():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    staff = Resident(id="pw-staff", scopes=frozenset(), roles=frozenset({"school_staff"}),
                     token="launch-token")  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        platform = HTTPSPlatform("https://shell.example", "school", "secret", client=client)
        await platform.remember_translation(staff, "欠席します", "vi", "Vắng mặt")
        with pytest.raises(PlatformError):
            await NoPlatform().remember_translation(staff, "欠席します", "vi", "Vắng mặt")
    (request,) = seen
    assert (request.method, request.url.path) == ("POST", "/api/v1/translations/memory")
    assert request.headers["Machi-Resident-Token"] == "launch-token"
    assert json.loads(request.content) == {"source_text": "欠席します", "target": "vi",
                                           "text": "Vắng mặt", "source": "ja"}  # fmt: skip
