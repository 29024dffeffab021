"""How metrics are shown in comparison tables: labels, number formats, intervals, Markdown.

Shared by ``python -m sim.compare``, ``python -m sim`` and the sweep report of
``python -m sim.collect``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def pct(x: float) -> str:
    """A share as a percentage (12.3%)."""
    return f"{100 * x:.1f}%"


def pp(x: float) -> str:
    """A difference of shares in percentage points (+1.2 pp)."""
    return f"{100 * x:+.1f} pp"


def money(x: float) -> str:
    """An amount of money, no decimals (1,234)."""
    return f"{x:,.0f}"


def signed_money(x: float) -> str:
    """A difference of money, signed (+1,234)."""
    return f"{x:+,.0f}"


MONEY = "money units"  # the model's currency: whatever unit product.list_price is given in


def pct_ratio(x: float) -> str:
    """A return ratio as a percentage, no decimals (1.20 -> 120%)."""
    return f"{100 * x:,.0f}%"


def signed_pct_ratio(x: float) -> str:
    """A difference of return ratios in percentage points (+12 pp)."""
    return f"{100 * x:+,.0f} pp"


def times(x: float) -> str:
    """A ratio, two decimals (1.23)."""
    return f"{x:.2f}"


def signed_times(x: float) -> str:
    """A difference of ratios, signed (+1.23)."""
    return f"{x:+.2f}"


def general(x: float) -> str:
    """Any number, four significant digits."""
    return f"{x:.4g}"


def signed_general(x: float) -> str:
    """Any difference, signed, four significant digits."""
    return f"{x:+.4g}"


@dataclass(frozen=True)
class MetricFormat:
    """How a column of ``replicates.csv`` is shown: label, value and difference formats."""

    label: str
    fmt: Callable[[float], str]
    diff_fmt: Callable[[float], str]


FORMATS: dict[str, MetricFormat] = {
    "conversion_rate": MetricFormat("Conversion", pct, pp),
    "peak48_share": MetricFormat("Peak-48h share", pct, pp),
    "offer_window_share": MetricFormat("Offer-window share", pct, pp),
    "revenue": MetricFormat(f"Revenue ({MONEY})", money, signed_money),
    "cost": MetricFormat(f"Cost ({MONEY})", money, signed_money),
    "roi": MetricFormat("ROI (% of cost)", pct_ratio, signed_pct_ratio),
    "churn_rate": MetricFormat("Churn", pct, pp),
    "dormant_share": MetricFormat("Dormant share", pct, pp),
    "cost_per_buyer": MetricFormat(f"Cost per buyer ({MONEY})", money, signed_money),
    "buyers": MetricFormat("Buyers", general, signed_general),
}


def metric_format(name: str) -> MetricFormat:
    """The display of a metric (a general number format for columns without their own)."""
    return FORMATS.get(name, MetricFormat(name, general, signed_general))


def format_interval(mean: float, low: float, high: float, fmt: Callable[[float], str]) -> str:
    """``mean [low, high]`` (``n/a`` when the mean is undefined, the mean alone without bounds)."""
    if not math.isfinite(mean):
        return "n/a"
    if not (math.isfinite(low) and math.isfinite(high)):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def format_stat(stat: Mapping[str, Any], fmt: Callable[[float], str]) -> str:
    """``mean [low, high]`` of a ``mean_ci95``-style dict (``n/a`` when undefined)."""
    low, high = stat.get("ci95") or [None, None]
    return format_interval(_num(stat.get("mean")), _num(low), _num(high), fmt)


def md_table(header: list[str], body: list[list[str]]) -> list[str]:
    """A Markdown table's lines (``|`` in a cell escaped, line breaks as spaces)."""

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    return lines + ["| " + " | ".join(cell(c) for c in cells) + " |" for cells in body]
