"""The classroom's time charts: a fixed Vega-Lite spec per community, and its data.

Three charts per community, stacked: members at each trust stage (stacked areas),
purchases per day (bars) and active / dormant / left members (lines). They read the
engine's recorder and move every ``CHART_EVERY`` campaign hours (and at the end).

The spec (:func:`charts_spec`) depends only on the campaign length and the width, so the
browser compiles it once; each move sends only the data (:func:`charts_data`): the rows of
the three named datasets and the y-axis tops, which are Vega signals. Two communities
shown side by side share their tops (:func:`chart_tops`), so they compare at a glance, and
the x axes always span the whole campaign, so nothing jumps as the campaign runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from sim.classroom.drawing import STAGE_COLOURS, STAGE_NAMES, STATUS_NAMES
from sim.mesa_view.agents import ROW
from sim.mesa_view.model import CommunityModel

CHART_EVERY = 6  # hours between the points of the time charts
TABLES = ("stages", "purchases", "status")  # the named datasets, one per chart
STATUS_COLOURS = ("#3182bd", "#9e9ac8", "#636363")


def chart_hour(model: CommunityModel) -> int:
    """The hour the charts show: the last multiple of ``CHART_EVERY`` (or the campaign's end).

    Charts change only every few campaign hours, so most steps redraw the counters and the
    graph only.
    """
    hour = model.engine.hour
    return hour if model.engine.done else hour - hour % CHART_EVERY


def _sampled_hours(hour: int) -> np.ndarray:
    """Hours simulated (counts) at which the time charts have a point after the start."""
    if hour == 0:
        return np.zeros(0, dtype=int)
    points = np.arange(CHART_EVERY, hour + 1, CHART_EVERY)
    return points if points.size and points[-1] == hour else np.append(points, hour)


def _start(model: CommunityModel, names: list[str]) -> list[int]:
    """Values at the start (hour 0) from the model's collector, which records it at set-up."""
    data = model.datacollector.model_vars
    return [int(data[name][0]) for name in names]


def _daily_purchases(model: CommunityModel, hour: int) -> np.ndarray:
    days = -(-hour // 24)
    padded = np.zeros(days * 24, dtype=np.int64)
    padded[:hour] = model.engine.recorder.purchases[:hour, ROW]
    return padded.reshape(days, 24).sum(axis=1)


def stages_rows(model: CommunityModel) -> list[dict[str, Any]]:
    """Present members at each trust stage ``s`` on day ``d`` (``n`` members)."""
    rec = model.engine.recorder
    start = _start(model, [f"stage_{k}" for k in range(len(STAGE_NAMES))])
    rows = [{"d": 0.0, "s": k, "n": n} for k, n in enumerate(start)]
    for h in _sampled_hours(chart_hour(model)):
        counts = rec.stages[h - 1, ROW].sum(axis=0)
        rows.extend({"d": round(h / 24, 2), "s": k, "n": int(c)} for k, c in enumerate(counts))
    return rows


def purchases_rows(model: CommunityModel) -> list[dict[str, Any]]:
    """Purchases ``n`` on campaign day ``d`` (1, 2, ...), for the days begun."""
    daily = _daily_purchases(model, chart_hour(model))
    return [{"d": i + 1, "n": int(n)} for i, n in enumerate(daily)]


def status_rows(model: CommunityModel) -> list[dict[str, Any]]:
    """Active, dormant (muted) and departed members ``t`` on day ``d`` (``n`` members)."""
    rec = model.engine.recorder
    start = _start(model, ["active_status", "dormant", "left"])
    rows = [{"d": 0.0, "t": STATUS_NAMES[k], "n": n} for k, n in enumerate(start)]
    for h in _sampled_hours(chart_hour(model)):
        for k, c in enumerate(rec.status[h - 1, ROW]):
            rows.append({"d": round(h / 24, 2), "t": STATUS_NAMES[k], "n": int(c)})
    return rows


def chart_tops(models: Iterable[CommunityModel]) -> dict[str, int]:
    """Y-axis tops shared by ``models``' charts: the largest value any of them shows.

    The trust-stage and status tops start at the members present at the start, so they
    move only when more members join than ever were present.
    """
    tops = {name: 1 for name in TABLES}
    for model in models:
        start = int(model.datacollector.model_vars["present"][0])
        tops["stages"] = max(tops["stages"], start)
        tops["status"] = max(tops["status"], start)
        hour = chart_hour(model)
        if hour == 0:
            continue
        rec = model.engine.recorder
        tops["stages"] = max(tops["stages"], int(rec.stages[:hour, ROW].sum(axis=(1, 2)).max()))
        tops["status"] = max(tops["status"], int(rec.status[:hour, ROW].max()))
        tops["purchases"] = max(tops["purchases"], int(_daily_purchases(model, hour).max()))
    return tops


def charts_data(model: CommunityModel, tops: dict[str, int] | None = None) -> dict[str, Any]:
    """What the charts show now: the rows of each dataset, the y-axis tops and the hour.

    Args:
        model: the community.
        tops: shared y-axis tops (``chart_tops``); the community's own if omitted.

    Returns:
        ``{"tables": {name: rows}, "signals": {"top_<name>": top}, "hour": chart hour}``.
    """
    tops = tops or chart_tops([model])
    return {
        "tables": {
            "stages": stages_rows(model),
            "purchases": purchases_rows(model),
            "status": status_rows(model),
        },
        "signals": {f"top_{name}": int(tops[name]) for name in TABLES},
        "hour": chart_hour(model),
    }


def _y(title: str, table: str, stack: bool = False) -> dict[str, Any]:
    y = {"field": "n", "type": "quantitative", "title": title}
    if stack:
        y["stack"] = True
    y["scale"] = {"domain": [0, {"expr": f"top_{table}"}]}
    return y


def _day_axis(days: int) -> dict[str, Any]:
    return {"field": "d", "type": "quantitative", "title": "day", "scale": {"domain": [0, days]}}


def _chart(table: str, title: str, mark: dict[str, Any], encoding: dict[str, Any], width: int):
    return {
        "title": {"text": title, "fontSize": 12},
        "width": width,
        "height": 130,
        "data": {"name": table},
        "mark": mark,
        "encoding": encoding,
    }


def charts_spec(days: int, width: int = 340) -> dict[str, Any]:
    """The three charts of a community stacked in one Vega-Lite spec, without their data.

    The data come as the named datasets ``stages``, ``purchases`` and ``status`` and the
    y-axis tops as the signals ``top_<dataset>`` (see :func:`charts_data`), so the spec is
    compiled once and each move only changes data.

    Args:
        days: the campaign's length (the x axes span it).
        width: width of each chart in pixels.
    """
    stage_expr = "[" + ",".join(f"'{n}'" for n in STAGE_NAMES) + "][datum.value]"
    stages = _chart(
        "stages",
        "Members at each trust stage",
        {"type": "area", "interpolate": "step-after"},
        {
            "x": _day_axis(days),
            "y": _y("members", "stages", stack=True),
            "color": {
                "field": "s",
                "type": "ordinal",
                "scale": {"domain": list(range(len(STAGE_NAMES))), "range": list(STAGE_COLOURS)},
                "legend": {"title": "trust stage", "labelExpr": stage_expr},
            },
            "order": {"field": "s"},
        },
        width,
    )
    day = {"field": "d", "type": "quantitative", "title": "day"}
    purchases = _chart(
        "purchases",
        "Purchases per day",
        {"type": "bar", "color": "#31a354"},
        {"x": day | {"scale": {"domain": [0.5, days + 0.5]}}, "y": _y("purchases", "purchases")},
        width,
    )
    status = _chart(
        "status",
        "Active, muted and left",
        {"type": "line", "interpolate": "step-after"},
        {
            "x": _day_axis(days),
            "y": _y("members", "status"),
            "color": {
                "field": "t",
                "type": "nominal",
                "scale": {"domain": list(STATUS_NAMES), "range": list(STATUS_COLOURS)},
                "legend": {"title": None},
            },
        },
        width,
    )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "params": [{"name": f"top_{name}", "value": 1} for name in TABLES],
        "vconcat": [stages, purchases, status],
        "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
        "config": {"legend": {"labelFontSize": 10, "titleFontSize": 10}},
    }
