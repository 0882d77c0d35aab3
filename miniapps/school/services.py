"""Asking the city: notifications, machine translation and the audit log (through the Platform),
and the letters job. A failing call never loses what was already stored."""

from __future__ import annotations

import contextlib
import datetime as dt
import gettext
import logging
from pathlib import Path
from typing import Any

from machi_sdk import PlatformError
from machi_sdk.cache import TTLCache
from machi_sdk.i18n import best_language, shipped_in
from machi_sdk.i18n import load as load_catalog
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, queries
from .tables import SchoolLetter, SchoolReason, SchoolSent

log = logging.getLogger("machi.school")
LOCALES = Path(__file__).parent / "locales"
# Translations of the schools' own absence reasons, per reader's language (labels change
# rarely; a new label is simply a new key).
_REASONS_TRANSLATED = TTLCache(seconds=600)


def translator(locale: str) -> gettext.NullTranslations:
    """The app's catalog for a reader of ``locale``, falling back as its pages do (a language
    without a catalog of its own: English, then Japanese)."""
    shipped = shipped_in(LOCALES, "school")
    return load_catalog(LOCALES, "school", best_language(language(locale), shipped))


def language(locale: str) -> str:
    """A locale as the translation engine names languages (zh_Hans -> zh-Hans)."""
    return (locale or "ja").replace("_", "-")


def is_japanese(locale: str) -> bool:
    return language(locale).split("-")[0] == "ja"


async def count(platform: Platform, kpi: str, value: int = 1) -> None:
    with contextlib.suppress(PlatformError):  # a figure is not worth failing a page for
        await platform.kpi(kpi, value)


async def audit(platform: Platform, resident: Resident, action: str, subject: str,
                detail: dict[str, Any] | None = None) -> None:  # fmt: skip
    """Every staff read or change of a child's or a guardian's record goes to the city's log."""
    try:
        await platform.audit(resident, action, subject, detail)
    except PlatformError as exc:
        log.warning("audit %s %s not recorded: %s", action, subject, exc)


async def translate(platform: Platform, texts: list[str], target: str,
                    source: str = "ja") -> list[str] | None:  # fmt: skip
    """Machine translations, or None when the city has no engine (staff translate by hand)."""
    if language(target) == language(source):
        return list(texts)
    try:
        return await platform.translate(texts, language(target), language(source))
    except PlatformError as exc:
        log.info("no machine translation into %s: %s", target, exc)
        return None


async def notify_once(platform: Platform, key: str, subject: str, title: str, body: str,
                      url: str) -> bool:  # fmt: skip
    """Notify ``subject`` once for ``key`` (recorded first; a second run sends nothing)."""
    inserted = (
        await SchoolSent.insert(SchoolSent(key=key[:300], sent_at=actions.now_utc()))
        .on_conflict(action="DO NOTHING")
        .returning(SchoolSent.id)
    )
    if not inserted:
        return False
    try:
        await platform.notify(subject, title, body, url)
    except PlatformError as exc:
        log.info("notification %s not sent: %s", key, exc)
        return False
    return True


async def translate_letter(platform: Platform, letter: dict[str, Any]) -> list[str]:
    """Machine-translate a letter into every language its guardians read; the languages done."""
    wanted = {language(p["locale"]) for p in await queries.letter_audience(letter)}
    done = []
    for lang in sorted(w for w in wanted if not is_japanese(w)):
        existing = await queries.letter_text(letter["id"], lang)
        if existing:
            continue
        texts = [letter["title"], letter["body"], *letter_extra(letter)]
        answer = await translate(platform, texts, lang)
        if answer is None:
            continue
        await actions.set_letter_text(letter["id"], lang, answer[0], answer[1], "machine",
                                      answer[2:])  # fmt: skip
        done.append(lang)
    return done


def letter_extra(letter: dict[str, Any]) -> list[str]:
    """A letter's question and its choices (empty without a question)."""
    return [letter["question"], *letter["choices"]] if letter["question"] else []


async def send_due_letters(platform: Platform, now: dt.datetime | None = None) -> int:
    """The letters job: letters whose time has come are translated and their guardians told."""
    now = now or actions.now_utc()
    sent = 0
    for letter in await queries.due_letters(now):
        await translate_letter(platform, letter)
        for person in await queries.letter_audience(letter):
            if not person["notify"]:
                continue
            text = await queries.letter_text(letter["id"], language(person["locale"]))
            t = translator(person["locale"]).gettext
            title = (text or letter)["title"]
            if await notify_once(platform, f"letter|{letter['id']}|{person['subject']}",
                                 person["subject"], t("新しいお便り")[:100], title[:1000],
                                 f"/letters/{letter['id']}"):  # fmt: skip
                sent += 1
        await SchoolLetter.update({SchoolLetter.notified: True}).where(
            SchoolLetter.id == letter["id"]
        )
    return sent


async def nudge_unread(platform: Platform, letter: dict[str, Any]) -> int:
    """Remind the guardians who have not read a letter (once a day each)."""
    day = actions.today().isoformat()
    sent = 0
    for person in await queries.letter_audience(letter):
        if person["read"] or not person["notify"]:
            continue
        t = translator(person["locale"]).gettext
        if await notify_once(platform, f"nudge|{letter['id']}|{day}|{person['subject']}",
                             person["subject"], t("お便りを確認してください")[:100],
                             letter["title"][:1000], f"/letters/{letter['id']}"):  # fmt: skip
            sent += 1
    return sent


async def tell_staff(platform: Platform, class_id: int, conversation_id: int, label: str) -> None:
    """A new message from a guardian: the class's staff get one notice per conversation a day."""
    day = actions.today().isoformat()
    for subject in await queries.class_staff(class_id):
        t = translator("ja").gettext
        await notify_once(platform, f"msg|{conversation_id}|{day}|{subject}", subject,
                          t("保護者からのメッセージ"), label[:1000],
                          f"/conversations/{conversation_id}")  # fmt: skip


async def tell_guardians_contact(platform: Platform, child: dict[str, Any], day: dt.date) -> None:
    """The school wrote in the contact book: each guardian is told once a day."""
    from .tables import SchoolGuardian

    rows = await SchoolGuardian.select().where(SchoolGuardian.child == child["id"])
    for row in rows:
        if not row["notify"]:
            continue
        t = translator(row["locale"]).gettext
        await notify_once(platform, f"contact|{child['id']}|{day.isoformat()}|{row['subject']}",
                          row["subject"], t("連絡帳に書き込みがあります"),
                          child["first_name"], f"/children/{child['id']}")  # fmt: skip


async def tell_guardians_gate(platform: Platform, child: dict[str, Any], direction: str) -> None:
    """Checked in or out at the gate: each guardian is told once per day and direction."""
    from .tables import SchoolGuardian

    day = actions.today().isoformat()
    for row in await SchoolGuardian.select().where(SchoolGuardian.child == child["id"]):
        if not row["notify"]:
            continue
        t = translator(row["locale"]).gettext
        title = t("登園しました") if direction == "in" else t("降園しました")
        await notify_once(platform, f"gate|{child['id']}|{day}|{direction}|{row['subject']}",
                          row["subject"], title, child["first_name"],
                          f"/children/{child['id']}")  # fmt: skip


async def tell_guardian(platform: Platform, conversation: dict[str, Any], message_id: int,
                        locale: str) -> None:  # fmt: skip
    t = translator(locale).gettext
    await notify_once(platform, f"reply|{message_id}", conversation["subject"],
                      t("先生からの返信"), conversation["class_name"][:1000],
                      f"/conversations/{conversation['id']}")  # fmt: skip


async def reason_labels(platform: Platform, locale: str) -> dict[str, str]:
    """The schools' own reasons by code, in the reader's language: Japanese as written, others
    machine-translated (the Japanese when the city has no engine). Built-in reasons are not
    here: their labels come from the app's catalogs (``views.REASON_LABELS``); see
    ``reasons``."""
    rows = await SchoolReason.select(SchoolReason.code, SchoolReason.label).where(
        SchoolReason.label != ""
    )
    found = {r["code"]: r["label"] for r in rows}
    if not found or is_japanese(locale):
        return found
    texts = sorted(set(found.values()))
    target = language(locale)

    async def load() -> dict[str, str]:
        answer = await translate(platform, texts, target)
        return dict(zip(texts, answer, strict=True)) if answer else {}

    translated = await _REASONS_TRANSLATED.get((target, tuple(texts)), load)
    return {code: translated.get(label, label) for code, label in found.items()}
