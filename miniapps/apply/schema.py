"""Forms are data: a procedure's schema, checked when staff save it and used to validate what a
resident sends, on the server, with the same rules the page shows.

A schema is JSON::

    {"fields": [{"key": "copies", "type": "number", "label": {"ja": "通数", "en": "Copies"},
                 "required": true, "min": 1, "max": 10, "prefill": null, "show_if": null}, ...],
     "fee": {"base": 0, "per_unit": {"field": "copies", "amount": 300},
             "by_choice": {"field": "delivery", "amounts": {"post": 110}}},
     "requires_verified": true, "result": "document" | "post" | "notice"}

A field of type ``section`` is a heading; its ``show_if`` applies to every field after it up to
the next section (a conditional section). ``show_if`` is ``{"field": key, "equals": value}``.
Validation answers with message ids (Japanese source text) that the routes translate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from typing import Any

from machi_sdk.formatting import format_day, format_number
from machi_sdk.i18n import N_

FIELD_TYPES = (
    "text",
    "kana",
    "number",
    "date",
    "choice",
    "address",
    "attachment",
    "consent",
    "section",
)
PREFILL_CLAIMS = ("profile.name", "profile.district")
RESULTS = ("notice", "document", "post")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 60
MAX_TEXT = 1000
MAX_FEE = 100_000
# 12 digits, possibly written 4-4-4 with spaces or hyphens: what a My Number (個人番号) looks like.
MY_NUMBER = re.compile(r"(?<!\d)\d{4}[ \-]?\d{4}[ \-]?\d{4}(?!\d)")
KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3000 ]+$")



MESSAGES = {
    "required": N_("入力してください。"),
    "too_long": N_("長すぎます。%(max)s文字以内で入れてください。"),
    "my_number": N_(
        "マイナンバー（個人番号）のような12桁の数字は入れないでください。"
        "この手続きに個人番号は要りません。市はこのアプリで個人番号を受け取りません。"
    ),
    "kana": N_("ふりがなは、ひらがなかカタカナで入れてください。"),
    "number": N_("半角の整数で入れてください。"),
    "range": N_("%(min)sから%(max)sまでの数で入れてください。"),
    "date": N_("日付を選んでください（例: 2026-04-01）。"),
    "choice": N_("選択肢から選んでください。"),
    "consent": N_("内容を確認して、チェックを入れてください。"),
    "attachment": N_("ファイルを添付してください。"),
}


class SchemaError(ValueError):
    """A schema staff saved is not usable; ``problems`` lists (field key or "", message id)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


SCHEMA_MESSAGES = {
    "bad_key": N_("項目の記号は半角英小文字で始め、英小文字・数字・_ の40文字以内にしてください。"),
    "duplicate_key": N_("同じ記号の項目がほかにあります。"),
    "bad_type": N_("項目の種類を選んでください。"),
    "no_label": N_("項目名を日本語で入れてください。"),
    "no_choices": N_("選択肢を1つ以上入れてください。"),
    "bad_show_if": N_("表示する条件は、この項目より前の選択肢の項目にしてください。"),
    "bad_prefill": N_("自動入力できるのは、お名前とお住まいの地区だけです。"),
    "bad_range": N_("最小と最大は整数で、最小は最大以下にしてください。"),
    "bad_fee": N_("手数料は0円から100,000円の整数で、数量の項目と選択肢の項目を指定してください。"),
    "too_many": N_("項目は60個までです。"),
    "no_fields": N_("入力項目を1つ以上作ってください。"),
    "bad_result": N_("結果の渡し方を選んでください。"),
    "bad_reviewer": N_("審査する課・係の名前は40文字以内にしてください。"),
}


def text(label: Any, locale: str) -> str:
    """A ``{"ja": ..., "en": ...}`` label in ``locale``, Japanese when missing."""
    if isinstance(label, dict):
        return str(label.get(locale) or label.get("ja") or "")
    return str(label or "")


def check_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema, normalised; raises :class:`SchemaError` listing every problem."""
    problems: list[tuple[str, str]] = []
    fields = schema.get("fields")
    if not isinstance(fields, list) or not [f for f in fields if f.get("type") != "section"]:
        raise SchemaError([("", "no_fields")])
    if len(fields) > MAX_FIELDS:
        problems.append(("", "too_many"))
    seen: dict[str, dict[str, Any]] = {}
    clean_fields = []
    for raw in fields:
        key = str(raw.get("key", ""))
        kind = raw.get("type")
        field: dict[str, Any] = {
            "key": key,
            "type": kind,
            "label": {
                "ja": text(raw.get("label"), "ja").strip(),
                "en": text(raw.get("label"), "en").strip(),
            },
            "help": {
                "ja": text(raw.get("help"), "ja").strip(),
                "en": text(raw.get("help"), "en").strip(),
            },
            "required": bool(raw.get("required")) and kind != "section",
            "prefill": raw.get("prefill") or None,
            "show_if": raw.get("show_if") or None,
        }
        if not KEY.match(key):
            problems.append((key, "bad_key"))
        elif key in seen:
            problems.append((key, "duplicate_key"))
        if kind not in FIELD_TYPES:
            problems.append((key, "bad_type"))
        if not field["label"]["ja"]:
            problems.append((key, "no_label"))
        if field["prefill"] and (
            field["prefill"] not in PREFILL_CLAIMS or kind not in ("text", "address")
        ):
            problems.append((key, "bad_prefill"))
        if kind == "choice":
            choices = [
                {
                    "value": str(c.get("value", "")).strip(),
                    "label": {"ja": text(c.get("label"), "ja"), "en": text(c.get("label"), "en")},
                }
                for c in raw.get("choices") or []
                if str(c.get("value", "")).strip()
            ]
            if not choices:
                problems.append((key, "no_choices"))
            field["choices"] = choices
        if kind == "number":
            try:
                field["min"], field["max"] = int(raw.get("min", 0)), int(raw.get("max", 999))
                if field["min"] > field["max"]:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append((key, "bad_range"))
        if kind in ("text", "address"):
            try:
                field["max"] = max(1, min(MAX_TEXT, int(raw.get("max") or 200)))
            except (TypeError, ValueError):
                problems.append((key, "bad_range"))
        show_if = field["show_if"]
        if show_if is not None:
            target = seen.get(str(show_if.get("field", "")))
            if (
                target is None
                or target["type"] != "choice"
                or str(show_if.get("equals", ""))
                not in {c["value"] for c in target.get("choices", [])}
            ):
                problems.append((key, "bad_show_if"))
            else:
                field["show_if"] = {"field": target["key"], "equals": str(show_if["equals"])}
        seen[key] = field
        clean_fields.append(field)
    fee = _check_fee(schema.get("fee") or {}, seen, problems)
    reviewer = unicodedata.normalize("NFKC", str(schema.get("reviewer") or "")).strip()
    if len(reviewer) > 40:
        problems.append(("", "bad_reviewer"))
    result = schema.get("result") or "notice"
    if result not in RESULTS:
        problems.append(("", "bad_result"))
    if problems:
        raise SchemaError(problems)
    return {
        "fields": clean_fields,
        "fee": fee,
        "requires_verified": bool(schema.get("requires_verified")),
        "result": result,
        "reviewer": reviewer,
    }


def _check_fee(
    fee: dict[str, Any], fields: dict[str, dict[str, Any]], problems: list[tuple[str, str]]
) -> dict[str, Any]:
    clean: dict[str, Any] = {"base": 0, "per_unit": None, "by_choice": None}
    try:
        clean["base"] = int(fee.get("base") or 0)
        if not 0 <= clean["base"] <= MAX_FEE:
            raise ValueError
        per = fee.get("per_unit")
        if per:
            amount = int(per.get("amount") or 0)
            if (
                fields.get(per.get("field"), {}).get("type") != "number"
                or not 0 <= amount <= MAX_FEE
            ):
                raise ValueError
            clean["per_unit"] = {"field": per["field"], "amount": amount}
        by = fee.get("by_choice")
        if by:
            target = fields.get(by.get("field"), {})
            values = {c["value"] for c in target.get("choices", [])}
            amounts = {str(k): int(v) for k, v in (by.get("amounts") or {}).items()}
            if (
                target.get("type") != "choice"
                or not set(amounts) <= values
                or any(not 0 <= v <= MAX_FEE for v in amounts.values())
            ):
                raise ValueError
            clean["by_choice"] = {"field": by["field"], "amounts": amounts}
    except (TypeError, ValueError, AttributeError):
        problems.append(("", "bad_fee"))
    return clean


def visible_fields(schema: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields shown for these answers: a field or section whose condition is unmet is left
    out, and so is every field of a hidden section."""
    shown = []
    section_on = True
    for field in schema["fields"]:
        cond = field.get("show_if")
        on = cond is None or str(answers.get(cond["field"], "")) == cond["equals"]
        if field["type"] == "section":
            section_on = on
            if on:
                shown.append(field)
            continue
        if section_on and on:
            shown.append(field)
    return shown


def fee_for(schema: dict[str, Any], answers: dict[str, Any]) -> int:
    """The fee these (validated) answers cost, in yen."""
    fee = schema.get("fee") or {}
    total = int(fee.get("base") or 0)
    per = fee.get("per_unit")
    if per and isinstance(answers.get(per["field"]), int):
        total += per["amount"] * answers[per["field"]]
    by = fee.get("by_choice")
    if by:
        total += int(by["amounts"].get(str(answers.get(by["field"], "")), 0))
    return min(total, MAX_FEE * 10)


def validate(
    schema: dict[str, Any], raw: dict[str, Any], *, attachments: set[str] | None = None
) -> tuple[dict[str, Any], dict[str, tuple[str, dict[str, Any]]]]:
    """``(answers, errors)``: the cleaned answers of the visible fields, and per field key a
    message id with its parameters. ``attachments`` are the keys of attachment fields that have a
    file. Hidden fields' answers are dropped, never stored."""
    answers: dict[str, Any] = {}
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    # First the choices, which decide what is visible.
    choice_answers = {
        f["key"]: str(raw.get(f["key"], "")).strip()
        for f in schema["fields"]
        if f["type"] == "choice"
    }
    for field in visible_fields(schema, choice_answers):
        key, kind = field["key"], field["type"]
        if kind == "section":
            continue
        value = raw.get(key, "")
        value = "" if value is None else unicodedata.normalize("NFKC", str(value)).strip()
        if kind == "attachment":
            if field["required"] and key not in (attachments or set()):
                errors[key] = ("attachment", {})
            continue
        if kind == "consent":
            if value in ("1", "on", "true"):
                answers[key] = True
            elif field["required"]:
                errors[key] = ("consent", {})
            continue
        if not value:
            if field["required"]:
                errors[key] = ("required", {})
            continue
        if kind in ("text", "address"):
            if len(value) > field.get("max", 200):
                errors[key] = ("too_long", {"max": field.get("max", 200)})
            elif MY_NUMBER.search(value):
                errors[key] = ("my_number", {})
            else:
                answers[key] = value
        elif kind == "kana":
            value = str(
                raw.get(key, "")
            ).strip()  # NFKC would turn half-width kana full-width: fine
            value = unicodedata.normalize("NFKC", value)
            if len(value) > 100:
                errors[key] = ("too_long", {"max": 100})
            elif not KANA.match(value):
                errors[key] = ("kana", {})
            else:
                answers[key] = value
        elif kind == "number":
            try:
                number = int(value)
            except ValueError:
                errors[key] = ("number", {})
                continue
            if not field["min"] <= number <= field["max"]:
                errors[key] = ("range", {"min": field["min"], "max": field["max"]})
            else:
                answers[key] = number
        elif kind == "date":
            try:
                answers[key] = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                errors[key] = ("date", {})
        elif kind == "choice":
            if value not in {c["value"] for c in field["choices"]}:
                errors[key] = ("choice", {})
            else:
                answers[key] = value
    return answers, errors


def display_value(field: dict[str, Any], value: Any, locale: str) -> str:
    """An answer as a person reads it (a choice's label, not its value)."""
    if field["type"] == "choice":
        for choice in field.get("choices", []):
            if choice["value"] == value:
                return text(choice["label"], locale)
    if value is True:
        return "✓"
    if field["type"] == "date" and value:
        with contextlib.suppress(ValueError):  # kept as entered when it is not a date
            return format_day(dt.date.fromisoformat(str(value)), locale)
    if field["type"] == "number" and isinstance(value, int | float):
        return format_number(value, locale)
    return "" if value is None else str(value)


def with_conditions(schema: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each field with the condition it is shown under: its own, else its section's."""
    out = []
    section: dict[str, Any] | None = None
    for field in schema.get("fields", []):
        if field["type"] == "section":
            section = field.get("show_if")
            out.append((field, section))
        else:
            out.append((field, field.get("show_if") or section))
    return out
