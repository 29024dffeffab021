"""The community graph as a picture (JPEG), redrawn in milliseconds.

The browser-side charts re-build their whole scene on every change, which is too slow for
a graph of hundreds of members and thousands of ties. :class:`GraphPicture` keeps one
matplotlib figure per community: the ties are drawn once (and again only when someone
joins), and each frame only draws the members (colours, opacities, rings) on a copy of that
background before writing a JPEG. Positions come from the fixed layout
(``sim.classroom.drawing.layout``); no pyplot, so no global figure state.

Encodings are those of ``sim.classroom.drawing``: colour the trust stage, marker the layer
(core diamond, influence square, periphery circle), a dark ring for buyers, red crosses for
shill accounts while they post; dormant members are faded, members who left almost gone.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from sim.classroom.drawing import (
    LAYER_SHAPES,
    STAGE_COLOURS,
    STAGE_NAMES,
    STATUS_OPACITY,
    shill_positions,
)
from sim.mesa_view.agents import ROW
from sim.mesa_view.model import CommunityModel

MARKERS = {"diamond": "D", "square": "s", "circle": "o"}
MARKER_SIZES = (42, 22, 11)  # points^2: core, influence, periphery
STAGE_RGBA = to_rgba_array(STAGE_COLOURS)
RING = np.array([0.07, 0.07, 0.07, 1.0])


class GraphPicture:
    """A persistent figure of one community's graph.

    Args:
        model: the community.
        xy: fixed positions of every slot (``layout(model)``).
        pixels: width and height of the picture.
    """

    def __init__(self, model: CommunityModel, xy: np.ndarray, pixels: int = 420) -> None:
        self.model, self.xy = model, xy
        dpi = 100
        self.fig = Figure(figsize=(pixels / dpi, (pixels + 70) / dpi), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self._background = None
        self._cached: tuple[tuple[int, int], bytes] | None = None  # (hour, members) -> picture
        self.ax = self.fig.add_axes((0, 70 / (pixels + 70), 1, pixels / (pixels + 70)))
        self.ax.set_xlim(-1.08, 1.08)
        self.ax.set_ylim(-1.08, 1.08)
        self.ax.set_axis_off()
        self.ties = LineCollection([], colors=[(0.33, 0.33, 0.33, 0.12)], linewidths=0.4)
        self.ax.add_collection(self.ties)
        self._tie_count = -1
        self.layers = [
            self.ax.scatter([], [], s=MARKER_SIZES[k], marker=MARKERS[shape], linewidths=0.9)
            for k, shape in enumerate(LAYER_SHAPES)
        ]
        self.shills = self.ax.scatter([], [], s=70, marker="X", color="#e31a1c", zorder=5)
        self._legend()

    def _legend(self) -> None:
        stage = [
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                color=STAGE_COLOURS[k],
                label=STAGE_NAMES[k],
                markersize=6,
            )
            for k in range(len(STAGE_NAMES))
        ]
        extra = [
            Line2D([], [], marker=MARKERS[s], ls="", color="#777", label=n, markersize=5)
            for s, n in zip(LAYER_SHAPES, ("core", "influence", "periphery"), strict=True)
        ]
        extra += [
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                mfc="white",
                mec="#111",
                label="bought (ring)",
                markersize=6,
            ),
            Line2D([], [], marker="X", ls="", color="#e31a1c", label="shill account", markersize=6),
        ]
        self.fig.legend(
            handles=stage + extra,
            loc="lower center",
            ncol=4,
            fontsize=6.5,
            frameon=False,
            handletextpad=0.2,
            columnspacing=0.8,
        )

    def _update_ties(self) -> None:
        ever = self.model.engine.state.ever_member[ROW]
        count = int(ever.sum())
        if count == self._tie_count:
            return
        edges = np.asarray(self.model.engine.edges[ROW]).reshape(-1, 2)
        keep = edges[ever[edges[:, 0]] & ever[edges[:, 1]]]
        self.ties.set_segments(np.stack([self.xy[keep[:, 0]], self.xy[keep[:, 1]]], axis=1))
        self._tie_count = count
        self._background = None

    def _draw_background(self) -> None:
        """Draw ties and legend once; members are drawn on a copy of this each frame."""
        moving = [*self.layers, self.shills]
        for artist in moving:
            artist.set_visible(False)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        for artist in moving:
            artist.set_visible(True)

    def jpeg(self) -> bytes:
        """The picture of the community now, as JPEG bytes (several times faster than PNG)."""
        engine, s = self.model.engine, self.model.engine.state
        key = (engine.hour, int(s.ever_member[ROW].sum()))
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]  # a page re-render without a step draws nothing
        self._update_ties()
        slots = np.flatnonzero(s.ever_member[ROW])
        layer = engine.traits.layer[ROW, slots]
        colours = STAGE_RGBA[s.stage[ROW, slots]].copy()
        colours[:, 3] = np.asarray(STATUS_OPACITY)[s.status[ROW, slots]]
        rings = np.where(s.bought[ROW, slots][:, None], RING, colours)
        rings[:, 3] = colours[:, 3]
        for k, points in enumerate(self.layers):
            pick = layer == k
            points.set_offsets(self.xy[slots[pick]])
            points.set_facecolors(colours[pick])
            points.set_edgecolors(rings[pick])
        shills = shill_positions(self.model)
        self.shills.set_offsets(shills if len(shills) else np.zeros((0, 2)))
        if self._background is None:
            self._draw_background()
        self.canvas.restore_region(self._background)
        for artist in [*self.layers, self.shills]:
            self.ax.draw_artist(artist)
        rgba = np.asarray(self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        Image.fromarray(rgba[:, :, :3]).save(buffer, format="JPEG", quality=90)
        self._cached = (key, buffer.getvalue())
        return self._cached[1]
