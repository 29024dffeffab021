"""The comparison of strategies run on common random numbers: its table and its Markdown.

``python -m sim.compare`` runs every strategy of an experiment on the same seed and
replicates, so replicate ``i`` of each faces the same members, graph and random draws; the
differences against the baseline are taken replicate by replicate (paired), which narrows
their intervals (``intervals.paired_difference``).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .formats import format_stat, md_table, metric_format
from .intervals import difference_columns, interval_columns, is_share

METRICS: tuple[str, ...] = (
    "conversion_rate",
    "peak48_share",
    "offer_window_share",
    "revenue",
    "cost",
    "roi",
)


def comparison_rows(metrics: dict[str, pd.DataFrame], baseline: str) -> pd.DataFrame:
    """One row per strategy and metric: mean, 95% interval, paired difference and ratio.

    Args:
        metrics: strategy -> its ``replicate_metrics`` (the same replicates for all).
        baseline: the strategy the others are compared with.

    Returns:
        Columns: strategy, metric, replicates, mean, ci95_low, ci95_high, baseline,
        diff_mean, diff_ci95_low, diff_ci95_high, ratio, sd_paired, sd_unpaired (the
        difference columns are empty for the baseline itself).
    """
    rows = []
    base = metrics[baseline]
    for name, table in metrics.items():
        for metric in METRICS:
            row: dict[str, Any] = {
                "strategy": name,
                "metric": metric,
                "replicates": len(table),
                **interval_columns(table[metric], share=is_share(metric)),
                "baseline": baseline,
            }
            if name != baseline:
                row |= difference_columns(table[metric], base[metric])
            rows.append(row)
    columns = [
        "strategy",
        "metric",
        "replicates",
        "mean",
        "ci95_low",
        "ci95_high",
        "baseline",
        "diff_mean",
        "diff_ci95_low",
        "diff_ci95_high",
        "ratio",
        "sd_paired",
        "sd_unpaired",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


def comparison_markdown(rows: pd.DataFrame, title: str, note: str) -> str:
    """The comparison as Markdown: strategies with 95% intervals, then paired differences.

    Args:
        rows: the output of ``comparison_rows``.
        title: a heading (the experiment's name).
        note: one line under the heading (replicates, members, seed).
    """
    baseline = str(rows["baseline"].iloc[0])
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
