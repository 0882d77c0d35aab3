"""The booking pages end to end in-process: search, week grid, book, pay through the Platform,
permit PDF and calendar, door code, cancel; two residents racing for one slot over HTTP; staff."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import httpx
from machi_sdk.testing import miniapp_client

from .conftest import module

ALL = ["resident.verified", "profile.age_band", "notify", "wallet.pay"]


def _token(
    shell: Any,
    sub: str,
    *,
    scopes: list[str] = ALL,
    roles: list[str] | None = None,
    claims: dict[str, Any] | None = None,
) -> str:
    claims = {"resident.verified": True, "profile.age_band": "40s"} if claims is None else claims
    return shell.token("booking", sub=sub, scopes=scopes, claims=claims, roles=roles or [])


def _free_key(page: str) -> str:
    found = re.search(r'name="slot" value="([0-9-]+)"', page)
    assert found, "no free slot on the page"
    return found[1]


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF written with UniJIS-UCS2-H strings (``<hex> Tj``), extracted back."""
    stream = pdf.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0].decode("ascii")
    return "\n".join(
        bytes.fromhex(h).decode("utf-16-be") for h in re.findall(r"<([0-9A-F]+)> Tj", stream)
    )


async def test_search_book_pay_permit_door_and_cancel(room, web, shell, platform):
    rules = module("rules")
    async with miniapp_client(web, _token(shell, "r1"), htmx=True) as client:
        found = await client.get(
            "/",
            params={
                "kind": "room",
                "capacity": "20",
                "equipment": "プロジェクター",
                "barrier_free": "1",
            },
        )
        assert found.status_code == 200
        assert "市民会館 会議室A" in found.text
        assert "市民会館 会議室A" not in (await client.get("/", params={"capacity": "31"})).text

        page = await client.get(f"/facilities/{room['id']}")
        assert 'hx-trigger="every 5s"' in page.text
        assert "市民料金 500円／枠" in page.text
        tomorrow = rules.today() + dt.timedelta(days=10)
        picked = [f"{tomorrow.isoformat()}-600", f"{tomorrow.isoformat()}-660"]
        booked = await client.post(
            f"/facilities/{room['id']}/book",
            data={"slot": picked, "people": "12", "purpose": "会議"},
        )
        assert booked.status_code == 200, booked.text
        number = re.search(r'data-testid="booking-number">([^<]+)<', booked.text)[1]
        assert "1,000円" in booked.text  # two slots at the resident rate
        assert 'data-testid="booking-pay"' in booked.text
        assert platform.payments[number]["amount"] == 1000
        assert platform.kpis == {"bookings_online": 1}

        # The page cannot make it paid: only the shell's answer does.
        still = await client.post(f"/orders/{number}/payment")
        assert "お支払い待ち" in still.text
        assert "booking-door-code" not in still.text
        platform.payments[number]["status"] = "paid"
        paid = await client.post(f"/orders/{number}/payment")
        assert "支払い済み" in paid.text
        pin = re.search(r'data-testid="booking-door-code">(\d{6})<', paid.text)[1]
        again = await client.post(f"/orders/{number}/payment")  # idempotent
        assert pin in again.text
        assert len(platform.payments) == 1

        grid = await client.get(
            f"/facilities/{room['id']}/grid", params={"week": tomorrow.isoformat()}
        )
        assert (
            f'data-testid="booking-cell-{tomorrow.isoformat()}-600" data-state="taken"' in grid.text
        )

        pdf = await client.get(f"/orders/{number}/permit.pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        text = pdf_text(pdf.content)
        assert "利用許可証" in text
        assert "領収証" in text
        assert number in text
        assert "市民会館 会議室A" in text
        assert "1,000円" in text
        ics = await client.get(f"/orders/{number}/calendar.ics")
        assert b"DTSTART;TZID" in ics.content or b"DTSTART:" in ics.content

        # 10 days ahead: cancel with the full refund, given back through the shell's wallet;
        # the slot is free again, the code stops.
        cancelled = await client.post(f"/orders/{number}/cancel")
        assert "予約を取り消しました" in cancelled.text
        assert "返金はお支払いに使った残高とポイントに戻しました" in cancelled.text
        assert "返金済み" in cancelled.text
        assert platform.payments[number]["refunds"] == {f"{number}:refund": 1000}
    locks = module("locks")
    start = rules.starts_at(tomorrow, 610)
    assert not await locks.LocalLock().opens("lock-a", pin, start)
    order = await module("queries").order(number)
    assert order["refund"] == 1000
    assert order["status"] == "cancelled"
    assert order["payment"] == "refunded"
    async with miniapp_client(web, _token(shell, "r2"), htmx=True) as client:
        again = await client.post(f"/facilities/{room['id']}/book", data={"slot": picked[0]})
        assert again.status_code == 200


async def test_two_residents_race_over_http_one_wins(room, web, shell):
    rules = module("rules")
    day = rules.today() + dt.timedelta(days=3)
    slot = f"{day.isoformat()}-720"

    async def attempt(sub: str) -> httpx.Response:
        async with miniapp_client(web, _token(shell, sub), htmx=True) as client:
            return await client.post(f"/facilities/{room['id']}/book", data={"slot": slot})

    answers = await asyncio.gather(*(attempt(f"racer-{n}") for n in range(6)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409, 409, 409, 409, 409]
    lost = next(a for a in answers if a.status_code == 409)
    assert "たった今ほかの方が予約しました" in lost.text
    slots = module("tables").BookingSlot
    assert await slots.count().where(slots.slot_key.is_not_null()) == 1
    assert await module("tables").BookingOrder.count() == 1


async def test_bad_input_is_refused_and_changes_nothing(room, web, shell):
    rules, tables = module("rules"), module("tables")
    today = rules.today()
    async with miniapp_client(web, _token(shell, "r1"), htmx=True) as client:
        cases = {
            f"{(today - dt.timedelta(days=1)).isoformat()}-600": "過ぎた時間帯",
            f"{(today + dt.timedelta(days=2)).isoformat()}-1260": "開館時間外",
            f"{(today + dt.timedelta(days=2)).isoformat()}-615": "開館時間外",
            "garbage": "1つ以上選んで",
        }
        for slot, words in cases.items():
            answer = await client.post(f"/facilities/{room['id']}/book", data={"slot": slot})
            assert answer.status_code == 422, slot
            assert words in answer.text
        over = await client.post(
            f"/facilities/{room['id']}/book",
            data={"slot": f"{(today + dt.timedelta(days=2)).isoformat()}-600", "people": "31"},
        )
        assert "定員を超えています" in over.text
    assert await tables.BookingOrder.count() == 0


async def test_nonresident_rate_and_senior_discount(room, web, shell):
    rules = module("rules")
    day = (rules.today() + dt.timedelta(days=5)).isoformat()
    async with miniapp_client(web, _token(shell, "visitor", claims={}), htmx=True) as client:
        page = await client.post(f"/facilities/{room['id']}/book", data={"slot": f"{day}-600"})
        assert "750円" in page.text
        assert "市外料金" in page.text
    senior = {"resident.verified": True, "profile.age_band": "70s"}
    async with miniapp_client(web, _token(shell, "senior", claims=senior), htmx=True) as client:
        page = await client.post(f"/facilities/{room['id']}/book", data={"slot": f"{day}-660"})
        assert "250円" in page.text
        assert "減免 50%" in page.text


async def test_staff_check_in_by_qr_and_forged_permit(room, web, shell, platform):
    actions, permit, rules = module("actions"), module("permit"), module("rules")
    order = await actions.book(
        "r1",
        room["id"],
        rules.today() + dt.timedelta(days=1),
        [600],
        claims={"resident.verified": True},
    )
    qr = await permit.qr_text(order["number"])
    staff = _token(shell, "clerk", roles=["facility_manager"])
    async with miniapp_client(web, staff, htmx=True) as client:
        forged = await client.post(
            "/staff/checkin", data={"qr": qr[:-1] + ("0" if qr[-1] != "0" else "1")}
        )
        assert forged.status_code == 422
        assert "確認できません" in forged.text
        wrong_day = await client.post("/staff/checkin", data={"qr": qr})
        assert "今日の予約のものではありません" in wrong_day.text
        page = await client.get("/staff")
        assert 'data-testid="booking-occupancy-chart"' in page.text
        assert "オンライン予約の割合: 100%" in page.text
    async with miniapp_client(web, _token(shell, "r1"), htmx=True) as client:
        denied = await client.get("/staff")
        assert denied.status_code == 403
    # On the day (here: the booking's own morning), the real permit checks in, once.
    on_the_day = rules.starts_at(order["day"], 590)
    checked = await actions.check_in(qr, "clerk", now=on_the_day)
    assert checked["checked_in_at"] == on_the_day
    again = await actions.check_in(qr, "clerk", now=on_the_day + dt.timedelta(minutes=5))
    assert again["checked_in_at"] == on_the_day


async def test_approval_required_then_pay(room, web, shell, platform):
    actions, rules = module("actions"), module("rules")
    await actions.save_facility({"approval": True}, room["id"])
    day = (rules.today() + dt.timedelta(days=8)).isoformat()
    async with miniapp_client(web, _token(shell, "club"), htmx=True) as client:
        asked = await client.post(f"/facilities/{room['id']}/book", data={"slot": f"{day}-600"})
        assert "施設の承認をお待ちください" in asked.text
        number = re.search(r'data-testid="booking-number">([^<]+)<', asked.text)[1]
        assert number not in platform.payments
    staff = _token(shell, "clerk", roles=["facility_manager"])
    async with miniapp_client(web, staff, htmx=True) as client:
        refused = await client.post("/staff/refuse", data={"number": number, "reason": ""})
        assert "理由を入れてください" in refused.text
        approved = await client.post("/staff/approve", data={"number": number})
        assert approved.status_code == 200
    assert [a["action"] for a in platform.audits] == ["booking.approve"]
    assert [n["title"] for n in platform.notifications] == ["予約を承認しました"]
    assert platform.notifications[0]["url"] == f"/orders/{number}"
    async with miniapp_client(web, _token(shell, "club"), htmx=True) as client:
        page = await client.get(f"/orders/{number}")
        assert 'data-testid="booking-pay"' in page.text


async def test_someone_elses_booking_is_not_shown(room, web, shell):
    actions, rules = module("actions"), module("rules")
    order = await actions.book(
        "owner", room["id"], rules.today() + dt.timedelta(days=1), [600], claims={}
    )
    async with miniapp_client(web, _token(shell, "other"), htmx=True) as client:
        assert (await client.get(f"/orders/{order['number']}")).status_code == 404
        assert (await client.get(f"/orders/{order['number']}/permit.pdf")).status_code == 404
        assert (await client.post(f"/orders/{order['number']}/cancel")).status_code == 404
    assert (await module("queries").order(order["number"]))["status"] == "booked"


async def test_counter_booking_counts_apart_and_races_like_any_other(room, web, shell, platform):
    rules = module("rules")
    day = rules.today() + dt.timedelta(days=4)
    staff = _token(shell, "clerk", roles=["facility_manager"])
    async with miniapp_client(web, staff, htmx=True) as client:
        made = await client.post(
            "/staff/counter",
            data={
                "facility_id": str(room["id"]),
                "day": day.isoformat(),
                "start": "10:00",
                "slots": "2",
                "people": "5",
                "resident": "1",
            },
        )
        assert made.status_code == 200
        assert "窓口の予約を受け付けました" in made.text
        again = await client.post(
            "/staff/counter",
            data={"facility_id": str(room["id"]), "day": day.isoformat(), "start": "11:00"},
        )
        assert again.status_code == 422
        assert "たった今ほかの方が予約しました" in again.text
    assert platform.kpis == {"bookings_counter": 1}
    async with miniapp_client(web, _token(shell, "r1"), htmx=True) as client:
        taken = await client.post(
            f"/facilities/{room['id']}/book", data={"slot": f"{day.isoformat()}-600"}
        )
        assert taken.status_code == 409
        await client.post(f"/facilities/{room['id']}/book", data={"slot": f"{day.isoformat()}-720"})
    figures = await module("queries").figures(day, day)
    assert figures["orders"] == 2
    assert figures["online_percent"] == 50
    occupancy = next(f for f in figures["occupancy"] if f["id"] == room["id"])
    assert (occupancy["used"], occupancy["slots"], occupancy["percent"]) == (3, 12, 25)


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def test_staff_add_a_photo_residents_see_it(room, web, shell):
    staff = _token(shell, "clerk", roles=["facility_manager"])
    async with miniapp_client(web, staff, htmx=True) as client:
        fake = await client.post(
            "/staff/photo",
            data={"facility_id": str(room["id"]), "caption": "会議室"},
            files={"photo": ("a.png", b"<svg/>")},
        )
        assert fake.status_code == 422
        assert "PNG・JPEG・WebP" in fake.text
        saved = await client.post(
            "/staff/photo",
            data={"facility_id": str(room["id"]), "caption": "会議室A。長机10台"},
            files={"photo": ("a.png", PNG)},
        )
        assert saved.status_code == 200, saved.text[-3000:]
    async with miniapp_client(web, _token(shell, "r1"), htmx=True) as client:
        page = await client.get(f"/facilities/{room['id']}")
        photo_id = re.search(r'<img src="/photos/(\d+)" alt="会議室A。長机10台"', page.text)[1]
    async with miniapp_client(web, None) as anonymous:  # public, like the city's web page
        got = await anonymous.get(f"/photos/{photo_id}")
        assert got.headers["content-type"] == "image/png"
        assert got.content == PNG


async def test_staff_edit_a_facility_through_its_prefilled_form(room, web, shell):
    staff = _token(shell, "clerk", roles=["facility_manager"])
    async with miniapp_client(web, staff, htmx=True) as client:
        form = await client.get("/staff", params={"facility": str(room["id"])})
        assert 'value="市民会館 会議室A"' in form.text
        assert (
            'name="fee_resident" type="number" min="0" inputmode="numeric" value="500"' in form.text
        )
        saved = await client.post(
            "/staff/facility",
            data={
                "facility_id": str(room["id"]),
                "name": "市民会館 会議室A",
                "kind": "room",
                "opens": "10:00",
                "closes": "18:00",
                "slot_minutes": "120",
                "fee_resident": "600",
                "weekday": ["0", "1", "2", "3", "4"],
                "capacity": "30",
            },
        )
        assert saved.status_code == 200, saved.text[-3000:]
        bad = await client.post(
            "/staff/facility",
            data={"facility_id": str(room["id"]), "name": "x", "opens": "18:00", "closes": "10:00"},
        )
        assert bad.status_code == 422
        assert "開館・閉館時刻" in bad.text
    row = await module("queries").facility(room["id"])
    assert (row["opens"], row["closes"], row["slot_minutes"]) == (600, 1080, 120)
    assert (row["fee_resident"], row["weekdays"], row["approval"]) == (600, "01234", False)


async def test_search_by_free_time(room, web, shell):
    actions, rules = module("actions"), module("rules")
    day = rules.today() + dt.timedelta(days=6)
    await actions.book("r1", room["id"], day, [600, 660], claims={})
    async with miniapp_client(web, _token(shell, "r2"), htmx=True) as client:
        busy = await client.get("/", params={"day": day.isoformat(), "at": "10:00"})
        assert "市民会館 会議室A" not in busy.text
        free = await client.get("/", params={"day": day.isoformat(), "at": "12:00"})
        assert "市民会館 会議室A" in free.text
        bad = await client.get("/", params={"day": "someday"})
        assert "日付を正しく入れてください" in bad.text
