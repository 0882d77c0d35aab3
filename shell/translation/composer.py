"""Machine translation in the staff composers: drafts for the empty language fields of a form,
and staff corrections kept in the translation memory when the form is sent.

A composer form names its fields ``<field>_<language>`` (``title_ja``, ``body_vi``…); a draft
also carries ``mt_<field>_<language>``, the machine's text, so that what staff changed is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.datastructures import MultiDict

from shell.translation import TranslationUnavailable, current_engine, remember, translate
from shell.web.i18n import ALL_LANGUAGES, _

FIELDS = ("title", "body")


def engine_name() -> str:
    """The engine's name, or "" when none is configured (the composer says so)."""
    engine = current_engine()
    return engine.name if engine is not None else ""


async def prefill(
    form: Any, source: str, languages: Sequence[str], fields: Sequence[str] = FIELDS
) -> tuple[MultiDict, str]:
    """``form`` with every empty ``<field>_<language>`` drafted from ``<field>_<source>``, and a
    message naming the languages that could not be drafted ("" when all were)."""
    if not all((form.get(f"{f}_{source}") or "").strip() for f in fields):
        return MultiDict(list(form.multi_items())), _("先に日本語の件名と本文を入力してください。")
    updates: dict[str, str] = {}
    missed: list[str] = []
    for code in languages:
        if code == source:
            continue
        empty = [f for f in fields if not (form.get(f"{f}_{code}") or "").strip()]
        if not empty:
            continue
        try:
            drafts = await translate([form.get(f"{f}_{source}") for f in empty], code, source)
        except TranslationUnavailable:
            missed.append(ALL_LANGUAGES[code].native_name if code in ALL_LANGUAGES else code)
            continue
        for field, text in zip(empty, drafts, strict=True):
            updates[f"{field}_{code}"] = text
            updates[f"mt_{field}_{code}"] = text
    kept = [(k, v) for k, v in form.multi_items() if k not in updates]
    filled = MultiDict(kept + list(updates.items()))
    if not missed:
        return filled, ""
    names = "、".join(missed)
    if current_engine() is None:
        return filled, _(
            "機械翻訳のエンジンが設定されていないため、%(languages)sの版は下書きできませんでした。"
            "手で入力してください。",
            languages=names,
        )
    return filled, _(
        "%(languages)sの版は機械翻訳で下書きできませんでした。手で入力してください。",
        languages=names,
    )


async def keep_corrections(
    form: Any,
    source: str,
    languages: Sequence[str],
    *,
    by: int | None,
    fields: Sequence[str] = FIELDS,
) -> int:
    """Remember every translation staff wrote or changed (not the machine's untouched drafts);
    returns how many were kept."""
    kept = 0
    for code in languages:
        if code == source:
            continue
        for field in fields:
            original = (form.get(f"{field}_{source}") or "").strip()
            final = (form.get(f"{field}_{code}") or "").strip()
            machine = (form.get(f"mt_{field}_{code}") or "").strip()
            if original and final and final != machine:
                await remember(original, code, final, source=source, by=by)
                kept += 1
    return kept
