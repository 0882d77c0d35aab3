"""A decision notice as a one-page PDF (``machi_sdk.pdf``: the reader's own Japanese font,
nothing embedded; long lines are wrapped)."""

from __future__ import annotations

from machi_sdk.pdf import one_page, wrap


def notice_pdf(title: str, rows: list[tuple[str, str]], message: str) -> bytes:
    """``title``, then ``label  value`` rows, then the message, on one A4 page."""
    lines: list[tuple[int, str]] = [(18, title), (11, "")]
    lines += [(11, f"{label}  {value}") for label, value in rows]
    lines.append((11, ""))
    lines += [(11, line) for line in wrap(message)][:40]
    return one_page(lines, top=780, leading=10)
