"""What the classroom page draws: the encodings, and the graph's fixed layout.

The graph's layout is computed once per graph (cached by its ties, so a reset with the
same seed and both sides of a lesson share it) and never per frame: members keep their
place from step to step. ``sim.classroom.picture`` draws the graph on it;
``sim.classroom.charts`` builds the time charts.

Encodings shared with the graph: colour is the trust stage (0-4 from trust, 5 bought,
6 advocate), shape the layer (core diamond, influence square, periphery circle).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import networkx as nx
import numpy as np

from sim.mesa_view.agents import ROW
from sim.mesa_view.model import CommunityModel

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
