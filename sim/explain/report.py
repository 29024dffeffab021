"""The explanation as a table (CSV and Markdown) and a waterfall figure."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.outputs.formats import money, pct, pp, signed_money

from .core import Explanation
from .shapley import interval

LABELS = {"conversion_rate": "Conversion", "revenue": "Revenue"}
LEVEL = {"conversion_rate": pct, "revenue": money}
STEP = {"conversion_rate": pp, "revenue": signed_money}
COLUMNS = [
    "metric",
    "row",
    "name",
    "entries",
    "mean",
    "ci95_low",
    "ci95_high",
    "mc_se",
    "share_of_difference",
]


def explanation_table(x: Explanation) -> pd.DataFrame:
    """One row per metric and line of the decomposition.

    Rows (column ``row``): ``baseline`` and ``plan`` (levels), ``difference`` (plan -
    baseline, paired), ``component`` (one per component: its Shapley value), ``residual``
    (plan with every component removed - baseline) and ``sum`` (sum of contributions plus
    residual, equal to the difference). ``mean``, ``ci95_low``, ``ci95_high`` are over
    replicates (a component's interval also holds the Monte Carlo error ``mc_se`` of
    sampled orders); ``share_of_difference`` is the mean over the mean difference.
    """
    plan = x.attribution
    rows = []
    for j, metric in enumerate(x.metrics):
        total = float(np.mean(x.difference[:, j]))

        def row(
            kind: str,
            name: str,
            values: np.ndarray,
            se: float = 0.0,
            entries: str = "",
            *,
            metric: str = metric,
            total: float = total,
        ) -> dict:
            mean, low, high = interval(values, se)
            share = mean / total if kind not in ("baseline", "plan") and total else math.nan
            return {
                "metric": metric,
                "row": kind,
                "name": name,
                "entries": entries,
                "mean": mean,
                "ci95_low": low,
                "ci95_high": high,
                "mc_se": se,
                "share_of_difference": share,
            }

        rows.append(row("baseline", x.baseline_name, x.baseline[:, j]))
        rows.append(row("plan", x.plan_name, x.plan[:, j]))
        rows.append(row("difference", f"{x.plan_name} - {x.baseline_name}", x.difference[:, j]))
        for k, component in enumerate(x.components):
            rows.append(
                row(
                    "component",
                    component.name,
                    plan.phi[k, :, j],
                    float(plan.mc_se[k, j]),
                    component.text,
                )
            )
        rows.append(row("residual", "components removed - baseline", x.residual[:, j]))
        summed = plan.phi[:, :, j].sum(axis=0) + x.residual[:, j]
        rows.append(row("sum", "contributions + residual", summed))
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def _stat(r: pd.Series, fmt: Callable[[float], str]) -> str:
    if not math.isfinite(r["mean"]):
        return "n/a"
    if not (math.isfinite(r["ci95_low"]) and math.isfinite(r["ci95_high"])):
        return fmt(r["mean"])
    return f"{fmt(r['mean'])} [{fmt(r['ci95_low'])}, {fmt(r['ci95_high'])}]"


def explanation_markdown(x: Explanation, table: pd.DataFrame, note: str) -> str:
    """The table as Markdown, with how to read it."""
    a = x.attribution
    how = (
        f"exact Shapley values over all {2 ** len(x.components)} coalitions"
        if a.exact
        else f"Shapley values from {a.orders} sampled orders of the components (Monte Carlo "
        "error in the interval and in the CSV's mc_se)"
    )
    lines = [
        f"# Where {x.plan_name}'s gain over {x.baseline_name} comes from",
        "",
        note,
        "",
        f"Contributions are {how}, per replicate on common random numbers; mean [95% "
        "interval] over replicates. A coalition is the plan with the other components "
        "removed; the residual is the plan with every component removed minus the "
        "baseline, so contributions + residual = the paired difference, replicate by "
        "replicate.",
    ]
    if not x.components:
        lines += [
            "",
            "The plan has no components (no entry differs from the baseline's or is "
            "named): the whole difference is the residual.",
        ]
    if x.shared:
        lines += ["", f"Kept in every coalition (no share): {', '.join(x.shared)}."]
    header = ["Line", "Entries"] + [LABELS.get(m, m) for m in x.metrics]
    lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    by = {m: table[table["metric"] == m].reset_index(drop=True) for m in x.metrics}
    first = by[x.metrics[0]]
    for i in range(len(first)):
        kind = first.loc[i, "row"]
        label = {
            "baseline": f"baseline ({first.loc[i, 'name']})",
            "plan": f"plan ({first.loc[i, 'name']})",
            "difference": "**difference** (paired)",
            "residual": "residual: components removed - baseline",
            "sum": "contributions + residual",
        }.get(kind, f"{first.loc[i, 'name']}")
        cells = [label, str(first.loc[i, "entries"] or "")]
        for m in x.metrics:
            fmt = LEVEL[m] if kind in ("baseline", "plan") else STEP[m]
            cells.append(_stat(by[m].loc[i], fmt))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_waterfall(x: Explanation, table: pd.DataFrame, path: str | Path, fmt: str = "png") -> Path:
    """Waterfall per metric: baseline, residual, each contribution, plan (95% intervals)."""
    fig, axes = plt.subplots(1, len(x.metrics), figsize=(6.5 * len(x.metrics), 4.8))
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, x.metrics, strict=True):
        t = table[table["metric"] == metric].set_index("row", drop=False)
        scale = 100.0 if metric == "conversion_rate" else 1.0
        steps = [("residual", t.loc["residual"])] + [
            (r["name"], r) for _, r in t[t["row"] == "component"].iterrows()
        ]
        base = float(t.loc["baseline", "mean"]) * scale
        names, bottoms, heights, errs, colours = [x.baseline_name], [0.0], [base], [0.0], []
        colours.append("0.6")
        level = base
        for name, r in steps:
            h = float(r["mean"]) * scale
            names.append("residual" if name == "residual" else str(name))
            bottoms.append(level if h >= 0 else level + h)
            heights.append(abs(h))
            half = (float(r["ci95_high"]) - float(r["ci95_low"])) / 2 * scale
            errs.append(half if math.isfinite(half) else 0.0)
            colours.append("tab:green" if h >= 0 else "tab:red")
            level += h
        names.append(x.plan_name)
        bottoms.append(0.0)
        heights.append(float(t.loc["plan", "mean"]) * scale)
        errs.append(0.0)
        colours.append("0.3")
        pos = np.arange(len(names))
        ax.bar(pos, heights, bottom=bottoms, color=colours, width=0.7)
        tops = [b + h for b, h in zip(bottoms, heights, strict=True)]
        for i in range(1, len(names) - 1):
            ends = tops[i] if colours[i] == "tab:green" else bottoms[i]
            ax.errorbar(pos[i], ends, yerr=errs[i], color="black", capsize=3, lw=1)
        ax.set_xticks(pos, names, rotation=40, ha="right", fontsize=8)
        unit = "% of members" if metric == "conversion_rate" else "money per campaign"
        ax.set_ylabel(f"{LABELS.get(metric, metric)} ({unit})")
        ax.set_title(f"{LABELS.get(metric, metric)}: {x.baseline_name} -> {x.plan_name}")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120, format=fmt)
    plt.close(fig)
    return path
