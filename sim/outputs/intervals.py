"""Means over replicates with 95% intervals, and paired differences between strategies.

Intervals are 95% intervals over replicates: Student-t intervals for amounts (revenue, ROI:
``scipy.stats.t.interval``), and for shares (conversion, peak-48h share: ``is_share``) the same
t-interval taken on the logit scale (delta method) and mapped back, so a share's interval stays
inside 0-100% and is asymmetric near the bounds (scipy has no such interval). Replicates are
independent campaigns, so the interval describes uncertainty in the *expected* outcome of the
strategy, not the spread of single campaigns (the figures show that spread as a band of their
own, named in their legends). Paired differences are t-intervals of the replicate-by-replicate
differences (common random numbers: the same seed faces the same members and draws).

Intervals respect the bounds of what they estimate (``metric_bounds``, ``difference_bounds``):
with few replicates a t-interval can reach below a revenue of 0 or a difference of shares
beyond +-100 pp; it is cut at the bound (the mean always lies inside).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats


def finite(values: Iterable[float] | np.ndarray | pd.Series) -> np.ndarray:
    """The finite values as a flat float array (NaN and infinities left out)."""
    x = _array(values)
    return x[np.isfinite(x)]


def _array(values: Iterable[float] | np.ndarray | pd.Series) -> np.ndarray:
    if isinstance(values, np.ndarray | pd.Series):
        return np.asarray(values, dtype=float).reshape(-1)
    return np.asarray(list(values), dtype=float).reshape(-1)


SHARE_PREFIXES = ("conversion_", "churn_", "dormant_", "quiet_")
SHARE_SUFFIXES = ("_share", "_rate")


def is_share(metric: str) -> bool:
    """Whether a metric column is a share between 0 and 1 (``conversion_rate``, ...)."""
    return metric.startswith(SHARE_PREFIXES) or metric.endswith(SHARE_SUFFIXES)


UNBOUNDED: tuple[float, float] = (-math.inf, math.inf)
# per-replicate metrics that cannot be negative (counts, amounts, days); ROI is at least -1
NON_NEGATIVE = frozenset(
    {
        "members_ever",
        "buyers",
        "offer_window_day",
        "days_to_first_purchase",
        "revenue",
        "staff_minutes",
        "money_spent",
        "cost",
        "cost_per_buyer",
        "active_final",
        "active_last_day",
    }
)


def metric_bounds(metric: str) -> tuple[float, float]:
    """The values a metric can take: [0, 1] for shares, ROI >= -1, counts and amounts >= 0.

    A metric not known here is unbounded.
    """
    if is_share(metric):
        return (0.0, 1.0)
    if metric == "roi":
        return (-1.0, math.inf)
    return (0.0, math.inf) if metric in NON_NEGATIVE else UNBOUNDED


def difference_bounds(metric: str) -> tuple[float, float]:
    """The values a difference of two values of ``metric`` can take (+-1 for shares)."""
    return (-1.0, 1.0) if is_share(metric) else UNBOUNDED


def _clip(ci: list[float | None], bounds: tuple[float, float]) -> list[float | None]:
    low, high = ci
    if low is None or high is None:
        return ci
    return [max(low, bounds[0]), min(high, bounds[1])]


def _interval(x: np.ndarray, share: bool = False) -> tuple[float | None, list[float | None]]:
    """Mean and 95% interval of finite values (degenerate for one value, None for none)."""
    n = x.size
    if n == 0:
        return None, [None, None]
    mean = float(x.mean())
    if n == 1:
        return mean, [mean, mean]
    sem = float(stats.sem(x))
    if share and sem > 0 and 0.0 < mean < 1.0:
        # logit scale: se of logit(mean) = se / (mean (1 - mean)), mapped back by expit;
        # the bounds are kept on either side of the mean (rounding could cross it)
        t = float(stats.t.ppf(0.975, n - 1))
        centre, half = math.log(mean / (1.0 - mean)), t * sem / (mean * (1.0 - mean))
        return mean, [min(mean, _expit(centre - half)), max(mean, _expit(centre + half))]
    if share or sem == 0:  # no spread seen (every replicate equal, or all at a bound)
        return mean, [mean, mean]
    low, high = stats.t.interval(0.95, n - 1, loc=mean, scale=sem)
    return mean, [float(low), float(high)]


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def mean_ci95(
    values: Iterable[float] | np.ndarray | pd.Series,
    *,
    share: bool = False,
    bounds: tuple[float, float] = UNBOUNDED,
) -> dict[str, Any]:
    """Mean and 95% interval over replicates.

    NaN values (e.g. no cost per buyer in a replicate without buyers) are left out.

    Args:
        values: one value per replicate.
        share: the values are shares between 0 and 1: the interval is a logit-scale
            t-interval, inside [0, 1] (else a Student-t interval).
        bounds: the values the mean can take (``metric_bounds``): the interval is cut to
            them (a t-interval of few replicates can reach below a revenue of 0).

    Returns:
        ``{"mean": m, "ci95": [lo, hi]}``; with one value the interval is ``[m, m]``, with
        no finite value everything is None.
    """
    mean, ci = _interval(finite(values), share)
    return {"mean": mean, "ci95": _clip(ci, bounds)}


def paired_difference(
    a: Iterable[float] | np.ndarray | pd.Series,
    b: Iterable[float] | np.ndarray | pd.Series,
    *,
    bounds: tuple[float, float] = UNBOUNDED,
) -> dict[str, Any]:
    """Difference a - b of two strategies run on the same seeds (common random numbers).

    Replicate i of ``a`` is paired with replicate i of ``b``; pairs where either value is
    NaN are dropped.

    Args:
        a: one value per replicate for the first strategy.
        b: the same metric, same replicates, for the second strategy.
        bounds: the values the difference can take (``difference_bounds``: +-1 for shares);
            the interval is cut to them.

    Returns:
        ``mean`` (mean of a - b), ``ci95`` (t-interval of the paired differences), ``n``
        (pairs used), ``sd_paired`` (sd of the paired differences) and ``sd_unpaired``
        (sqrt(var a + var b): the sd of a difference between independent runs). The ratio
        sd_paired / sd_unpaired shows how much pairing narrows the comparison.

    Raises:
        ValueError: if ``a`` and ``b`` differ in length.
    """
    x, y = _array(a), _array(b)
    if x.shape != y.shape:
        raise ValueError(f"paired_difference: {x.size} values against {y.size}; pair replicates")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    d = x - y
    mean, ci = _interval(d)
    ci = _clip(ci, bounds)
    n = int(d.size)
    sd_paired = float(d.std(ddof=1)) if n > 1 else None
    sd_unpaired = float(math.sqrt(x.var(ddof=1) + y.var(ddof=1))) if n > 1 else None
    return {
        "mean": mean,
        "ci95": ci,
        "n": n,
        "sd_paired": sd_paired,
        "sd_unpaired": sd_unpaired,
    }


def _number(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def interval_columns(
    values: Iterable[float] | np.ndarray | pd.Series, metric: str
) -> dict[str, float]:
    """``mean``, ``ci95_low``, ``ci95_high`` of ``mean_ci95`` as table columns (NaN if none).

    The interval of ``metric`` is a share's where it is one, inside the metric's bounds.
    """
    stat = mean_ci95(values, share=is_share(metric), bounds=metric_bounds(metric))
    low, high = stat["ci95"]
    return {"mean": _number(stat["mean"]), "ci95_low": _number(low), "ci95_high": _number(high)}


def difference_columns(
    values: Iterable[float] | np.ndarray | pd.Series,
    baseline: Iterable[float] | np.ndarray | pd.Series,
    metric: str,
) -> dict[str, float | int]:
    """The paired difference of ``metric`` against a baseline as table columns.

    The interval stays inside the bounds of a difference (``difference_bounds``).

    Returns:
        ``diff_mean``, ``diff_ci95_low``, ``diff_ci95_high`` (``paired_difference``),
        ``ratio`` (mean over the baseline's mean; NaN if that is 0), ``pairs``,
        ``sd_paired`` and ``sd_unpaired``.
    """
    diff = paired_difference(values, baseline, bounds=difference_bounds(metric))
    mean, base_mean = _number(mean_ci95(values)["mean"]), _number(mean_ci95(baseline)["mean"])
    low, high = diff["ci95"]
    return {
        "diff_mean": _number(diff["mean"]),
        "diff_ci95_low": _number(low),
        "diff_ci95_high": _number(high),
        "ratio": mean / base_mean if base_mean else float("nan"),
        "pairs": diff["n"],
        "sd_paired": _number(diff["sd_paired"]),
        "sd_unpaired": _number(diff["sd_unpaired"]),
    }
