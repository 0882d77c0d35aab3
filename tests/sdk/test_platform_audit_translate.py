"""The SDK's own checks on audit and translate, before any call reaches the city."""

from __future__ import annotations

import pytest
from machi_sdk import PlatformError, Resident
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
        "Vắng mặt", "[vi] お知らせ"
    ]
    for texts, target in ((["x"] * 51, "vi"), ("一つの文字列", "vi"), (["x"], "no language")):
        with pytest.raises(PlatformError) as bad:
            await memory.platform.translate(texts, target)
        assert bad.value.code == "invalid"
    offline = MemoryPlatform("school", translation_engine=False)
    with pytest.raises(PlatformError) as none:
        await offline.platform.translate(["x"], "en")
    assert none.value.code == "unavailable"
