"""The pre-interview questionnaire of the accompaniment support (伴走型相談支援): its questions,
their checking, and the fields a CSV export can take, as data."""

from __future__ import annotations

from typing import Any

from machi_sdk.i18n import N_

STAGES = {
    "pregnancy": N_("妊娠届出時の面談"),
    "after_birth": N_("出生届出後の面談（生後4か月まで）"),
    "eight_months": N_("妊娠8か月ごろの面談"),
}

# id, label, kind, choices (value -> label), required
QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "first_child",
        "label": N_("はじめてのお子さんですか"),
        "kind": "choice",
        "choices": {"yes": N_("はい"), "no": N_("いいえ")},
        "required": True,
    },
    {
        "id": "health",
        "label": N_("いまの体調はいかがですか"),
        "kind": "choice",
        "choices": {"good": N_("よい"), "so_so": N_("ふつう"), "poor": N_("よくない")},
        "required": True,
    },
    {
        "id": "sleep",
        "label": N_("よく眠れていますか"),
        "kind": "choice",
        "choices": {"yes": N_("はい"), "no": N_("いいえ")},
        "required": True,
    },
    {
        "id": "helper",
        "label": N_("困ったときに手伝ってくれる人はいますか"),
        "kind": "choice",
        "choices": {"yes": N_("いる"), "no": N_("いない")},
        "required": True,
    },
    {
        "id": "topics",
        "label": N_("面談で話したいこと（いくつでも）"),
        "kind": "multi",
        "choices": {
            "body": N_("からだのこと"),
            "childcare": N_("育児のこと"),
            "money": N_("お金のこと"),
            "work": N_("仕事・保育所のこと"),
            "feelings": N_("気持ちのこと"),
        },
        "required": False,
    },
    {"id": "worries", "label": N_("心配なこと・聞きたいこと"), "kind": "text", "required": False},
]
QUESTION_IDS = [q["id"] for q in QUESTIONS]


class Invalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(", ".join(problems))


def clean(stage: str, form: dict[str, list[str]]) -> dict[str, Any]:
    """The answers from a form (``name -> values``), checked; Invalid lists the questions to fix."""
    problems = [] if stage in STAGES else ["stage"]
    answers: dict[str, Any] = {}
    for q in QUESTIONS:
        values = [v.strip() for v in form.get(q["id"], []) if v.strip()]
        if q["kind"] == "text":
            answers[q["id"]] = (values[0] if values else "")[:2000]
        elif q["kind"] == "multi":
            if any(v not in q["choices"] for v in values):
                problems.append(q["id"])
            answers[q["id"]] = [v for v in q["choices"] if v in values]
        else:
            value = values[0] if values else ""
            if value not in q["choices"] or (q["required"] and not value):
                problems.append(q["id"])
            answers[q["id"]] = value
    if problems:
        raise Invalid(problems)
    return answers


# The fields a CSV column can hold, for the city's health-management system.
FIELDS: dict[str, str] = {
    "interview.id": N_("面談番号"),
    "interview.date": N_("面談日"),
    "interview.time": N_("面談時刻"),
    "interview.place": N_("場所"),
    "interview.status": N_("状態"),
    "interview.staff_notes": N_("面談記録"),
    "questionnaire.stage": N_("面談の種類"),
    "questionnaire.submitted": N_("回答日"),
    "person.ref": N_("利用者番号"),
    **{f"answer.{q['id']}": q["label"] for q in QUESTIONS},
}
DEFAULT_LAYOUTS: dict[str, list[dict[str, str]]] = {
    "questionnaires": [
        {"header": "利用者番号", "field": "person.ref"},
        {"header": "面談種別", "field": "questionnaire.stage"},
        {"header": "回答日", "field": "questionnaire.submitted"},
        *[{"header": q["id"], "field": f"answer.{q['id']}"} for q in QUESTIONS],
    ],
    "interviews": [
        {"header": "面談番号", "field": "interview.id"},
        {"header": "利用者番号", "field": "person.ref"},
        {"header": "面談日", "field": "interview.date"},
        {"header": "時刻", "field": "interview.time"},
        {"header": "場所", "field": "interview.place"},
        {"header": "状態", "field": "interview.status"},
        {"header": "面談記録", "field": "interview.staff_notes"},
    ],
}


def parse_layout(text: str) -> list[dict[str, str]]:
    """``見出し=field`` per line → columns; Invalid names the lines that are wrong."""
    columns, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        header, sep, field = line.partition("=")
        header, field = header.strip(), field.strip()
        if not sep or not header or field not in FIELDS or len(header) > 60:
            problems.append(str(number))
            continue
        columns.append({"header": header, "field": field})
    if not columns and not problems:
        problems.append("empty")
    if len(columns) > 60:
        problems.append("too_many")
    if problems:
        raise Invalid(problems)
    return columns
