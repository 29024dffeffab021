"""Figures of a run and of a comparison of strategies, drawn from daily tables.

Lines are means over replicates; shaded bands run from the 5th to the 95th percentile of
the replicates (the spread of single campaigns, not a confidence interval), and every legend
says so (``SPREAD``). The sweep figures' bands are 95% intervals of the mean instead, named
there. Money is in money units (those of ``product.list_price``).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from sim.engine.params import N_STAGES

STAGE_LABELS: tuple[str, ...] = (
    "0 does not know you",
    "1 wants to know you",
    "2 knows you",
    "3 understands you",
    "4 is familiar",
    "5 bought",
    "6 shares you",
)
BAND = (0.05, 0.95)
SPREAD = "band: 5-95% of replicates (single campaigns)"
# trust stages: greys and blues up the ladder, then purple, orange (bought), green (shares):
# neighbours differ in hue or lightness, readable for the common colour-vision deficiencies
STAGE_COLORS: tuple[str, ...] = (
    "#d9d9d9",
    "#9ecae1",
    "#4292c6",
    "#08519c",
    "#756bb1",
    "#fd8d3c",
    "#31a354",
)


def _band(daily: pd.DataFrame, column: str, scale: float = 1.0) -> pd.DataFrame:
    """Mean and 5-95% quantiles of ``column`` over replicates, by day."""
    g = daily.groupby("day")[column]
    out = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(BAND[0]), "hi": g.quantile(BAND[1])})
    return out * scale


def _line_band(
    ax: Axes, daily: pd.DataFrame, column: str, label: str, color: str, *, scale: float = 1.0
) -> None:
    b = _band(daily, column, scale)
    marker = "." if len(b) < 12 else None
    ax.plot(b.index, b["mean"], color=color, lw=1.8, label=label, marker=marker)
    ax.fill_between(b.index, b["lo"], b["hi"], color=color, alpha=0.2, lw=0)


def _funnel(ax: Axes, daily: pd.DataFrame, legend: bool = True) -> None:
    means = daily.groupby("day")[[f"stage_{k}" for k in range(N_STAGES)]].mean()
    colors = STAGE_COLORS[:N_STAGES]
    ax.stackplot(means.index, means.to_numpy().T, labels=STAGE_LABELS, colors=colors, alpha=0.95)
    ax.set_xlabel("day")
    ax.set_ylabel("present members")
    if legend:
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False, reverse=True
        )


def finish_axes(ax: Axes, title: str, ylabel: str) -> None:
    """Title, labels (x: day), a y axis from 0 and a light grid: the panels' common style."""
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("day")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)


def save_figure(fig: Figure, path: str | Path, fmt: str | None) -> Path:
    """Write the figure (format from ``fmt``, else the suffix, else PNG) and close it."""
    path = Path(path)
    fig.savefig(path, dpi=120, format=fmt or (path.suffix.lstrip(".") or "png"))
    plt.close(fig)
    return path


def plot_run(
    daily: pd.DataFrame, path: str | Path, title: str | None = None, fmt: str | None = None
) -> Path:
    """Draw a run's four panels into one image.

    Panels: cumulative conversion, daily purchases, the trust-stage funnel (stacked
    mean members per stage) and active members (opened that day) with dormant and left.

    Args:
        daily: ``daily_table(engine)``.
        path: where to write the image.
        title: figure title (default: none).
        fmt: image format (default: from the file suffix, else PNG).

    Returns:
        The path written.
    """
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), layout="constrained")
    (conv, buys), (funnel, active) = axes
    _line_band(conv, daily, "conversion", "mean", "C0", scale=100.0)
    finish_axes(conv, "Cumulative conversion", "buyers / members ever (%)")
    _line_band(buys, daily, "purchases", "mean", "C1")
    finish_axes(buys, "Purchases per day", "purchases")
    _funnel(funnel, daily)
    funnel.set_title("Trust ladder (present members, mean)", fontsize=10)
    _line_band(active, daily, "active", "active (opened that day)", "C2")
    finish_axes(active, "Members", "active members")
    # dormant and left are small beside the active count: their own axis, so they show
    small = active.twinx()
    for column, color in (("dormant", "C7"), ("left", "C3")):
        b = _band(daily, column)
        small.plot(b.index, b["mean"], color=color, lw=1.4, ls="--", label=f"{column} (right)")
    small.set_ylabel("dormant / left members (right axis)")
    small.set_ylim(bottom=0)
    lines = active.lines + small.lines
    active.legend(
        [*lines, active.collections[0]],
        [str(line.get_label()) for line in lines] + [SPREAD],
        fontsize=8,
        frameon=False,
    )
    conv.legend(
        [conv.lines[0], conv.collections[0]],
        ["mean of replicates", SPREAD],
        fontsize=8,
        frameon=False,
    )
    buys.legend([buys.lines[0], buys.collections[0]], ["mean", SPREAD], fontsize=8, frameon=False)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, fmt)


def plot_comparison(
    dailies: dict[str, pd.DataFrame],
    path: str | Path,
    title: str | None = None,
    fmt: str | None = None,
) -> Path:
    """Compare strategies: one line and band per strategy, and a funnel per strategy.

    The top block has four panels (cumulative conversion, purchases per day, active
    members, members who left); below, small multiples of each strategy's trust-stage
    funnel on a shared scale.

    Args:
        dailies: strategy name -> its ``daily_table``.
        path: where to write the image.
        title: figure title (default: none).
        fmt: image format (default: from the file suffix, else PNG).

    Returns:
        The path written.
    """
    if not dailies:
        raise ValueError("plot_comparison: no strategies to compare")
    n = len(dailies)
    per_row = min(n, 4)
    rows = math.ceil(n / per_row)
    fig = plt.figure(figsize=(13, 8 + 3.2 * rows), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[8, 3.2 * rows])
    _comparison_lines(top, dailies)
    _comparison_funnels(bottom, dailies, rows, per_row)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, fmt)


def _comparison_lines(sub: SubFigure, dailies: dict[str, pd.DataFrame]) -> None:
    axes = sub.subplots(2, 2)
    panels = (
        ("conversion", "Cumulative conversion", "buyers / members ever (%)", 100.0),
        ("purchases", "Purchases per day", "purchases", 1.0),
        ("active", "Active members (opened that day)", "members", 1.0),
        ("left", "Members who left (cumulative)", "members", 1.0),
    )
    for ax, (column, heading, ylabel, scale) in zip(axes.ravel(), panels, strict=True):
        for i, (name, daily) in enumerate(dailies.items()):
            _line_band(ax, daily, column, name, f"C{i % 10}", scale=scale)
        finish_axes(ax, heading, ylabel)
    axes[0, 0].legend(fontsize=8, frameon=False, title=f"line: mean; {SPREAD}", title_fontsize=8)


def _comparison_funnels(
    sub: SubFigure, dailies: dict[str, pd.DataFrame], rows: int, per_row: int
) -> None:
    axes = np.atleast_1d(sub.subplots(rows, per_row, sharey=True, squeeze=False)).ravel()
    for i, (ax, (name, daily)) in enumerate(zip(axes, dailies.items(), strict=False)):
        _funnel(ax, daily, legend=i == per_row - 1)
        ax.set_title(f"Trust ladder: {name}", fontsize=10)
        if i % per_row:
            ax.set_ylabel("")
    for ax in axes[len(dailies) :]:
        ax.set_visible(False)
