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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.outputs.figures import _finish, _save
from sim.outputs.formats import metric_format
from sim.outputs.intervals import is_share, mean_ci95

from .read import DONE, JobDir, Sweep, value_label

CI_BAND = "band: 95% interval of the mean"
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


def _ci_by_day(daily: pd.DataFrame, column: str, scale: float) -> pd.DataFrame:
    rows = {}
    for day, values in daily.groupby("day")[column]:
        stat = mean_ci95(values, share=scale == 100.0)  # the percent panels are shares
        low, high = stat["ci95"]
        rows[day] = [stat["mean"], low, high]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "lo", "hi"], dtype=float)
    return out.sort_index() * scale


def _line_ci(ax: Any, daily: pd.DataFrame, column: str, label: str, *, color: str, scale: float):
    b = _ci_by_day(daily, column, scale)
    marker = "." if len(b) < 12 else None
    ax.plot(b.index, b["mean"], color=color, lw=1.8, label=label, marker=marker)
    ax.fill_between(b.index, b["lo"], b["hi"], color=color, alpha=0.2, lw=0)


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
    by_job = dict(tuple(daily.groupby("job")))
    fig, axes = plt.subplots(
        len(rows),
        3,
        figsize=(13, 0.8 + 3.2 * len(rows)),
        squeeze=False,
        sharey="col",
        layout="constrained",
    )
    line_values = [c for c, _ in _groups(sweep, jobs, line_keys)]
    for r, (combo, members) in enumerate(rows):
        where = _label(panel_keys, combo, short)
        for c, (column, heading, ylabel, scale) in enumerate(DAILY_PANELS):
            ax = axes[r, c]
            for line, group in _groups(sweep, members, line_keys):
                color = f"C{line_values.index(line) % 10}"
                name = _label(line_keys, line, short) if line_keys else "all jobs"
                frame = pd.concat([by_job[j.name] for j in group], ignore_index=True)
                _line_ci(ax, frame, column, name, color=color, scale=scale)
            _finish(ax, f"{heading}: {where}" if where else heading, ylabel)
    axes[0, 0].legend(fontsize=8, frameon=False, title=f"line: mean; {CI_BAND}", title_fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path, fmt)


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


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
    line_keys, others = line_and_panel_keys(sweep, line_key)
    if others:
        x_key, series_keys = others[0], line_keys + others[1:]
    else:
        x_key, series_keys = (line_keys[0] if line_keys else None), []
    short = short_keys(sweep.keys)
    jobs = [j for j in sweep.with_status(DONE) if j.name in set(runs["job"])]
    by_job = dict(tuple(runs.groupby("job")))

    def x_of(job: JobDir) -> Any:
        return job.params.get(x_key) if x_key else job.name

    xs = _order(sweep, x_key, [x_of(j) for j in jobs]) if x_key else [j.name for j in jobs]
    xs = list(dict.fromkeys(xs))
    numeric = _numeric(xs)
    n = len(metrics)
    per_row = min(n, 3)
    nrows = math.ceil(n / per_row)
    fig, axes = plt.subplots(
        nrows,
        per_row,
        figsize=(4.4 * per_row, 0.6 + 3.4 * nrows),
        squeeze=False,
        layout="constrained",
    )
    flat = axes.ravel()
    series = _groups(sweep, jobs, series_keys)
    # a log axis for values >= 0 whose positive ones span 20 times or more (symlog with a 0)
    positive = [x for x in xs if numeric and x > 0]
    log = numeric and len(positive) > 2 and min(xs) >= 0 and max(positive) >= 20 * min(positive)
    linthresh = min(positive) if log else 1.0
    # side by side: series at the same x are shifted a little so their error bars stay apart
    span = (max(xs) - min(xs) if numeric and len(xs) > 1 else 1.0) if xs else 1.0
    step = 0.12 / max(1, len(series)) * span * (0.25 if numeric else 1.0)
    if log:
        step = 0.03 / max(1, len(series))  # in decades
    for ax, metric in zip(flat, metrics, strict=False):
        scale = 100.0 if metric_format(metric).fmt(1.0).endswith("%") else 1.0
        lowest = np.inf
        for i, (combo, group) in enumerate(series):
            stats = sorted(
                (
                    (x_of(j), mean_ci95(by_job[j.name][metric], share=is_share(metric)))
                    for j in group
                ),
                key=lambda p: xs.index(p[0]),
            )
            pos = np.array([x if numeric else xs.index(x) for x, _ in stats], dtype=float)
            shift = (i - (len(series) - 1) / 2) * step
            if log:  # shift in decades; a 0 by a share of the linear part
                pos = np.where(pos > 0, pos * 10**shift, pos + shift * linthresh)
            else:
                pos = pos + shift
            mean = np.array([_num(s["mean"]) for _, s in stats]) * scale
            low = np.array([_num(s["ci95"][0]) for _, s in stats]) * scale
            high = np.array([_num(s["ci95"][1]) for _, s in stats]) * scale
            lowest = min(lowest, np.nanmin(low, initial=np.inf))
            ax.errorbar(
                pos,
                mean,
                yerr=np.vstack([mean - low, high - mean]),
                color=f"C{i % 10}",
                marker="o",
                ms=4,
                lw=1.6,
                capsize=3,
                label=_label(series_keys, combo, short) if series_keys else None,
            )
        label = metric_format(metric).label
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(f"{label} (%)" if scale == 100.0 else label)
        ax.set_xlabel(short.get(x_key, x_key) if x_key else "job")
        ax.grid(alpha=0.3)
        if log:
            if min(xs) > 0:
                ax.set_xscale("log")
            else:
                ax.set_xscale("symlog", linthresh=linthresh, linscale=0.5)
            ax.set_xticks(xs, [value_label(v) for v in xs])
            ax.minorticks_off()
        if lowest >= 0:
            ax.set_ylim(bottom=0)
        if not numeric:
            ax.set_xticks(range(len(xs)), [value_label(v) for v in xs], rotation=20, ha="right")
    for ax in flat[n:]:
        ax.set_visible(False)
    if series_keys:
        flat[0].legend(fontsize=8, frameon=False, title=f"line: mean; {CI_BAND}", title_fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path, fmt)
