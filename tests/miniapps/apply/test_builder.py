"""Staff build a procedure without a programmer: fields, a condition, prefill, a computed fee,
preview, publish; a new version leaves sent applications on theirs; CSV export; KPIs; search."""

from __future__ import annotations

import csv
import io

from machi_sdk.testing import miniapp_client

from .conftest import module, text, token

actions = module("actions")


async def test_build_publish_version_export(db, web, shell, platform):
    staff = token(shell, "clerk", roles=("counter",))
    async with miniapp_client(web, staff, htmx=True) as client:
        title = {"title_ja": "駐輪場の定期利用", "title_en": "Bicycle parking pass"}
        made = await client.post("/staff/forms", data={"slug": "bike-park", **title})
        assert made.status_code == 200, text(made)
        dup = await client.post("/staff/forms", data={"slug": "bike-park", "title_ja": "x"})
        assert dup.status_code == 422
        for field in [
            {"type": "text", "key": "name", "label_ja": "お名前", "required": "1",
             "prefill": "profile.name"},
            {"type": "choice", "key": "plan", "label_ja": "期間", "required": "1",
             "choices": "month: 1か月 / One month\nyear: 1年 / One year"},
            {"type": "number", "key": "bikes", "label_ja": "台数", "min": "1", "max": "3",
             "required": "1"},
            {"type": "text", "key": "reason", "label_ja": "1年の理由", "show_field": "plan",
             "show_equals": "year"},
        ]:  # fmt: skip
            added = await client.post("/staff/forms/bike-park/field", data=field)
            assert added.status_code == 200, text(added)
        bad = await client.post(
            "/staff/forms/bike-park/field",
            data={
                "type": "text",
                "key": "x",
                "label_ja": "条件",
                "show_field": "plan",
                "show_equals": "week",
            },
        )
        assert bad.status_code == 422
        assert "表示する条件" in text(bad)
        rules = await client.post(
            "/staff/forms/bike-park/rules",
            data={
                "fee_base": "0",
                "per_field": "bikes",
                "per_amount": "500",
                "choice_field": "plan",
                "choice_amounts": "year: 4500",
                "reviewer": "都市計画課",
                "result": "notice",
            },
        )
        assert rules.status_code == 200, text(rules)
        await client.post(
            "/staff/forms/bike-park/details",
            data={
                "title_ja": "駐輪場の定期利用",
                "keywords": "自転車 駐輪 じてんしゃ",
                "summary_ja": "駅の駐輪場",
            },
        )
        preview = await client.get("/staff/forms/bike-park/preview")
        assert preview.status_code == 200
        assert 'data-testid="apply-phone"' in preview.text
        assert 'data-testid="apply-submit"' not in preview.text
        published = await client.post("/staff/forms/bike-park/publish")
        assert "第1版を公開しました" in text(published)
        same = await client.post("/staff/forms/bike-park/publish")
        assert "第1版を公開しました" in text(same)  # nothing changed: no new version

    resident = token(shell)
    async with miniapp_client(web, resident, htmx=True) as client:
        found = await client.get("/?q=ジテンシャ")
        assert "駐輪場の定期利用" in found.text
        sent = await client.post(
            "/forms/bike-park",
            data={
                "action": "submit",
                "name": "武雄 花子",
                "plan": "year",
                "bikes": "2",
                "reason": "通勤",
            },
        )
        assert sent.status_code == 200, text(sent)
        assert "担当: 都市計画課" in text(sent)
    first = (await actions.mine("resident-1"))[0]
    app = await actions.submission(first["number"])
    assert app["fee"] == 2 * 500 + 4500
    assert app["version_number"] == 1

    async with miniapp_client(web, staff, htmx=True) as client:
        await client.post("/staff/forms/bike-park/remove", data={"key": "reason"})
        await client.post(
            "/staff/forms/bike-park/field",
            data={"type": "kana", "key": "kana", "label_ja": "ふりがな"},
        )
        assert "第2版を公開しました" in text(await client.post("/staff/forms/bike-park/publish"))
        exported = await client.get("/staff/forms/bike-park/export.csv")
        assert exported.status_code == 200
        assert platform.audits[-1]["action"] == "apply.export"
        assert exported.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0] == ["number", "version", "status", "submitted_at", "fee", "payment", "name",
                           "plan", "bikes", "reason", "kana"]  # fmt: skip
        assert rows[1][0] == app["number"]
        assert rows[1][1] == "1"
        assert rows[1][9] == "通勤"
        kpis = await client.get("/staff/kpis")
        assert kpis.status_code == 200
        assert 'data-testid="apply-kpi-share"' in kpis.text
        assert 'data-testid="apply-kpi-days"' in kpis.text
        await client.post("/staff/forms/bike-park/counter", data={"month": "2026-11", "count": "3"})
    # the application sent on version 1 still shows version 1's fields
    again = await actions.submission(app["number"])
    assert again["version_number"] == 1
    assert again["answers"]["reason"] == "通勤"


async def test_drafts_continue_and_a_closed_form_refuses(demo, web, shell):
    resident = token(shell, claims={"resident.verified": False})
    async with miniapp_client(web, resident, htmx=True) as client:
        saved = await client.post("/forms/shotoku", data={"action": "save", "purpose": "保育園"})
        assert saved.status_code == 200
        assert "下書きを保存しました" in text(saved)
        number = (await actions.mine("resident-1"))[0]["number"]
        draft = await client.get(f"/a/{number}")
        assert f'href="/forms/shotoku?number={number}"' in draft.text
        page = await client.get(f"/forms/shotoku?number={number}")
        assert 'value="保育園"' in page.text
        refused = await client.post(
            "/forms/shotoku",
            data={
                "action": "submit",
                "number": number,
                "name": "武雄 花子",
                "year": "2026",
                "purpose": "保育園",
                "consent": "1",
            },
        )
        assert refused.status_code == 422
        assert "本人確認が必要です" in text(refused)
        leak = await client.post(
            "/forms/shotoku", data={"action": "save", "number": number, "purpose": "123456789012"}
        )
        assert leak.status_code == 422
        assert "マイナンバー" in text(leak)
        assert "123456789012" not in leak.text
        hidden = await client.post(  # a hidden or not yet valid field is checked too
            "/forms/shotoku", data={"action": "save", "number": number, "year": "1234 5678 9012"}
        )
        assert hidden.status_code == 422
    assert "123456789012" not in str((await actions.submission(number))["answers"])
    await actions.withdraw("shotoku")
    async with miniapp_client(web, resident, htmx=True) as client:
        closed = await client.get("/forms/shotoku")
        assert closed.status_code == 404
        assert "受け付けていません" in text(closed)
