"""A booking as an iCalendar event (the phone's calendar app adds it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from icalendar import Calendar, Event

from .rules import now, starts_at


def order_ics(order: Mapping[str, Any], facility: Mapping[str, Any]) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Machi//booking//JA")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", f"booking-{order['number']}@machi")
    event.add("dtstamp", now())
    event.add("dtstart", starts_at(order["day"], order["starts"]))
    event.add("dtend", starts_at(order["day"], order["ends"]))
    event.add("summary", f"{order['facility_name']}（{order['number']}）")
    if facility.get("address"):
        event.add("location", facility["address"])
    cal.add_component(event)
    return cal.to_ical()
