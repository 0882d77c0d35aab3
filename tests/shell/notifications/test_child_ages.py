"""Child-rearing notices by children's age: a parent gives a child's month of birth (optional,
nothing else kept), a notifier picks "has a child aged 1–2" and only parents of such a child get
it; bad months are refused and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from shell.notifications import actions
from shell.notifications.segments import Segment, members
from shell.notifications.tables import ChildBirthMonth, InboxItem
from tests.helpers.flows import csrf_headers
from tests.shell.notifications.conftest import resident, staff
from tests.shell.notifications.test_staff import _form


def _month(today: dt.date, months_back: int) -> str:
    index = today.year * 12 + today.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


async def test_parents_of_a_child_of_that_age_get_it_and_no_one_else(app, districts):
    today = dt.date.today()
    async with resident(app) as (toddler_parent, toddler_account), \
            resident(app, name="別府 花", name_kana="べっぷ はな") as (baby_parent, baby_account), \
            resident(app, name="子無 太郎", name_kana="こなし たろう") as (_none, none_account), \
            staff(app) as (notifier, _n):  # fmt: skip
        # 18 months old: in "1-2"; 11 months old: in "0" (under one), not in "1-2"
        page = await toddler_parent.post("/notifications/children",
                                         data={"month": _month(today, 18)},
                                         headers=csrf_headers(toddler_parent))  # fmt: skip
        assert page.status_code == 200
        assert 'data-testid="children-saved"' in page.text
        shown = dt.date.fromisoformat(_month(today, 18) + "-01")
        assert f"{shown.year}年{shown.month}月生まれ" in page.text
        await baby_parent.post("/notifications/children", data={"month": _month(today, 11)},
                               headers=csrf_headers(baby_parent))  # fmt: skip
        await notifier.get("/staff/notifications/new")
        preview = await notifier.post(
            "/staff/notifications/preview", data=_form(child_age=["1-2"]),
            headers={**csrf_headers(notifier), "HX-Request": "true"},
        )  # fmt: skip
        assert "1人に届きます" in preview.text
        sent = await notifier.post("/staff/notifications/", data=_form(child_age=["1-2"]),
                                   headers=csrf_headers(notifier))  # fmt: skip
        assert sent.status_code == 303
        receivers = {r["account"] for r in await InboxItem.select(InboxItem.account)}
        assert receivers == {toddler_account["id"]}
        detail = await notifier.get(sent.headers["location"])
        assert "子どもの年齢：1〜2歳" in detail.text
    assert baby_account["id"] not in receivers
    assert none_account["id"] not in receivers


@pytest.mark.parametrize(
    ("months_back", "band", "inside"),
    [
        (0, "0", True),  # born this month
        (11, "0", True),
        (12, "0", False),  # one year old this month
        (12, "1-2", True),
        (35, "1-2", True),
        (36, "1-2", False),
        (36, "3-5", True),
        (71, "3-5", True),
        (72, "6-11", True),
        (215, "15-17", True),
        (180, "12-14", False),
    ],
)
async def test_a_childs_age_band_by_month_of_birth(db, districts, months_back, band, inside):
    from shell.identity.tables import Account

    today = dt.date(2026, 11, 29)
    parent = Account(name="親 一", name_kana="おや はじめ", birth_date=dt.date(1990, 1, 1),
                     district=districts[0]["id"], webauthn_user_id=f"band-{months_back}-{band}")
    await parent.save()
    try:
        await actions.add_child_month(parent.id, _month(today, months_back), today)
        found = await members(Segment(child_ages=(band,)), today)
        assert (parent.id in found) is inside
    finally:
        await Account.delete().where(Account.id == parent.id)  # its child month goes with it


async def test_bad_months_are_refused_and_the_same_month_is_kept_once(app, districts):
    today = dt.date.today()
    async with resident(app) as (parent, account):
        for month, message in [
            ("2026-13", "18年以内"),
            ("nonsense", "18年以内"),
            (_month(today, -1), "18年以内"),  # next month
            (_month(today, 18 * 12), "18年以内"),
        ]:
            page = await parent.post("/notifications/children", data={"month": month},
                                     headers=csrf_headers(parent))  # fmt: skip
            assert 'data-testid="children-error"' in page.text, month
            assert message in page.text
        assert await ChildBirthMonth.count() == 0
        for _ in range(2):
            await parent.post("/notifications/children", data={"month": _month(today, 5)},
                              headers=csrf_headers(parent))  # fmt: skip
        rows = await ChildBirthMonth.select().where(ChildBirthMonth.account == account["id"])
        assert len(rows) == 1
        # removing is the parent's own: someone else's id changes nothing
        async with resident(app, name="他人 次郎", name_kana="たにん じろう") as (other, _o):
            await other.post("/notifications/children", data={"remove": str(rows[0]["id"])},
                             headers=csrf_headers(other))  # fmt: skip
        assert await ChildBirthMonth.count() == 1
        await parent.post("/notifications/children", data={"remove": str(rows[0]["id"])},
                          headers=csrf_headers(parent))  # fmt: skip
        assert await ChildBirthMonth.count() == 0
        for months_back in range(10):
            await actions.add_child_month(account["id"], _month(today, months_back))
        eleventh = await parent.post("/notifications/children",
                                     data={"month": _month(today, 30)},
                                     headers=csrf_headers(parent))  # fmt: skip
        assert "10人まで" in eleventh.text
        assert await ChildBirthMonth.count() == 10
