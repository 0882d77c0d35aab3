"""Demo data: a primary school with two classes and a nursery group, each with a staff code
anyone may use on a demo server, three children and a letter."""

from __future__ import annotations

from . import actions
from .tables import SchoolClass

#: (school, class, grade, kind, staff code, office hours, children)
DEMO_CLASSES = [
    (
        "武雄市立みどり小学校",
        "1年1組",
        1,
        "school",
        "DEMO-1A1A",
        "平日 8:00〜16:30",
        [("はると", "はると"), ("ひな", "ひな")],
    ),
    ("武雄市立みどり小学校", "2年1組", 2, "school", "DEMO-2A1A", "平日 8:00〜16:30", []),
    (
        "みどりこども園",
        "ひよこ組",
        1,
        "nursery",
        "DEMO-HYKO",
        "平日 7:30〜18:00",
        [("ゆい", "ゆい")],
    ),
]


async def load_demo() -> list[str]:
    if await SchoolClass.exists():
        return []
    lines = []
    first_class = None
    for school, name, grade, kind, code, hours, children in DEMO_CLASSES:
        class_id, _ = await actions.create_class(
            school, name, grade=grade, kind=kind, staff_code=code, office_hours=hours,
            deadline="08:30" if kind == "school" else "09:30",
        )  # fmt: skip
        first_class = first_class or class_id
        lines.append(f"school: {school} {name}: staff code {code}")
        for first_name, kana in children:
            _, child_code = await actions.add_child(class_id, first_name, kana)
            lines.append(f"school:   {first_name}: guardian code {child_code}")
    await actions.create_letter(
        "demo", "demo-letter", school="武雄市立みどり小学校", audience="school",
        class_id=first_class, title="遠足のお知らせ",
        body="10月10日（金）に御船山楽園へ遠足に行きます。お弁当と水筒を持たせてください。雨の場合は通常授業です。",
        send_at=None, files=[],
    )  # fmt: skip
    return lines
