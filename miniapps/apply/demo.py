"""Demo procedures, each a form staff could have built in the builder, published once."""

from __future__ import annotations

from typing import Any

from . import actions
from .tables import ApplyForm


def _l(ja: str, en: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


def _choice(value: str, ja: str, en: str) -> dict[str, Any]:
    return {"value": value, "label": _l(ja, en)}


# An unconditional section ends the conditional one before it.
CONFIRM = {"key": "confirm", "type": "section", "label": {"ja": "確認", "en": "Confirmation"}}
CONSENT = {
    "key": "consent",
    "type": "consent",
    "required": True,
    "label": _l(
        "入力した内容に間違いがないことを確認しました", "I confirm that what I entered is correct"
    ),
}

DEMO_FORMS: list[dict[str, Any]] = [
    {
        "slug": "juminhyo",
        "title": _l(
            "住民票の写しの交付申請（郵送）", "Copy of the residence certificate (by post)"
        ),
        "summary": _l(
            "住民票の写しを郵送で受け取れます。手数料1通300円と郵送料110円をウォレットで払います。",
            "Receive a copy of your residence certificate by post. "
            "300 yen a copy plus 110 yen postage, paid with the wallet.",
        ),
        "keywords": "住民票 じゅうみんひょう 写し うつし 証明書 引っ越し residence certificate",
        "schema": {
            "reviewer": "市民課 住民係",
            "requires_verified": True,
            "result": "post",
            "fee": {
                "base": 0,
                "per_unit": {"field": "copies", "amount": 300},
                "by_choice": {"field": "delivery", "amounts": {"post": 110}},
            },
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "required": True,
                    "prefill": "profile.name",
                    "label": _l("お名前", "Name"),
                },
                {
                    "key": "kana",
                    "type": "kana",
                    "required": True,
                    "label": _l("ふりがな", "Name in kana"),
                },
                {
                    "key": "birthday",
                    "type": "date",
                    "required": True,
                    "label": _l("生年月日", "Date of birth"),
                },
                {
                    "key": "copies",
                    "type": "number",
                    "required": True,
                    "min": 1,
                    "max": 10,
                    "label": _l("通数", "Copies"),
                },
                {
                    "key": "household",
                    "type": "choice",
                    "required": True,
                    "label": _l("載せる人", "Who is listed"),
                    "choices": [
                        _choice("self", "本人のみ", "Only me"),
                        _choice("all", "世帯全員", "Whole household"),
                    ],
                },
                {
                    "key": "delivery",
                    "type": "choice",
                    "required": True,
                    "label": _l("受け取り方", "How to receive it"),
                    "choices": [
                        _choice("post", "郵送（110円）", "By post (110 yen)"),
                        _choice("counter", "窓口で受け取る", "At the counter"),
                    ],
                },
                {
                    "key": "mail",
                    "type": "section",
                    "label": _l("郵送先", "Mailing address"),
                    "show_if": {"field": "delivery", "equals": "post"},
                },
                {
                    "key": "mail_address",
                    "type": "address",
                    "required": True,
                    "max": 200,
                    "label": _l("郵送先の住所", "Mailing address"),
                },
                CONFIRM,
                CONSENT,
            ],
        },
    },
    {
        "slug": "dog-change",
        "title": _l("犬の登録事項の変更届", "Change of a dog's registration"),
        "summary": _l(
            "飼い主の住所や名前が変わったとき、犬が亡くなったときの届出です。手数料はかかりません。",
            "Tell the city when the owner's address or name changes, "
            "or when the dog has died. No fee.",
        ),
        "keywords": "犬 いぬ イヌ ペット 登録 変更 引っ越し 死亡 dog pet",
        "schema": {
            "reviewer": "環境課",
            "requires_verified": False,
            "result": "notice",
            "fee": {"base": 0},
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "required": True,
                    "prefill": "profile.name",
                    "label": _l("飼い主のお名前", "Owner's name"),
                },
                {
                    "key": "dog_name",
                    "type": "text",
                    "required": True,
                    "max": 40,
                    "label": _l("犬の名前", "Dog's name"),
                },
                {
                    "key": "tag",
                    "type": "text",
                    "required": True,
                    "max": 20,
                    "label": _l("鑑札の番号", "Licence tag number"),
                    "help": _l(
                        "鑑札に書かれた番号です（例: 武-1234）。",
                        "The number on the licence tag (e.g. 武-1234).",
                    ),
                },
                {
                    "key": "change",
                    "type": "choice",
                    "required": True,
                    "label": _l("届け出ること", "What changed"),
                    "choices": [
                        _choice("address", "飼い主の住所", "Owner's address"),
                        _choice("died", "犬が亡くなった", "The dog has died"),
                    ],
                },
                {
                    "key": "new",
                    "type": "section",
                    "label": _l("新しい住所", "New address"),
                    "show_if": {"field": "change", "equals": "address"},
                },
                {
                    "key": "new_address",
                    "type": "address",
                    "required": True,
                    "label": _l("新しい住所", "New address"),
                },
                {
                    "key": "died",
                    "type": "section",
                    "label": _l("亡くなった日", "Date of death"),
                    "show_if": {"field": "change", "equals": "died"},
                },
                {
                    "key": "died_on",
                    "type": "date",
                    "required": True,
                    "label": _l("亡くなった日", "Date of death"),
                },
                CONFIRM,
                {
                    "key": "photo",
                    "type": "attachment",
                    "required": False,
                    "label": _l("鑑札の写真（あれば）", "Photo of the tag (if you have one)"),
                },
                CONSENT,
            ],
        },
    },
    {
        "slug": "dog-tag",
        "title": _l("犬の鑑札の再交付申請", "Reissue of a dog licence tag"),
        "summary": _l(
            "鑑札をなくしたり壊したりしたときの申請です。手数料1,600円をウォレットで払います。",
            "When a dog licence tag is lost or broken. 1,600 yen, paid with the wallet.",
        ),
        "keywords": "犬 いぬ イヌ 鑑札 かんさつ 再交付 なくした ペット dog tag licence",
        "schema": {
            "reviewer": "環境課",
            "requires_verified": False,
            "result": "notice",
            "fee": {"base": 1600},
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "required": True,
                    "prefill": "profile.name",
                    "label": _l("飼い主のお名前", "Owner's name"),
                },
                {
                    "key": "dog_name",
                    "type": "text",
                    "required": True,
                    "max": 40,
                    "label": _l("犬の名前", "Dog's name"),
                },
                {
                    "key": "reason",
                    "type": "choice",
                    "required": True,
                    "label": _l("再交付の理由", "Why a new tag"),
                    "choices": [
                        _choice("lost", "なくした", "Lost"),
                        _choice("broken", "壊れた", "Broken"),
                    ],
                },
                {
                    "key": "receive",
                    "type": "choice",
                    "required": True,
                    "label": _l("受け取り方", "How to receive it"),
                    "choices": [
                        _choice("counter", "窓口で受け取る", "At the counter"),
                        _choice("post", "郵送", "By post"),
                    ],
                },
                {
                    "key": "mail",
                    "type": "section",
                    "label": _l("郵送先", "Mailing address"),
                    "show_if": {"field": "receive", "equals": "post"},
                },
                {
                    "key": "mail_address",
                    "type": "address",
                    "required": True,
                    "label": _l("郵送先の住所", "Mailing address"),
                },
                CONFIRM,
                CONSENT,
            ],
        },
    },
    {
        "slug": "shotoku",
        "title": _l("所得証明書の交付申請", "Income certificate"),
        "summary": _l(
            "所得証明書をPDFで受け取れます。手数料300円。本人確認が必要です。",
            "Receive an income certificate as a PDF. 300 yen. Identity check needed.",
        ),
        "keywords": "所得 しょとく 証明書 課税 税 保育園 income tax certificate",
        "schema": {
            "reviewer": "税務課",
            "requires_verified": True,
            "result": "document",
            "fee": {"base": 300},
            "fields": [
                {
                    "key": "name",
                    "type": "text",
                    "required": True,
                    "prefill": "profile.name",
                    "label": _l("お名前", "Name"),
                },
                {
                    "key": "year",
                    "type": "choice",
                    "required": True,
                    "label": _l("年度", "Fiscal year"),
                    "choices": [
                        _choice("2026", "令和8年度", "FY2026"),
                        _choice("2025", "令和7年度", "FY2025"),
                    ],
                },
                {
                    "key": "purpose",
                    "type": "text",
                    "required": True,
                    "max": 100,
                    "label": _l("使う目的", "Purpose"),
                    "help": _l("例: 保育園の申込み", "e.g. nursery application"),
                },
                CONFIRM,
                CONSENT,
            ],
        },
    },
]


async def load_demo() -> list[str]:
    """Create and publish the demo procedures that do not exist yet (idempotent)."""
    lines = []
    for spec in DEMO_FORMS:
        if await ApplyForm.exists().where(ApplyForm.slug == spec["slug"]):
            continue
        await actions.create_form(spec["slug"], spec["title"]["ja"], spec["title"]["en"])
        await actions.set_form_details(
            spec["slug"],
            summary_ja=spec["summary"]["ja"],
            summary_en=spec["summary"]["en"],
            keywords=spec["keywords"],
        )
        sch = spec["schema"]
        for field in sch["fields"]:
            await actions.add_field(spec["slug"], field)
        await actions.set_rules(
            spec["slug"],
            fee=sch["fee"],
            requires_verified=sch["requires_verified"],
            result=sch["result"],
            reviewer=sch.get("reviewer", ""),
        )
        await actions.publish(spec["slug"])
        lines.append(f"apply: published the demo procedure {spec['slug']}")
    return lines
