"""Presentation helpers: the waterworks' day and the usage chart (server SVG)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from machi_sdk.formatting import format_day
from markupsafe import Markup, escape

CITY_TIME = ZoneInfo("Asia/Tokyo")


def today() -> dt.date:
    """The waterworks' day (Japan time)."""
    return dt.datetime.now(CITY_TIME).date()


def chart(history: list[dict[str, Any]], locale: str, title: str, leak_ids: set[int]) -> Markup:
    """A bar chart of m3 per bill, oldest left, as an accessible SVG (role img, a title, each bar
    titled); the same figures are in the table beside it."""
    rows = sorted(history, key=lambda b: b["reading_date"])[-12:]
    width, height, top, bottom, left = 340, 180, 16, 28, 8
    peak = max([r["m3"] for r in rows] + [1])
    slot = (width - left * 2) / max(len(rows), 1)
    parts = [
        f'<svg class="water-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="water-chart-title" data-testid="water-chart">',
        f'<title id="water-chart-title">{escape(title)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" '
        'class="water-chart-axis"/>',
    ]
    for i, row in enumerate(rows):
        bar = (height - top - bottom) * row["m3"] / peak
        x = left + i * slot + slot * 0.15
        y = height - bottom - bar
        cls = "water-bar water-bar--leak" if row["id"] in leak_ids else "water-bar"
        label = f"{format_day(row['reading_date'], locale, 'month')} {row['m3']}㎥"
        parts.append(
            f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar:.1f}"><title>{escape(label)}</title></rect>'
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" class="water-chart-value" '
            f'text-anchor="middle">{row["m3"]}</text>'
        )
        parts.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" class="water-chart-label" '
            f'text-anchor="middle">{row["reading_date"]:%y/%m}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped or a number)
