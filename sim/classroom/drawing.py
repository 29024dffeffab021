"""What the classroom page draws: the graph's fixed layout, and the charts (Vega-Lite).

The graph's layout is computed once per graph (cached by its ties, so a reset with the
same seed and both sides of a lesson share it) and never per frame: members keep their
place from step to step. ``sim.classroom.picture`` draws the graph on it. The charts read
the engine's recorder (members by trust stage, daily purchases, active / dormant / left)
and come as one Vega-Lite spec per community, which the browser draws.

Encodings shared with the graph: colour is the trust stage (0-4 from trust, 5 bought,
6 advocate), shape the layer (core diamond, influence square, periphery circle).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import networkx as nx
import numpy as np

from sim.agents import ROW
from sim.model import CommunityModel

STAGE_NAMES = (
    "0 does not know you",
    "1 wants to know you",
    "2 knows you",
    "3 understands you",
    "4 familiar",
    "5 bought",
    "6 advocate",
)
STAGE_COLOURS = ("#d9d9d9", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#31a354", "#fdae6b")
LAYER_SHAPES = ("diamond", "square", "circle")
STATUS_NAMES = ("active", "dormant", "left")
STATUS_OPACITY = (1.0, 0.3, 0.08)
CHART_EVERY = 6  # hours between the points of the time charts
_LAYOUTS: OrderedDict[str, np.ndarray] = OrderedDict()
_LAYOUT_CACHE = 8
RING_RADII = ((0.18, 0.05), (0.5, 0.08), (0.82, 0.08))  # core, influence, periphery: radius, jitter


def layout(model: CommunityModel) -> np.ndarray:
    """Fixed positions (slots x 2, within about -1..1) of every slot of the model's graph.

    Rings by layer: core members near the centre, the influence layer around them, the
    periphery outside, and outside contacts (who may join) on the rim next to the members
    they know. Around each ring members follow a breadth-first walk of the graph, so
    friends sit near each other. Computed once per graph, in milliseconds, and cached by
    the graph's ties, so models with the same seed and population share it.
    """
    engine = model.engine
    ties = np.ascontiguousarray(engine.edges[ROW])
    key = hashlib.sha1(ties.tobytes() + f"{engine.slots}/{model.seed}".encode()).hexdigest()
    if key in _LAYOUTS:
        _LAYOUTS.move_to_end(key)
        return _LAYOUTS[key]
    xy = _ring_layout(model)
    _LAYOUTS[key] = xy
    while len(_LAYOUTS) > _LAYOUT_CACHE:
        _LAYOUTS.popitem(last=False)
    return xy


def _ring_layout(model: CommunityModel) -> np.ndarray:
    engine = model.engine
    slots = engine.slots
    member = engine.state.ever_member[ROW].copy()
    layer = engine.traits.layer[ROW]
    graph = engine.graphs[ROW]
    rank = np.full(slots, slots, dtype=float)
    seen = 0
    for start in sorted(range(slots), key=lambda n: -graph.degree(n)):
        if rank[start] < slots or not member[start]:
            continue
        for node in nx.bfs_tree(graph.subgraph(np.flatnonzero(member).tolist()), start):
            rank[node] = seen
            seen += 1
    rng = np.random.default_rng(model.seed)
    radius = np.zeros(slots)
    angle = np.zeros(slots)
    for k, (r, spread) in enumerate(RING_RADII):
        who = np.flatnonzero(member & (layer == k))
        order = who[np.argsort(rank[who], kind="stable")]
        angle[order] = np.linspace(0, 2 * np.pi, order.size, endpoint=False)
        radius[order] = r + rng.uniform(-spread, spread, order.size)
    for node in np.flatnonzero(~member).tolist():
        friends = [n for n in graph.neighbors(node) if member[n]]
        if friends:
            angle[node] = np.angle(np.exp(1j * angle[friends]).mean())
        else:
            angle[node] = rng.uniform(0, 2 * np.pi)
        angle[node] += rng.normal(0, 0.03)
        radius[node] = 1.0 + rng.uniform(0, 0.06)
    xy = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return xy.round(3)


def shill_positions(model: CommunityModel) -> np.ndarray:
    """Places (accounts x 2) near the centre for the shill accounts posting this hour."""
    engine = model.engine
    hour = engine.hour - 1
    if hour < 0:
        return np.zeros((0, 2))
    running = [f for f in engine.schedule.running(hour) if f.unit.name == "shills"]
    accounts = sum(f.params.accounts for f in running)
    angles = np.linspace(0, 2 * np.pi, accounts, endpoint=False)
    return np.column_stack([0.12 * np.cos(angles), 0.12 * np.sin(angles)]).round(3)


def _sampled_hours(hour: int) -> np.ndarray:
    """Hours simulated (counts) at which the time charts have a point after the start."""
    if hour == 0:
        return np.zeros(0, dtype=int)
    points = np.arange(CHART_EVERY, hour + 1, CHART_EVERY)
    return points if points.size and points[-1] == hour else np.append(points, hour)


def chart_hour(model: CommunityModel) -> int:
    """The hour the charts show: the last multiple of ``CHART_EVERY`` (or the campaign's end).

    Charts change only every few campaign hours, so most steps redraw the counters and the
    graph only (a browser re-builds a chart from scratch on every change).
    """
    hour = model.engine.hour
    return hour if model.engine.done else hour - hour % CHART_EVERY


def _start(model: CommunityModel, names: list[str]) -> list[int]:
    """Values at the start (hour 0) from the model's collector, which records it at set-up."""
    data = model.datacollector.model_vars
    return [int(data[name][0]) for name in names]


def stages_spec(model: CommunityModel, width: int = 380, top: int | None = None) -> dict[str, Any]:
    """Present members at each trust stage over the campaign (stacked areas)."""
    rec, hour = model.engine.recorder, chart_hour(model)
    start = _start(model, [f"stage_{k}" for k in range(len(STAGE_NAMES))])
    rows = [{"d": 0.0, "s": k, "n": n} for k, n in enumerate(start)]
    for h in _sampled_hours(hour):
        counts = rec.stages[h - 1, ROW].sum(axis=0)
        rows.extend({"d": round(h / 24, 2), "s": k, "n": int(c)} for k, c in enumerate(counts))
    stage_expr = "[" + ",".join(f"'{n}'" for n in STAGE_NAMES) + "][datum.value]"
    y = {"field": "n", "type": "quantitative", "stack": True, "title": "members"}
    if top:
        y["scale"] = {"domain": [0, top]}
    return _chart(
        rows,
        {"type": "area", "interpolate": "step-after"},
        {
            "x": _day_axis(model),
            "y": y,
            "color": {
                "field": "s",
                "type": "ordinal",
                "scale": {"domain": list(range(7)), "range": list(STAGE_COLOURS)},
                "legend": {"title": "trust stage", "labelExpr": stage_expr},
            },
            "order": {"field": "s"},
        },
        "Members at each trust stage",
        width,
    )


def purchases_spec(
    model: CommunityModel, width: int = 380, top: int | None = None
) -> dict[str, Any]:
    """Purchases per campaign day (bars)."""
    rec, hour = model.engine.recorder, chart_hour(model)
    per_hour = rec.purchases[:hour, ROW]
    days = -(-hour // 24)
    padded = np.zeros(days * 24, dtype=np.int64)
    padded[:hour] = per_hour
    daily = padded.reshape(days, 24).sum(axis=1) if days else padded
    rows = [{"d": i + 1, "n": int(n)} for i, n in enumerate(daily)]
    y = {"field": "n", "type": "quantitative", "title": "purchases"}
    if top:
        y["scale"] = {"domain": [0, top]}
    x = {
        "field": "d",
        "type": "quantitative",
        "title": "day",
        "scale": {"domain": [0.5, model.params.days + 0.5]},
    }
    return _chart(
        rows,
        {"type": "bar", "color": "#31a354"},
        {"x": x, "y": y},
        "Purchases per day",
        width,
    )


def status_spec(model: CommunityModel, width: int = 380, top: int | None = None) -> dict[str, Any]:
    """Active, dormant (muted) and departed members over the campaign (lines)."""
    rec, hour = model.engine.recorder, chart_hour(model)
    start = _start(model, ["active_status", "dormant", "left"])
    rows = [{"d": 0.0, "t": STATUS_NAMES[k], "n": n} for k, n in enumerate(start)]
    for h in _sampled_hours(hour):
        for k, c in enumerate(rec.status[h - 1, ROW]):
            rows.append({"d": round(h / 24, 2), "t": STATUS_NAMES[k], "n": int(c)})
    y = {"field": "n", "type": "quantitative", "title": "members"}
    if top:
        y["scale"] = {"domain": [0, top]}
    return _chart(
        rows,
        {"type": "line", "interpolate": "step-after"},
        {
            "x": _day_axis(model),
            "y": y,
            "color": {
                "field": "t",
                "type": "nominal",
                "scale": {"domain": list(STATUS_NAMES), "range": ["#3182bd", "#9e9ac8", "#636363"]},
                "legend": {"title": None},
            },
        },
        "Active, muted and left",
        width,
    )


def _day_axis(model: CommunityModel) -> dict[str, Any]:
    return {
        "field": "d",
        "type": "quantitative",
        "title": "day",
        "scale": {"domain": [0, model.params.days]},
    }


def _chart(
    rows: list[dict[str, Any]],
    mark: dict[str, Any],
    encoding: dict[str, Any],
    title: str,
    width: int,
) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "fontSize": 12},
        "width": width,
        "height": 130,
        "data": {"values": rows},
        "mark": mark,
        "encoding": encoding,
    }


def charts_spec(
    model: CommunityModel, width: int = 340, tops: dict[str, int] | None = None
) -> dict[str, Any]:
    """The three charts of a community stacked in one spec (one chart for the browser to draw).

    Args:
        model: the community.
        width: width of each chart in pixels.
        tops: shared y-axis tops (``stages``, ``purchases``, ``status``), so two
            communities' charts compare at a glance.
    """
    tops = tops or {}
    parts = [
        stages_spec(model, width, tops.get("stages")),
        purchases_spec(model, width, tops.get("purchases")),
        status_spec(model, width, tops.get("status")),
    ]
    for part in parts:
        part.pop("$schema")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "vconcat": parts,
        "resolve": {"scale": {"color": "independent"}, "legend": {"color": "independent"}},
        "config": {"legend": {"labelFontSize": 10, "titleFontSize": 10}},
    }
