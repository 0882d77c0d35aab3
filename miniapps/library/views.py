"""Presentation helpers: branch names in the resident's language and the KPI bar charts (server
SVG)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape


def branch_name(row: dict[str, Any], locale: str, prefix: str = "branch_") -> str:
    local = row.get(f"{prefix}name_en") if not locale.startswith("ja") else None
    return local or row.get(f"{prefix}name") or ""


def bar_chart(rows: list[dict[str, Any]], key: str, title: str, css: str) -> Markup:
    """One bar per month, as an accessible SVG (role img, a title, each bar titled); the same
    figures are in the table beside it."""
    width, height, top, bottom, left = 340, 160, 16, 26, 8
    peak = max([r[key] for r in rows] + [1])
    slot = (width - left * 2) / max(len(rows), 1)
    ident = f"library-chart-{escape(key)}"
    parts = [
        f'<svg class="library-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}" data-testid="{ident}">',
        f'<title id="{ident}">{escape(title)}</title>',
    ]
    for i, row in enumerate(rows):
        bar = (height - top - bottom) * row[key] / peak
        x = left + i * slot + slot * 0.15
        y = height - bottom - bar
        parts.append(
            f'<rect class="{escape(css)}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar:.1f}"><title>{escape(row["month"])}: {row[key]}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" class="library-chart-value" '
            f'text-anchor="middle">{row[key]}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 14}" '
            f'class="library-chart-label" text-anchor="middle">{escape(row["month"][2:])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped or a number)
