"""Figures of a sweep: daily curves and headline metrics per parameter point.

Lines are means over replicates; bands and error bars are 95% t-intervals of the mean
(``mean_ci95``), the same intervals as the report's tables (the run figures of
``figures.py`` show the 5-95% spread of single campaigns instead). One line per value of the
line key (the baseline's key: ``strategy`` when it is swept); the other swept parameters
give the panels (``daily.png``: one row per point of the others) or the x axis
(``metrics.png``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from sim.outputs.figures import finish_axes, save_figure
from sim.outputs.formats import metric_format
from sim.outputs.intervals import is_share, mean_ci95, metric_bounds

from .read import DONE, JobDir, Sweep, value_label

CI_BAND = "band: 95% interval of the mean"  # the daily lines
CI_BARS = "bar: 95% interval of the mean"  # the metrics' points
DAILY_PANELS: tuple[tuple[str, str, str, float], ...] = (
    ("conversion", "Cumulative conversion", "buyers / members ever (%)", 100.0),
    ("purchases", "Purchases per day", "purchases", 1.0),
    ("active", "Active members (opened that day)", "members", 1.0),
)


def short_keys(keys: Sequence[str]) -> dict[str, str]:
    """Each key's last dotted part (``purchase.herd`` -> ``herd``) unless two would clash."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last, strict=True)}


def _order(sweep: Sweep, key: str, values: list[Any]) -> list[Any]:
    """Values in sweep order (then in order of appearance)."""
    swept = next((list(p.values) for p in sweep.params if p.key == key), [])
    known = [v for v in swept if v in values]
    return known + [v for v in values if v not in known]


def _groups(sweep: Sweep, jobs: list[JobDir], keys: list[str]) -> list[tuple[tuple, list[JobDir]]]:
    """Jobs grouped by their values of ``keys``, groups in sweep order."""
    if not keys:
        return [((), jobs)]
    combos = list(dict.fromkeys(tuple(j.params.get(k) for k in keys) for j in jobs))
    ranks = [
        _order(sweep, k, list(dict.fromkeys(c[i] for c in combos))) for i, k in enumerate(keys)
    ]
    combos.sort(key=lambda c: tuple(ranks[i].index(v) for i, v in enumerate(c)))
    return [(c, [j for j in jobs if tuple(j.params.get(k) for k in keys) == c]) for c in combos]


def _label(keys: list[str], combo: tuple, short: dict[str, str]) -> str:
    return ", ".join(f"{short[k]}={value_label(v)}" for k, v in zip(keys, combo, strict=True))


def _labels(
    sweep: Sweep, jobs: list[JobDir], keys: list[str], short: dict[str, str]
) -> dict[str, str]:
    """Job name -> the label of its values of ``keys`` (``herd=1.5``)."""
    return {
        j.name: _label(keys, c, short) for c, group in _groups(sweep, jobs, keys) for j in group
    }


def ci95(
    share: bool, scale: float = 1.0, bounds: tuple[float, float] = (0.0, np.inf)
) -> Callable[[pd.Series], tuple[float, float]]:
    """A seaborn ``errorbar``: the 95% interval of the mean (``mean_ci95``) of scaled values.

    ``bounds`` are those of the unscaled values (the daily panels' counts are >= 0).
    """

    def interval(values: pd.Series) -> tuple[float, float]:
        x = np.asarray(values, dtype=float) / scale
        low, high = mean_ci95(x, share=share, bounds=bounds)["ci95"]
        return (_num(low) * scale, _num(high) * scale)

    return interval


def line_and_panel_keys(sweep: Sweep, line_key: str | None) -> tuple[list[str], list[str]]:
    """The keys drawn as lines (the line key) and as panels (the other swept keys)."""
    keys = sweep.keys
    if line_key is None or line_key not in keys:
        line_key = "strategy" if "strategy" in keys else (keys[0] if keys else None)
    lines = [line_key] if line_key else []
    return lines, [k for k in keys if k not in lines]


def plot_sweep_daily(
    sweep: Sweep,
    daily: pd.DataFrame,
    path: str | Path,
    *,
    line_key: str | None = None,
    title: str | None = None,
    fmt: str | None = None,
) -> Path:
    """Cumulative conversion, daily purchases and active members by day, per point.

    One row of three panels per point of the swept parameters other than ``line_key``; in
    each panel one line per value of ``line_key``, with its 95% interval as a band.

    Args:
        sweep: the sweep (finished jobs are drawn).
        daily: ``collect_frames``' daily frame.
        path: where to write the image.
        line_key: the swept key drawn as lines (default ``strategy``, else the first key).
        title: figure title.
        fmt: image format (default: from the file suffix, else PNG).

    Returns:
        The path written.
    """
    line_keys, panel_keys = line_and_panel_keys(sweep, line_key)
    short = short_keys(sweep.keys)
    jobs = [j for j in sweep.with_status(DONE) if j.name in set(daily["job"])]
    rows = _groups(sweep, jobs, panel_keys)
    lines = _labels(sweep, jobs, line_keys, short)
    line_order = list(dict.fromkeys(lines[j.name] for j in jobs))
    fig, axes = plt.subplots(
        len(rows),
        3,
        figsize=(13, 0.8 + 3.2 * len(rows)),
        squeeze=False,
        sharey="col",
        layout="constrained",
    )
    for r, (combo, members) in enumerate(rows):
        where = _label(panel_keys, combo, short)
        frame = daily[daily["job"].isin([j.name for j in members])]
        frame = frame.assign(line=frame["job"].map(lines))
        for c, (column, heading, ylabel, scale) in enumerate(DAILY_PANELS):
            ax = axes[r, c]
            sns.lineplot(
                data=frame.assign(value=frame[column] * scale),
                x="day",
                y="value",
                hue="line" if line_keys else None,
                hue_order=line_order if line_keys else None,
                errorbar=ci95(share=scale == 100.0, scale=scale),  # the percent panels: shares
                marker="." if frame["day"].nunique() < 12 else None,
                linewidth=1.8,
                legend=r == 0 and c == 0 and bool(line_keys),
                ax=ax,
            )
            finish_axes(ax, f"{heading}: {where}" if where else heading, ylabel)
    if line_keys:
        sns.move_legend(
            axes[0, 0], "best", fontsize=8, frameon=False, title=f"line: mean; {CI_BAND}",
            title_fontsize=8,
        )  # fmt: skip
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, fmt)


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _x_and_series_keys(sweep: Sweep, line_key: str | None) -> tuple[str | None, list[str]]:
    """The metrics figure's x key and the keys of its series (see ``plot_sweep_metrics``)."""
    line_keys, others = line_and_panel_keys(sweep, line_key)
    if others:
        return others[0], line_keys + others[1:]
    return (line_keys[0] if line_keys else None), []


def _x_axis(xs: list[Any], numeric: bool) -> dict[str, Any]:
    """Seaborn's x-axis arguments: numbers on a numeric axis, others as categories.

    Numbers get a log axis when they are positive and span 20 times or more; categories are
    in sweep order.
    """
    if not numeric:
        return {"order": [value_label(x) for x in xs]}
    log = len(xs) > 2 and min(xs) > 0 and max(xs) >= 20 * min(xs)
    return {"native_scale": True, "log_scale": (True, False) if log else None}


def _metric_axes(ax: Any, metric: str, scale: float, xlabel: str) -> None:
    label = metric_format(metric).label
    ax.set_title(label, fontsize=10)
    ax.set_ylabel(f"{label} (%)" if scale == 100.0 else label)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3)


def plot_sweep_metrics(
    sweep: Sweep,
    runs: pd.DataFrame,
    metrics: Sequence[str],
    path: str | Path,
    *,
    line_key: str | None = None,
    title: str | None = None,
    fmt: str | None = None,
) -> Path:
    """Each metric's mean and 95% interval per point, one panel per metric.

    The x axis is the first swept key other than ``line_key`` (numeric values on a numeric
    axis, others in sweep order), with one line per value of ``line_key`` (and of any further
    key); with a single swept key, that key is the x axis.

    Args:
        sweep: the sweep (finished jobs are drawn).
        runs: ``collect_frames``' runs frame.
        metrics: the per-replicate columns to draw.
        path: where to write the image.
        line_key: the swept key drawn as lines (default ``strategy``, else the first key).
        title: figure title.
        fmt: image format (default: from the file suffix, else PNG).

    Returns:
        The path written.
    """
    x_key, series_keys = _x_and_series_keys(sweep, line_key)
    short = short_keys(sweep.keys)
    jobs = [j for j in sweep.with_status(DONE) if j.name in set(runs["job"])]
    x_of = {j.name: j.params.get(x_key) if x_key else j.name for j in jobs}
    xs = list(dict.fromkeys(_order(sweep, x_key, list(x_of.values())) if x_key else x_of.values()))
    numeric = _numeric(xs)
    series = _labels(sweep, jobs, series_keys, short)
    frame = runs[runs["job"].isin(x_of)]
    frame = frame.assign(
        x=frame["job"].map(lambda name: x_of[name] if numeric else value_label(x_of[name])),
        series=frame["job"].map(series),
    )
    per_row = min(len(metrics), 3)
    nrows = math.ceil(len(metrics) / per_row)
    fig, axes = plt.subplots(
        nrows, per_row, figsize=(4.4 * per_row, 0.6 + 3.4 * nrows), squeeze=False,
        layout="constrained",
    )  # fmt: skip
    flat = axes.ravel()
    axis = _x_axis(xs, numeric)
    # series side by side (dodge), so their error bars stay apart
    hue = {"hue": "series", "hue_order": list(dict.fromkeys(series.values())), "dodge": 0.25}
    for i, (ax, metric) in enumerate(zip(flat, metrics, strict=False)):
        scale = 100.0 if metric_format(metric).fmt(1.0).endswith("%") else 1.0
        sns.pointplot(
            data=frame.assign(value=frame[metric] * scale),
            x="x",
            y="value",
            **(hue if series_keys else {}),
            **axis,
            errorbar=ci95(is_share(metric), scale, metric_bounds(metric)),
            capsize=0.1,
            markersize=4,
            linewidth=1.6,
            legend=i == 0 and bool(series_keys),
            ax=ax,
        )
        _metric_axes(ax, metric, scale, short.get(x_key, x_key) if x_key else "job")
        if frame[metric].min() >= 0:
            top = ax.get_ylim()[1]  # from 0, with room above the highest point and bar
            ax.set_ylim(0, top * 1.05)
        if not numeric:
            ax.tick_params(axis="x", labelrotation=20)
    for ax in flat[len(metrics) :]:
        ax.set_visible(False)
    if series_keys:
        sns.move_legend(
            flat[0], "best", fontsize=8, frameon=False, title=f"point: mean; {CI_BARS}",
            title_fontsize=8,
        )  # fmt: skip
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, fmt)
