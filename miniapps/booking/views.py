"""Shaping data for the templates: the week grid's rows and a small cache of built HTML."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from markupsafe import Markup, escape

MARKS = {"free": "○", "taken": "×", "lottery": "抽", "past": "－", "closed": "－"}


def grid_rows(grid: dict[str, Any]) -> Markup:
    """The week grid's rows as HTML, built here rather than in the template: the page is polled
    every few seconds by everyone looking at it, and this is most of its work. Keys are digits
    and dashes, states a fixed set; the one free text (``sr``) is escaped."""
    rows = []
    for index, label in enumerate(grid["starts"]):
        cells = [f'<tr><th scope="row">{label}</th>']
        for day in grid["days"]:
            cell = day["cells"][index]
            key, state, spoken = cell["key"], cell["state"], escape(cell["sr"])
            if state == "free":
                inner = (
                    f'<input id="slot-{key}" type="checkbox" name="slot" value="{key}" '
                    f'hx-preserve="true" data-testid="booking-slot"><label for="slot-{key}">'
                    f'<span aria-hidden="true">○</span><span class="visually-hidden">{spoken}'
                    "</span></label>"
                )
            else:
                inner = (
                    f'<span aria-hidden="true">{MARKS[state]}</span>'
                    f'<span class="visually-hidden">{spoken}</span>'
                )
            cells.append(
                f'<td class="booking-cell booking-{state}" data-testid="booking-cell-{key}" '
                f'data-state="{state}">{inner}</td>'
            )
        rows.append("".join(cells) + "</tr>")
    return Markup("\n".join(rows))  # noqa: S704 -- built from escaped text and fixed parts


class BoundedCache:
    """The last ``size`` values built, by key (least recently used dropped first): for HTML that
    depends only on its key, so it never needs to expire."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value: Any) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
