"""A bill as a one-page PDF (``machi_sdk.pdf``: the reader's own Japanese font, nothing
embedded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from machi_sdk.formatting import format_day, format_yen
from machi_sdk.pdf import one_page


def bill_pdf(
    bill: dict[str, Any],
    customer_number: str,
    t: Callable[[str], str],
    locale: str,
) -> bytes:
    """One bill: who (the customer number only), period, readings, usage, charges, due date,
    dates and amounts written for a reader of ``locale``."""
    start, end = (format_day(bill[key], locale) for key in ("previous_date", "reading_date"))
    lines: list[tuple[int, str]] = [
        (18, t("水道料金・下水道使用料のお知らせ")),
        (11, ""),
        (11, t("お客さま番号") + f"  {customer_number}"),
        (11, t("検針期間") + f"  {start} - {end}"),
        (11, t("メーターの指針") + f"  {bill['previous_reading']} -> {bill['current_reading']}"),
        (11, t("使用水量") + f"  {bill['m3']} m3"),
        (11, t("水道料金（税抜）") + f"  {format_yen(bill['water_charge'], locale)}"),
        (11, t("下水道使用料（税抜）") + f"  {format_yen(bill['sewerage_charge'], locale)}"),
        (11, t("消費税等") + f"  {format_yen(bill['tax'], locale)}"),
        (14, t("請求金額") + f"  {format_yen(bill['total'], locale)}"),
        (11, t("納期限") + f"  {format_day(bill['due_date'], locale)}"),
        (11, t("お支払い済み") if bill["paid"] else t("未払い")),
    ]
    return one_page(lines, top=780, leading=14)
