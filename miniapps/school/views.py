"""Presentation helpers: labels and the gate QR (SVG)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import qrcode
from machi_sdk.i18n import N_
from markupsafe import Markup, escape

KIND_LABELS = {"absent": N_("欠席"), "late": N_("遅刻"), "early": N_("早退・お迎え")}
REASON_LABELS = {
    "illness": N_("体調不良"), "injury": N_("けが"), "family": N_("家庭の事情"),
    "appointment": N_("通院・予定"), "other": N_("その他"),
}  # fmt: skip
SYMPTOM_LABELS = {
    "fever": N_("発熱"), "cough": N_("せき"), "runny_nose": N_("鼻水"),
    "sore_throat": N_("のどの痛み"), "stomach": N_("腹痛・下痢・嘔吐"), "rash": N_("発疹"),
    "headache": N_("頭痛"), "other": N_("その他の症状"),
}  # fmt: skip
SOURCE_LABELS = {"machine": N_("機械翻訳"), "staff": N_("職員による翻訳")}


def labels(own_reasons: dict[str, str] | None = None) -> dict[str, Any]:
    """Labels the pages show (translated in the template); ``own_reasons`` are the schools' own
    absence reasons by code, already in the reader's language."""
    return {"kind_labels": KIND_LABELS, "reason_labels": {**REASON_LABELS, **(own_reasons or {})},
            "symptom_labels": SYMPTOM_LABELS, "source_labels": SOURCE_LABELS,
            "timedelta": dt.timedelta}  # fmt: skip


def qr_svg(text: str, label: str = "QR") -> Markup:
    """The QR code of ``text`` as an inline SVG (no script, no style attribute)."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    cells = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, on in enumerate(row) if on
    )
    # every value below is escaped or a number
    return Markup(  # noqa: S704
        f'<svg class="school-qr" viewBox="0 0 {size} {size}" role="img"'
        f' aria-label="{escape(label)}"'
        f' data-testid="school-qr" data-qr="{escape(text)}" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{cells}" fill="#000"/></svg>'
    )
