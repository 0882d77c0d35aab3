"""The on-demand bus with two browsers: the operator opens the service all day (settings); a
resident registers as a rider and books a ride from 町役場前 to 道の駅 now, and is answered at
once with a pickup window and the van; the driver's tablet, in another browser context, shows
the pickup as the next stop and marks it; the resident's ride page, open all along, shows them
on board without a reload. axe on every screen."""

from __future__ import annotations

import pytest
from axe import check_axe
from conftest import Phone, Server
from pages.bus import BusApp
from pages.identity import Resident, sign_up
from pages.staff import become_staff
from playwright.async_api import expect

pytestmark = pytest.mark.e2e


async def test_book_a_ride_driver_marks_pickup_rider_sees_it(phone: Phone, server: Server) -> None:
    # A member of staff who runs the service and drives today, on a tablet: the operator's role
    # opens the board, the settings and the driver's tablet.
    tablet = await phone(server)
    await become_staff(
        tablet, server, "bus_operator", Resident(name="運行 一郎", kana="うんこう いちろう")
    )
    staff = BusApp(tablet)
    await staff.open_from_home()
    await staff.open_staff()
    await check_axe(tablet)
    await staff.serve_all_day()
    await check_axe(tablet)

    # A resident on a phone registers and books a ride for now.
    mobile = await phone(server)
    await sign_up(mobile, Resident(name="乗合 花子", kana="のりあい はなこ"))
    rider = BusApp(mobile)
    await rider.open_from_home()
    await check_axe(mobile)
    await rider.register()
    await check_axe(mobile)
    number = await rider.book_now("町役場前", "道の駅")
    await expect(rider.frame.get_by_test_id("bus-accepted")).to_contain_text(
        "町役場前 でお待ちください"
    )
    await expect(rider.status()).to_have_attribute("data-status", "booked")
    await check_axe(mobile)
    vehicle = await rider.vehicle()

    # The driver's tablet shows the pickup as the next stop and marks it.
    await staff.drive(vehicle)
    await expect(staff.next_stop()).to_contain_text("次の停留所: 町役場前")
    await expect(staff.next_stop()).to_contain_text(number)
    await check_axe(tablet)
    await staff.picked_up(number)
    await expect(staff.next_stop()).to_contain_text("次の停留所: 道の駅")
    await check_axe(tablet)

    # The resident's ride page, open all along, shows it without a reload.
    await expect(rider.status()).to_have_attribute("data-status", "on_board", timeout=20_000)
    await expect(rider.frame.get_by_test_id("bus-eta")).to_contain_text(
        "ご乗車ありがとうございます"
    )
    await check_axe(mobile)
