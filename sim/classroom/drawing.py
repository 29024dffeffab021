"""What the classroom page draws: the community graph and its charts, as Vega-Lite specs.

The graph's layout is computed once per graph (cached by its ties, so a reset with the
same seed and both sides of a lesson share it) and never per frame: members keep their
place from step to step. Each frame only reads the engine's arrays for the members' trust
stage, layer, status and purchase, and the recorder for the charts, so a redraw costs a
few milliseconds of Python; the browser draws the specs.

Encodings: colour is the trust stage (0-4 from trust, 5 bought, 6 advocate), shape the
layer (core diamond, influence square, peripheral circle), buyers have a dark ring,
shill accounts are red crosses in the centre while they post, dormant members are faded
and members who left almost invisible. Outside contacts who have not joined are not drawn.
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
LAYER_SIZES = (90, 45, 22)
STATUS_NAMES = ("active", "dormant", "left")
STATUS_OPACITY = (1.0, 0.3, 0.08)
SIDE_COLOURS = ("#1f77b4", "#d62728")
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


def _axis(field: str) -> dict[str, Any]:
    return {
        "field": field,
        "type": "quantitative",
        "axis": None,
        "scale": {"domain": [-1.08, 1.08]},
    }


def network_spec(model: CommunityModel, xy: np.ndarray, size: int = 380) -> dict[str, Any]:
    """The community graph as a Vega-Lite spec: members on their fixed places, ties between.

    Args:
        model: the community.
        xy: its layout (:func:`layout`).
        size: width and height in pixels.
    """
    engine, s = model.engine, model.engine.state
    slots = np.flatnonzero(s.ever_member[ROW])
    layer = engine.traits.layer[ROW, slots]
    nodes = [
        {"x": float(x), "y": float(y), "s": int(st), "l": int(la), "t": int(t), "b": int(b)}
        for x, y, st, la, t, b in zip(
            xy[slots, 0],
            xy[slots, 1],
            s.stage[ROW, slots],
            layer,
            s.status[ROW, slots],
            s.bought[ROW, slots],
            strict=True,
        )
    ]
    shills = _shill_accounts(model)
    ties = _ties(model, xy)
    stage_expr = "[" + ",".join(f"'{n}'" for n in STAGE_NAMES) + "][datum.value]"
    layer_expr = "['core','influence','peripheral'][datum.value]"
    layer_legend = {"title": "layer", "labelExpr": layer_expr, "orient": "bottom"}
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": ties},
            "mark": {"type": "rule", "strokeWidth": 0.4, "opacity": 0.12, "color": "#555"},
            "encoding": {
                "x": _axis("x"),
                "y": _axis("y"),
                "x2": {"field": "x2"},
                "y2": {"field": "y2"},
            },
        },
        {
            "data": {"values": nodes},
            "mark": {"type": "point", "filled": True, "strokeWidth": 1.6},
            "encoding": {
                "x": _axis("x"),
                "y": _axis("y"),
                "color": {
                    "field": "s",
                    "type": "ordinal",
                    "scale": {"domain": list(range(7)), "range": list(STAGE_COLOURS)},
                    "legend": {
                        "title": "trust stage",
                        "labelExpr": stage_expr,
                        "orient": "bottom",
                        "columns": 2,
                    },
                },
                "shape": {
                    "field": "l",
                    "type": "nominal",
                    "scale": {"domain": [0, 1, 2], "range": list(LAYER_SHAPES)},
                    "legend": layer_legend,
                },
                "size": {
                    "field": "l",
                    "type": "nominal",
                    "scale": {"domain": [0, 1, 2], "range": list(LAYER_SIZES)},
                    "legend": layer_legend,
                },
                "opacity": {
                    "field": "t",
                    "type": "ordinal",
                    "scale": {"domain": [0, 1, 2], "range": list(STATUS_OPACITY)},
                    "legend": None,
                },
                "stroke": {"condition": {"test": "datum.b == 1", "value": "#111"}, "value": None},
            },
        },
    ]
    if shills:
        layers.append(
            {
                "data": {"values": shills},
                "mark": {
                    "type": "point",
                    "shape": "cross",
                    "filled": True,
                    "size": 160,
                    "color": "#e31a1c",
                },
                "encoding": {"x": _axis("x"), "y": _axis("y"), "tooltip": {"field": "label"}},
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": size,
        "height": size,
        "layer": layers,
        "config": {
            "view": {"stroke": None},
            "legend": {"labelFontSize": 10, "titleFontSize": 10, "symbolSize": 60},
        },
    }


def _ties(model: CommunityModel, xy: np.ndarray) -> list[dict[str, float]]:
    """Ties between members (cached until someone joins)."""
    s = model.engine.state
    ever = s.ever_member[ROW]
    count = int(ever.sum())
    cache = getattr(model, "_classroom_ties", None)
    if cache is not None and cache[0] == count:
        return cache[1]
    edges = np.asarray(model.engine.edges[ROW]).reshape(-1, 2)
    keep = edges[ever[edges[:, 0]] & ever[edges[:, 1]]]
    ties = [
        {"x": float(a[0]), "y": float(a[1]), "x2": float(b[0]), "y2": float(b[1])}
        for a, b in zip(xy[keep[:, 0]], xy[keep[:, 1]], strict=True)
    ]
    model._classroom_ties = (count, ties)
    return ties


def _shill_accounts(model: CommunityModel) -> list[dict[str, Any]]:
    """Red crosses near the centre for the shill accounts posting in the hour just run."""
    engine = model.engine
    hour = engine.hour - 1
    if hour < 0:
        return []
    running = [f for f in engine.schedule.running(hour) if f.unit.name == "shills"]
    accounts = sum(f.params.accounts for f in running)
    angles = np.linspace(0, 2 * np.pi, accounts, endpoint=False)
    return [
        {"x": round(0.12 * np.cos(a), 3), "y": round(0.12 * np.sin(a), 3), "label": "shill account"}
        for a in angles
    ]


def _sampled_hours(hour: int) -> np.ndarray:
    """Hours (1-based counts simulated) at which the time charts have a point."""
    if hour == 0:
        return np.zeros(0, dtype=int)
    points = np.arange(CHART_EVERY, hour + 1, CHART_EVERY)
    return points if points.size and points[-1] == hour else np.append(points, hour)


def stages_spec(model: CommunityModel, width: int = 380, top: int | None = None) -> dict[str, Any]:
    """Present members at each trust stage over the campaign (stacked areas)."""
    rec, hour = model.engine.recorder, model.engine.hour
    rows = []
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
    rec, hour = model.engine.recorder, model.engine.hour
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
    rec, hour = model.engine.recorder, model.engine.hour
    rows = []
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
