"""The profile form: parse and check what a resident typed, with messages in their language."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from shell.city.tables import District
from shell.web.i18n import LANGUAGES, _

# Hiragana, katakana (full width), the long-vowel mark, middle dot and spaces.
KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u309d\u309e\u30fd\u30fe 　]+$")


@dataclass
class ProfileForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    cleaned: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _clean_text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


async def check_profile(data: dict[str, Any]) -> ProfileForm:
    values = {
        key: str(data.get(key, "") or "")
        for key in ("name", "name_kana", "birth_date", "district", "language")
    }
    form = ProfileForm(values=values)

    name = _clean_text(values["name"])
    if not name:
        form.errors["name"] = _("お名前を入力してください。")
    elif len(name) > 100:
        form.errors["name"] = _("お名前は100文字以内で入力してください。")
    form.cleaned["name"] = name

    # NFKC turns half-width katakana into full width; kana themselves are kept as typed.
    kana = unicodedata.normalize("NFKC", values["name_kana"]).strip()
    if not kana:
        form.errors["name_kana"] = _("ふりがなを入力してください。")
    elif not KANA.match(kana) or len(kana) > 200:
        form.errors["name_kana"] = _("ふりがなは、ひらがなかカタカナで入力してください。")
    form.cleaned["name_kana"] = kana

    try:
        birth = dt.date.fromisoformat(values["birth_date"].strip())
    except ValueError:
        form.errors["birth_date"] = _("生年月日を正しく入力してください。")
    else:
        if birth > dt.date.today() or birth.year < 1900:
            form.errors["birth_date"] = _("生年月日を正しく入力してください。")
        form.cleaned["birth_date"] = birth

    district = (
        await District.select(District.id)
        .where(District.code == values["district"].strip())
        .first()
    )
    if district is None:
        form.errors["district"] = _("お住まいの地区を一覧から選んでください。")
    else:
        form.cleaned["district"] = district["id"]

    language = values["language"].strip() or "ja"
    if language not in LANGUAGES:
        form.errors["language"] = _("言語を一覧から選んでください。")
    form.cleaned["language"] = language
    return form
