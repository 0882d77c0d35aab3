"""The growth chart: WHO percentiles, the child's points at the right coordinates, the note only
outside the 3rd-97th band, an accessible SVG with a table beside it, and the source named."""

from __future__ import annotations

import datetime as dt
import re

from machi_sdk.testing import FakeShell, miniapp_client

from .conftest import module, token

growth = module("growth")
actions = module("actions")


def test_percentiles_match_the_who_tables():
    # WHO weight-for-age, boys, birth: L 0.3487, M 3.3464, S 0.14602 (the published table);
    # the published P3 and P97 at birth are 2.5 kg and 4.3 kg (rounded to 0.1)
    l_, m, s = growth.lms("wfa", "M", 0)
    assert (l_, m, s) == (0.3487, 3.3464, 0.14602)
    assert round(growth.value_at(l_, m, s, growth.Z3), 1) == 2.5
    assert round(growth.value_at(l_, m, s, growth.Z97), 1) == 4.3
    assert abs(growth.zscore("wfa", "M", 0, 3.3464)) < 1e-9  # the median is z 0


def test_a_point_is_plotted_at_its_age_and_value():
    # a 24-month weight axis: x from 56 to 624 (640 - 16) over 24 months, y from 352 (400 - 48)
    # up to 16 over 0-18 kg. 6 months old (182.6 days) and 9 kg:
    # x = 56 + 6/24 * 568 = 198.0; y = 352 - 9/18 * 336 = 184.0
    chart = growth.chart("wfa", "F", [{"age_days": 6 * growth.DAYS_PER_MONTH, "value": 9.0}])
    point = chart["points"][0]
    assert (point["x"], point["y"]) == (198.0, 184.0)
    assert chart["axis"].months == 24
    older = growth.chart("lhfa", "F", [{"age_days": 1000, "value": 90.0}])
    assert older["axis"].months == 60  # past two years the axis runs to five


def test_band_outside_3rd_to_97th_only():
    assert growth.outside_band(0.0) is None
    assert growth.outside_band(1.87) is None
    assert growth.outside_band(1.9) == "high"
    assert growth.outside_band(-1.9) == "low"
    # girl at 365 days: WHO median about 8.9 kg; 6.5 kg is under the 3rd percentile (about 7.0)
    assert growth.outside_band(growth.zscore("wfa", "F", 365, 6.5)) == "low"
    assert growth.outside_band(growth.zscore("wfa", "F", 365, 9.0)) is None


async def test_chart_page_is_accessible_and_notes_only_outside_the_band(db, web, shell: FakeShell):
    born = actions.today() - dt.timedelta(days=400)
    async with miniapp_client(web, token(shell)) as client:
        await client.post(
            "/children", data={"name": "そら", "sex": "F", "birth_date": born.isoformat()}
        )
        child = (await module("tables").HandbookChild.select().first())["id"]
        on = (born + dt.timedelta(days=365)).isoformat()
        await client.post(
            f"/children/{child}/records",
            data={"kind": "measurement", "day": on, "weight_kg": "9.0", "height_cm": "74.0"},
        )
        page = await client.get(f"/children/{child}/growth")
        assert page.status_code == 200
        assert "handbook-band-note" not in page.text  # within the band: no note
        assert "WHO Child Growth Standards (2006)" in page.text
        svg = re.search(r'<svg class="handbook-chart".*?</svg>', page.text, re.S).group(0)
        assert 'role="img"' in svg
        assert "<title" in svg
        assert "<desc" in svg
        assert "月齢（か月）" in svg
        assert "体重（kg）" in svg
        for line in ("handbook-p3", "handbook-p50", "handbook-p97"):
            assert f'data-testid="{line}"' in svg
        assert svg.count('data-testid="handbook-point"') == 1
        assert 'data-testid="handbook-chart-table-wfa"' in page.text
        await client.post(
            f"/children/{child}/records",
            data={"kind": "measurement", "day": on, "weight_kg": "6.5"},
        )
        low = await client.get(f"/children/{child}/growth")
        notes = re.findall(r'data-testid="handbook-band-note">(.*?)</p>', low.text, re.S)
        assert len(notes) == 1
        assert "同じ月齢の子どもの3%より少ない範囲です" in notes[0]
        assert "6.5 kg" in notes[0]
