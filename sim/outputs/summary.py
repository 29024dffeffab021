"""The run's summary (JSON-ready) and the interval helpers the comparison tool reuses.

Intervals are 95% intervals over replicates: Student-t intervals for amounts (revenue, ROI),
and for shares (conversion, peak-48h share: ``is_share``) the same t-interval taken on the
logit scale (delta method) and mapped back, so a share's interval stays inside 0-100% and is
asymmetric near the bounds. Replicates are independent campaigns, so the interval describes
uncertainty in the *expected* outcome of the strategy, not the spread of single campaigns
(the figures show that spread as a band of their own, named in their legends).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.engine import LAYERS

from .metrics import replicate_metrics

if TYPE_CHECKING:
    from sim.engine import Engine

ONE_REPLICATE_NOTE = (
    "1 replicate: intervals are degenerate ([mean, mean]); run more replicates for uncertainty"
)


def _finite(values: Iterable[float] | np.ndarray | pd.Series) -> np.ndarray:
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


def _interval(x: np.ndarray, share: bool = False) -> tuple[float | None, list[float | None]]:
    """Mean and 95% interval of finite values (degenerate for one value, None for none)."""
    n = x.size
    if n == 0:
        return None, [None, None]
    mean = float(x.mean())
    if n == 1:
        return mean, [mean, mean]
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    t = float(stats.t.ppf(0.975, n - 1))
    if share and sem > 0 and 0.0 < mean < 1.0:
        # logit scale: se of logit(mean) = se / (mean (1 - mean)), mapped back by expit;
        # the bounds are kept on either side of the mean (rounding could cross it)
        centre, half = math.log(mean / (1.0 - mean)), t * sem / (mean * (1.0 - mean))
        return mean, [min(mean, _expit(centre - half)), max(mean, _expit(centre + half))]
    if share:  # no spread seen (every replicate equal, or all at a bound)
        return mean, [mean, mean]
    return mean, [mean - t * sem, mean + t * sem]


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def mean_ci95(
    values: Iterable[float] | np.ndarray | pd.Series, *, share: bool = False
) -> dict[str, Any]:
    """Mean and 95% interval over replicates.

    NaN values (e.g. no cost per buyer in a replicate without buyers) are left out.

    Args:
        values: one value per replicate.
        share: the values are shares between 0 and 1: the interval is a logit-scale
            t-interval, inside [0, 1] (else a Student-t interval).

    Returns:
        ``{"mean": m, "ci95": [lo, hi]}``; with one value the interval is ``[m, m]``, with
        no finite value everything is None.
    """
    mean, ci = _interval(_finite(values), share)
    return {"mean": mean, "ci95": ci}


def paired_difference(
    a: Iterable[float] | np.ndarray | pd.Series, b: Iterable[float] | np.ndarray | pd.Series
) -> dict[str, Any]:
    """Difference a - b of two strategies run on the same seeds (common random numbers).

    Replicate i of ``a`` is paired with replicate i of ``b``; pairs where either value is
    NaN are dropped.

    Args:
        a: one value per replicate for the first strategy.
        b: the same metric, same replicates, for the second strategy.

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
    values: Iterable[float] | np.ndarray | pd.Series, *, share: bool = False
) -> dict[str, float]:
    """``mean``, ``ci95_low``, ``ci95_high`` of ``mean_ci95`` as table columns (NaN if none)."""
    stat = mean_ci95(values, share=share)
    low, high = stat["ci95"]
    return {"mean": _number(stat["mean"]), "ci95_low": _number(low), "ci95_high": _number(high)}


def difference_columns(
    values: Iterable[float] | np.ndarray | pd.Series,
    baseline: Iterable[float] | np.ndarray | pd.Series,
) -> dict[str, float | int]:
    """The paired difference against a baseline as table columns.

    Returns:
        ``diff_mean``, ``diff_ci95_low``, ``diff_ci95_high`` (``paired_difference``),
        ``ratio`` (mean over the baseline's mean; NaN if that is 0), ``pairs``,
        ``sd_paired`` and ``sd_unpaired``.
    """
    diff = paired_difference(values, baseline)
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


def _mean(values: pd.Series) -> float | None:
    x = _finite(values)
    return float(x.mean()) if x.size else None


def summarize(engine: Engine, metrics: pd.DataFrame | None = None) -> dict[str, Any]:
    """The run's headline numbers, JSON-ready (no NaN: missing values are None).

    Args:
        engine: an engine that has run.
        metrics: ``replicate_metrics(engine)`` if already computed.

    Returns:
        A dict with strategy, seed, replicates, members, days; conversion_rate,
        peak48_share, revenue, roi and churn_rate as ``{"mean", "ci95"}``;
        conversion_by_layer (means), and the means of offer_window_share,
        offer_window_day (the most common best window's start day), buyers, members_ever,
        days_to_first_purchase, cost, cost_per_buyer, staff_minutes, money_spent,
        dormant_share; ``note`` when there is a single replicate.
        See ``FIELD_DOCS["summary.json"]``.
    """
    m = replicate_metrics(engine) if metrics is None else metrics
    p = engine.params
    days = m["offer_window_day"].dropna()
    out: dict[str, Any] = {
        "strategy": p.strategy.name,
        "seed": int(engine.seed),
        "replicates": int(engine.replicates),
        "members": int(p.population.members),
        "days": int(p.days),
        "members_ever": _mean(m["members_ever"]),
        "buyers": _mean(m["buyers"]),
        "conversion_rate": mean_ci95(m["conversion_rate"], share=True),
        "conversion_by_layer": {name: _mean(m[f"conversion_{name}"]) for name in LAYERS},
        "peak48_share": mean_ci95(m["peak48_share"], share=True),
        "offer_window_share": _mean(m["offer_window_share"]),
        "offer_window_day": (
            int(Counter(days.astype(int)).most_common(1)[0][0]) if len(days) else None
        ),
        "days_to_first_purchase": _mean(m["days_to_first_purchase"]),
        "revenue": mean_ci95(m["revenue"]),
        "cost": _mean(m["cost"]),
        "staff_minutes": _mean(m["staff_minutes"]),
        "money_spent": _mean(m["money_spent"]),
        "roi": mean_ci95(m["roi"]),
        "cost_per_buyer": _mean(m["cost_per_buyer"]),
        "churn_rate": mean_ci95(m["churn_rate"], share=True),
        "dormant_share": _mean(m["dormant_share"]),
    }
    if engine.replicates == 1:
        out["note"] = ONE_REPLICATE_NOTE
    return jsonable(out)


def jsonable(value: Any) -> Any:
    """Turn numpy scalars, NaN, tuples, paths and dataclasses into plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # paths and anything else
