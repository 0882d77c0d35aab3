"""Who may see and do what, as a table: the child's guardian, another class's parent, the class's
teacher, a teacher of another class, an administrator, and a resident with no part in it."""

from __future__ import annotations

import pytest
from machi_sdk.testing import miniapp_client

from .conftest import module, token

actions = module("actions")
tables = module("tables")

# who -> (pairwise id, roles)
PEOPLE = {
    "guardian": ("parent-1", ()),
    "other_parent": ("parent-2", ()),
    "teacher": ("teacher-a", ("school_staff",)),
    "other_teacher": ("teacher-b", ("school_staff",)),
    "admin": ("admin-1", ("admin",)),
    "stranger": ("stranger", ()),
}

# (method, path, who may) ; every other person gets 403 or 404 and nothing changes
CASES = [
    ("GET", "/children/{child}", {"guardian"}),
    ("POST", "/children/{child}/notices", {"guardian"}),
    ("GET", "/letters/{letter}", {"guardian"}),
    ("GET", "/attachments/{file}", {"guardian", "teacher", "admin"}),
    ("GET", "/classes/{one}/conversation", {"guardian"}),
    ("GET", "/conversations/{conv}", {"guardian", "teacher", "admin"}),
    ("POST", "/conversations/{conv}/messages", {"guardian", "teacher", "admin"}),
    ("GET", "/conversations/{conv}/wait?seconds=0", {"guardian", "teacher", "admin"}),
    ("POST", "/letters/{letter}/answer", {"guardian"}),
    ("POST", "/children/{child}/contact", {"guardian"}),
    ("GET", "/staff", {"teacher", "other_teacher", "admin"}),
    ("POST", "/staff/classes", {"admin"}),
    ("GET", "/staff/children/{child}/contact", {"teacher", "admin"}),
    ("POST", "/staff/children/{child}/contact", {"teacher", "admin"}),
    ("POST", "/staff/classes/{one}/settings", {"teacher", "admin"}),
    ("GET", "/staff/classes/{one}", {"teacher", "admin"}),
    ("GET", "/staff/classes/{one}/board", {"teacher", "admin"}),
    ("POST", "/staff/classes/{one}/gate", {"teacher", "admin"}),
    ("POST", "/staff/classes/{one}/children", {"teacher", "admin"}),
    ("GET", "/staff/letters/{letter}", {"teacher", "admin"}),
    ("POST", "/staff/letters/{letter}/release", {"teacher", "admin"}),
    ("POST", "/staff/letters/{letter}/nudge", {"teacher", "admin"}),
    ("GET", "/staff/classes/{one}/export", {"teacher", "admin"}),
]

FORMS = {
    "/children/{child}/notices": {"kind": "absent", "reason": "family", "day": "{tomorrow}"},
    "/conversations/{conv}/messages": {"body": "こんにちは", "nonce": "{who}"},
    "/staff/classes/{one}/gate": {"code": "{qr}", "direction": "in"},
    "/staff/classes/{one}/children": {"first_name": "そら"},
    "/letters/{letter}/answer": {"choice": "0"},
    "/staff/classes": {"school": "みどり小学校", "name": "3年1組", "grade": "3"},
    "/children/{child}/contact": {"note": "元気です"},
    "/staff/children/{child}/contact": {"note": "元気でした"},
    "/staff/classes/{one}/settings": {"deadline": "08:30", "office_hours": "平日"},
}


@pytest.fixture(name="world")
async def fx_world(school):
    import datetime as dt

    await actions.link_child("parent-1", school["code"])
    _, code = await actions.add_child(school["two"], "ひな")
    await actions.link_child("parent-2", code)
    letter = await actions.create_letter(
        "teacher-a", "n", school="みどり小学校", audience="class", class_id=school["one"],
        title="お知らせ", body="本文", send_at=None, files=[("a.pdf", b"%PDF-1.4 x")],
        question="参加しますか", choices=["はい", "いいえ"],
    )  # fmt: skip
    file_id = (await tables.SchoolAttachment.select())[0]["id"]
    conv = await actions.conversation("parent-1", school["one"], "はると")
    child = (
        await tables.SchoolChild.select().where(tables.SchoolChild.id == school["child"]).first()
    )
    tomorrow = (actions.today() + dt.timedelta(days=1)).isoformat()
    return {**school, "letter": letter, "file": file_id, "conv": conv,
            "qr": actions.qr_text(child), "tomorrow": tomorrow}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "allowed"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES]
)
async def test_permission_table(world, web, shell, method, path, allowed):
    for who, (sub, roles) in PEOPLE.items():
        url = path.format(**world)
        form = {k: v.format(who=who, **world) for k, v in FORMS.get(path, {}).items()}
        before = await _counts()
        async with miniapp_client(web, token(shell, sub, roles=roles), htmx=True) as client:
            response = await (client.get(url) if method == "GET" else client.post(url, data=form))
        if who in allowed:
            assert response.status_code == 200, (who, url, response.text[:300])
        else:
            assert response.status_code in (403, 404), (who, url, response.status_code)
            assert await _counts() == before, (who, url)


async def _counts() -> tuple[int, ...]:
    return tuple([
        await t.count() for t in (tables.SchoolNotice, tables.SchoolMessage, tables.SchoolChild,
                                  tables.SchoolAttendance, tables.SchoolConversation,
                                  tables.SchoolAnswer, tables.SchoolContact,
                                  tables.SchoolClass)
    ])  # fmt: skip


async def test_every_staff_read_of_a_child_record_is_audited(world, web, shell, platform):
    teacher = token(shell, "teacher-a", roles=("school_staff",))
    async with miniapp_client(web, teacher, htmx=True) as client:
        await client.get(f"/staff/classes/{world['one']}")
        await client.get(f"/conversations/{world['conv']}")
    actions_seen = [(a["action"], a["subject"]) for a in platform.audits]
    assert ("school.board.view", f"class:{world['one']}") in actions_seen
    assert ("school.conversation.view", "parent-1") in actions_seen
