"""Bar charts for staff pages, drawn as SVG by the template ``machi_sdk/charts.html`` (no chart
library, nothing from a CDN). Pair every chart with a table of the same numbers: the chart is for
the eye, the table for a screen reader and for copying.

    from machi_sdk.charts import bar_chart
    share = bar_chart([("9月", 62.5), ("10月", 71.0), ("11月", None)], "%")

    {% block content %}  {# import inside the block: a child template's top level is not seen #}
    {% from "machi_sdk/charts.html" import bars %}
    {{ bars(share, _("アプリでの欠席連絡の割合"), "school-share-chart") }}
"""

from __future__ import annotations

from typing import Any

HEIGHT = 120  # the tallest bar, in SVG units; the axis is at 140 and the labels below it
STEP = 50  # one bar and its gap


def bar_chart(values: list[tuple[str, float | None]], unit: str = "") -> dict[str, Any]:
    """Bars for ``values`` (label, value; ``None`` for no figure), scaled to the largest value.

    A value of 0 or ``None`` draws no bar; a small positive value is at least 2 units high so it
    is seen. ``unit`` follows each printed value (``"%"``, ``"人"``)."""
    top = max((v for _, v in values if v and v > 0), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(values):
        height = 0 if not value or value <= 0 else max(2, round(HEIGHT * value / top))
        bars.append(
            {
                "x": 10 + index * STEP,
                "y": 140 - height,
                "h": height,
                "label": label,
                "value": "" if value is None else f"{value:g}{unit}",
            }
        )
    return {"bars": bars, "width": 20 + STEP * len(values)}
