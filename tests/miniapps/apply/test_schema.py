"""Forms are data: the schema checks staff get, and the server-side validation residents get."""

from __future__ import annotations

import pytest

from .conftest import module

schema = module("schema")

FORM = {
    "fields": [
        {"key": "name", "type": "text", "label": {"ja": "お名前"}, "required": True,
         "prefill": "profile.name"},
        {"key": "kana", "type": "kana", "label": {"ja": "ふりがな"}, "required": True},
        {"key": "copies", "type": "number", "label": {"ja": "通数"}, "required": True,
         "min": 1, "max": 5},
        {"key": "day", "type": "date", "label": {"ja": "日"}},
        {"key": "delivery", "type": "choice", "label": {"ja": "受け取り"}, "required": True,
         "choices": [{"value": "post", "label": {"ja": "郵送"}},
                     {"value": "counter", "label": {"ja": "窓口"}}]},
        {"key": "mail", "type": "section", "label": {"ja": "郵送先"},
         "show_if": {"field": "delivery", "equals": "post"}},
        {"key": "address", "type": "address", "label": {"ja": "住所"}, "required": True},
        {"key": "photo", "type": "attachment", "label": {"ja": "写真"}},
        {"key": "ok", "type": "consent", "label": {"ja": "確認しました"}, "required": True},
    ],
    "fee": {"base": 100, "per_unit": {"field": "copies", "amount": 300},
            "by_choice": {"field": "delivery", "amounts": {"post": 110}}},
    "result": "post",
}  # fmt: skip
GOOD = {"name": "武雄 花子", "kana": "たけお はなこ", "copies": "2", "delivery": "post",
        "address": "武雄町1-1", "ok": "1"}  # fmt: skip


@pytest.fixture(name="form")
def fx_form():
    return schema.check_schema(FORM)


def test_valid_answers_and_fee(form):
    answers, errors = schema.validate(form, GOOD)
    assert errors == {}
    assert answers["copies"] == 2
    assert answers["ok"] is True
    assert schema.fee_for(form, answers) == 100 + 2 * 300 + 110


def test_a_hidden_section_is_neither_required_nor_stored(form):
    answers, errors = schema.validate(form, {**GOOD, "delivery": "counter", "address": "秘密"})
    assert errors == {}
    assert "address" not in answers
    assert schema.fee_for(form, answers) == 700


@pytest.mark.parametrize(
    ("changes", "key", "code"),
    [
        ({"name": ""}, "name", "required"),
        ({"kana": "Takeo"}, "kana", "kana"),
        ({"copies": "6"}, "copies", "range"),
        ({"copies": "two"}, "copies", "number"),
        ({"day": "2026-02-30"}, "day", "date"),
        ({"delivery": "drone"}, "delivery", "choice"),
        ({"ok": ""}, "ok", "consent"),
        ({"address": "x" * 201}, "address", "too_long"),
        ({"address": "番号 1234 5678 9012 です"}, "address", "my_number"),
        ({"name": "１２３４５６７８９０１２"}, "name", "my_number"),  # full width too
    ],
)
def test_bad_answers_are_named(form, changes, key, code):
    _, errors = schema.validate(form, {**GOOD, **changes})
    assert errors[key][0] == code


def test_phone_numbers_are_not_my_numbers(form):
    _, errors = schema.validate(form, {**GOOD, "address": "電話 0954-23-9111 / 090-1234-5678"})
    assert errors == {}


def test_required_attachment(form):
    fields = [dict(f, required=True) if f["key"] == "photo" else f for f in FORM["fields"]]
    strict = schema.check_schema({**FORM, "fields": fields})
    assert schema.validate(strict, GOOD)[1]["photo"][0] == "attachment"
    assert schema.validate(strict, GOOD, attachments={"photo"})[1] == {}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"fields": []}, "no_fields"),
        ({"fields": [{"key": "Bad Key", "type": "text", "label": {"ja": "x"}}]}, "bad_key"),
        ({"fields": [{"key": "a", "type": "colour", "label": {"ja": "x"}}]}, "bad_type"),
        ({"fields": [{"key": "a", "type": "text", "label": {"ja": ""}}]}, "no_label"),
        ({"fields": [{"key": "a", "type": "choice", "label": {"ja": "x"}}]}, "no_choices"),
        ({"fields": [{"key": "a", "type": "text", "label": {"ja": "x"}},
                     {"key": "a", "type": "text", "label": {"ja": "y"}}]}, "duplicate_key"),
        ({"fields": [{"key": "a", "type": "text", "label": {"ja": "x"},
                      "prefill": "resident.mynumber"}]}, "bad_prefill"),
        ({"fields": [{"key": "a", "type": "number", "label": {"ja": "x"}, "min": 5, "max": 1}]},
         "bad_range"),
        ({"fields": [{"key": "a", "type": "text", "label": {"ja": "x"},
                      "show_if": {"field": "b", "equals": "y"}}]}, "bad_show_if"),
        ({"fee": {"base": -1}}, "bad_fee"),
        ({"fee": {"per_unit": {"field": "name", "amount": 100}}}, "bad_fee"),
        ({"result": "fax"}, "bad_result"),
    ],
)  # fmt: skip
def test_schema_problems_are_listed(change, problem):
    with pytest.raises(schema.SchemaError) as caught:
        schema.check_schema({**FORM, **change})
    assert problem in {code for _, code in caught.value.problems}


def test_sections_condition_their_fields(form):
    conditions = {f["key"]: when for f, when in schema.with_conditions(form)}
    assert conditions["address"] == {"field": "delivery", "equals": "post"}
    assert conditions["ok"] == {"field": "delivery", "equals": "post"}  # until the next section
    assert conditions["name"] is None


def test_demo_forms_are_valid_and_consent_is_always_asked():
    for spec in module("demo").DEMO_FORMS:
        form = schema.check_schema(spec["schema"])
        conditions = {f["key"]: when for f, when in schema.with_conditions(form)}
        assert conditions["consent"] is None, spec["slug"]
