"""The time charts' widget: a Vega-Lite view compiled once, whose data change in place.

Solara's ``VegaLite`` widget re-builds a chart from scratch whenever its spec changes, and
waits 100 ms before doing so; a spec with the data inside also makes every page render
walk and compare thousands of rows. :class:`ChartView` takes the spec without data
(``sim.classroom.charts.charts_spec``, fixed for a campaign) and the data as one JSON
string (``charts_data``), which the browser applies to the existing view at once
(``chartview.vue``): Vega redraws the marks, and compiles nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ipyvuetify as v
import solara
import traitlets

TEMPLATE = Path(__file__).with_name("chartview.vue")


class ChartView(v.VuetifyTemplate):
    """A Vega-Lite chart whose named datasets and signals come from ``chart_data``.

    Attributes:
        spec: the Vega-Lite spec, with named datasets and signals and no data.
        chart_data: JSON of ``{"tables": {dataset: rows}, "signals": {name: value},
            "hour": int}``; each change replaces the datasets' rows and sets the signals.
        cdn: where the browser loads Vega from (Solara's asset address when unset).
    """

    template_file = str(TEMPLATE)
    spec = traitlets.Dict().tag(sync=True)
    chart_data = traitlets.Unicode("").tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self) -> str | None:
        import solara.settings

        if not solara.settings.assets.proxy:
            return solara.settings.assets.cdn
        return None


def chart_json(data: dict[str, Any]) -> str:
    """``charts_data`` as the compact JSON string ``ChartView.chart_data`` takes."""
    return json.dumps(data, separators=(",", ":"))


def chart_view(spec: dict[str, Any], data: str) -> solara.Element:
    """A ``ChartView`` element showing ``data`` (``chart_json``) with ``spec``."""
    return ChartView.element(spec=spec, chart_data=data)
