"""The Japanese texts of the app's data files (rules/vaccines-*.toml: vaccine names, dose labels
and notes; data/childcare-info.toml: the notices by a child's age in months), listed so that they
are extracted into the app's catalogs and shown in every language. The files keep Japanese (and
English) as written by the city; pages and notices show ``data_text(value, gettext)``: the
reader's catalog translation of the Japanese, the Japanese when there is none (a text the city
changed since). ``tests/miniapps/handbook/test_data_texts.py`` keeps this list equal to the files:
after editing them, add the new Japanese texts here (the test names them), extract and translate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from machi_sdk.i18n import N_

TEXTS = (
    N_("五種混合（DPT-IPV-Hib）"),
    N_("1期初回1回目"),
    N_("1期初回2回目"),
    N_("1期初回3回目"),
    N_("1期追加"),
    N_("小児の肺炎球菌"),
    N_("生後7か月以降に始めたときは回数が少なくなります。保健センターにご相談ください。"),
    N_("初回1回目"),
    N_("初回2回目"),
    N_("初回3回目"),
    N_("追加"),
    N_("B型肝炎"),
    N_("1回目"),
    N_("2回目"),
    N_("3回目"),
    N_("ロタウイルス（1価・2回）"),
    N_("ロタウイルス（5価・3回）"),
    N_("BCG"),
    N_("1回"),
    N_("MR（麻しん風しん）1期"),
    N_("1期"),
    N_("MR（麻しん風しん）2期"),
    N_("2期"),
    N_("水痘（水ぼうそう）"),
    N_("日本脳炎 1期"),
    N_("日本脳炎 2期"),
    N_("二種混合（DT）2期"),
    N_("HPV（ヒトパピローマウイルス、9価）"),
    N_("15歳になる前に1回目を受けたときは、5か月以上あけて2回で完了にできます。"),
    N_("1か月児健診の時期です"),
    N_("生後1か月ごろに1か月児健診があります。健診の結果は母子手帳アプリにも記録できます。"),
    N_("予防接種が始まります"),
    N_(
        "生後2か月から五種混合・小児の肺炎球菌・B型肝炎・ロタウイルスの予防接種が受けられます。予定はアプリの「予防接種」で確認できます。"
    ),
    N_("3〜4か月児健診のご案内"),
    N_(
        "3〜4か月児健診の時期です。首のすわりなどを確かめます。気になることは保健センターへご相談ください。"
    ),
    N_("離乳食を始める目安の時期です"),
    N_("生後5〜6か月ごろが離乳食を始める目安です。保健センターで離乳食教室を開いています。"),
    N_("1歳のお誕生日おめでとうございます"),
    N_("1歳になったらMR（麻しん風しん）1期と水痘の予防接種を受けましょう。"),
    N_("1歳6か月児健診のご案内"),
    N_("1歳6か月児健診の時期です。歯科健診もあります。"),
    N_("3歳児健診のご案内"),
    N_("3歳児健診の時期です。日本脳炎の予防接種も3歳からが標準です。"),
)


def data_text(value: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    """A data file's text (``{"ja": ..., "en": ...}``) in the reader's language."""
    return gettext(str(value["ja"]))
