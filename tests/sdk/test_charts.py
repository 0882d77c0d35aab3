"""machi_sdk.charts: bars scaled to the largest value, a visible sliver for a small one, none for
no figure; the template draws one rect per bar with the printed value."""

from jinja2 import Environment, PackageLoader
from machi_sdk.charts import bar_chart


def test_bars_are_scaled_to_the_largest_value():
    chart = bar_chart([("9月", 50.0), ("10月", 100.0), ("11月", 1.0), ("12月", None)], "%")
    heights = [b["h"] for b in chart["bars"]]
    assert heights == [60, 120, 2, 0]  # 1 % of the top is drawn 2 high, so it is seen
    assert [b["y"] + b["h"] for b in chart["bars"]] == [140] * 4  # all stand on the axis
    assert [b["value"] for b in chart["bars"]] == ["50%", "100%", "1%", ""]
    assert chart["width"] == 20 + 50 * 4


def test_all_zero_draws_no_bar_and_no_error():
    chart = bar_chart([("a", 0), ("b", 0)])
    assert [b["h"] for b in chart["bars"]] == [0, 0]
    assert [b["value"] for b in chart["bars"]] == ["0", "0"]


def test_the_macro_names_the_chart_and_draws_each_bar():
    env = Environment(loader=PackageLoader("machi_sdk"), autoescape=True)
    template = env.from_string(
        '{% from "machi_sdk/charts.html" import bars %}{{ bars(chart, "割合<>", "x-share") }}'
    )
    html = template.render(chart=bar_chart([("9月", 10), ("10月", 20)], "%"))
    assert html.count("<rect") == 2
    assert 'aria-labelledby="chart-x-share"' in html
    assert 'id="chart-x-share"' in html
    assert "割合&lt;&gt;" in html  # the title is escaped
    assert "20%" in html
