"""The comparison of strategies run on common random numbers: its table and its Markdown.

``python -m sim.compare`` runs every strategy of an experiment on the same seed and
replicates, so replicate ``i`` of each faces the same members, graph and random draws; the
differences against the baseline are taken replicate by replicate (paired), which narrows
their intervals (``intervals.paired_difference``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .formats import format_stat, md_table, metric_format
from .intervals import difference_columns, interval_columns

METRICS: tuple[str, ...] = (
    "conversion_rate",
    "peak48_share",
    "offer_window_share",
    "revenue",
    "cost",
    "roi",
)


# The columns of every comparison.csv after ``job``, ``job_num`` and the compared keys (the
# swept keys; ``strategy`` for python -m sim.compare): see ``fields.COMPARISON_FIELDS``.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "metric",
    "replicates",
    "mean",
    "ci95_low",
    "ci95_high",
    "baseline_job",
    "diff_mean",
    "diff_ci95_low",
    "diff_ci95_high",
    "ratio",
    "pairs",
    "sd_paired",
    "sd_unpaired",
    "pairing",
)


def point_rows(
    point: dict[str, Any],
    table: pd.DataFrame,
    metrics: Sequence[str],
    *,
    baseline: tuple[str, pd.DataFrame | None] | None = None,
    pairing: str = "",
) -> list[dict[str, Any]]:
    """The rows of one compared point (a strategy, a sweep's job): one per metric.

    Args:
        point: the leading columns: ``job``, ``job_num`` and the point's compared values.
        table: the point's ``replicate_metrics`` (one row per replicate, in replicate order).
        metrics: the columns of ``table`` to compare.
        baseline: the baseline job's name and its table in the same replicate order (None
            as the table: the two cannot be paired; None: no baseline at all).
        pairing: ``baseline``, ``paired``, or why the point is not paired ('' without
            baseline).

    Returns:
        Dicts with the leading columns and ``COMPARISON_COLUMNS``; the differences are left
        out when there is no table to pair with.
    """
    name, theirs = baseline if baseline is not None else (None, None)
    rows = []
    for metric in metrics:
        row: dict[str, Any] = {
            **point,
            "metric": metric,
            "replicates": len(table),
            **interval_columns(table[metric], metric),
            "baseline_job": name,
            "pairing": pairing,
        }
        if theirs is not None:
            row |= difference_columns(table[metric], theirs[metric], metric)
        rows.append(row)
    return rows


def comparison_frame(rows: list[dict[str, Any]], keys: Sequence[str]) -> pd.DataFrame:
    """The rows as the comparison table: ``job``, ``job_num``, ``keys``, ``COMPARISON_COLUMNS``."""
    return pd.DataFrame(rows).reindex(columns=["job", "job_num", *keys, *COMPARISON_COLUMNS])


def comparison_rows(
    metrics: dict[str, pd.DataFrame], baseline: str, folders: dict[str, str] | None = None
) -> pd.DataFrame:
    """``comparison.csv`` of ``python -m sim.compare``: one row per strategy and metric.

    The same columns as a sweep's ``report/comparison.csv`` (a comparison is a sweep over
    ``strategy``): mean, 95% interval, and the paired difference against the baseline, whose
    own rows compare it with itself (a difference of 0).

    Args:
        metrics: strategy -> its ``replicate_metrics`` (the same replicates for all), the
            baseline first.
        baseline: the strategy the others are compared with.
        folders: strategy -> its folder's name, the ``job`` column (default: the name).

    Returns:
        Columns ``job``, ``job_num``, ``strategy``, then ``COMPARISON_COLUMNS``.
    """
    folders = folders or {}
    base = folders.get(baseline, baseline)
    rows = []
    for num, (name, table) in enumerate(metrics.items()):
        point = {"job": folders.get(name, name), "job_num": num, "strategy": name}
        pairing = "baseline" if name == baseline else "paired"
        rows += point_rows(
            point, table, METRICS, baseline=(base, metrics[baseline]), pairing=pairing
        )
    return comparison_frame(rows, ["strategy"])


def comparison_markdown(rows: pd.DataFrame, title: str, note: str) -> str:
    """The comparison as Markdown: strategies with 95% intervals, then paired differences.

    Args:
        rows: the output of ``comparison_rows``.
        title: a heading (the experiment's name).
        note: one line under the heading (replicates, members, seed).
    """
    baseline = str(rows.loc[rows["pairing"] == "baseline", "strategy"].iloc[0])
    names = list(dict.fromkeys(rows["strategy"]))
    at = rows.set_index(["strategy", "metric"])
    labels = [metric_format(m).label for m in METRICS]
    body = []
    for name in names:
        cells = [name]
        for m in METRICS:
            r = at.loc[(name, m)]
            stat = {"mean": r["mean"], "ci95": [r["ci95_low"], r["ci95_high"]]}
            cells.append(format_stat(stat, metric_format(m).fmt))
        body.append(cells)
    lines = [f"# {title}", "", note, "", "Mean over replicates [95% interval].", ""]
    lines += md_table(["Strategy", *labels], body)
    others = [n for n in names if n != baseline]
    if others:
        header = ["Metric"]
        for name in others:
            header += [f"{name} - {baseline} (paired)", f"{name} / {baseline}"]
        body = []
        for m, label in zip(METRICS, labels, strict=True):
            cells = [label]
            for name in others:
                r = at.loc[(name, m)]
                stat = {"mean": r["diff_mean"], "ci95": [r["diff_ci95_low"], r["diff_ci95_high"]]}
                ratio = r["ratio"]
                cells += [
                    format_stat(stat, metric_format(m).diff_fmt),
                    f"{ratio:.2f}x" if math.isfinite(ratio) else "n/a",
                ]
            body.append(cells)
        intro = f"Paired differences against {baseline} (same seeds, replicate by replicate)."
        lines += ["", intro]
        lines += ["", *md_table(header, body)]
    return "\n".join(lines) + "\n"
