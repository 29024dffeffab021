"""The run's summary: its headline numbers, JSON-ready (``summarize``, ``jsonable``).

Means over replicates come with 95% intervals (``intervals.mean_ci95``).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine import LAYERS

from .intervals import finite, mean_ci95, metric_bounds
from .metrics import replicate_metrics

if TYPE_CHECKING:
    from sim.engine import Engine

ONE_REPLICATE_NOTE = (
    "1 replicate: intervals are degenerate ([mean, mean]); run more replicates for uncertainty"
)


def _mean(values: pd.Series) -> float | None:
    x = finite(values)
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
        "revenue": mean_ci95(m["revenue"], bounds=metric_bounds("revenue")),
        "cost": _mean(m["cost"]),
        "staff_minutes": _mean(m["staff_minutes"]),
        "money_spent": _mean(m["money_spent"]),
        "roi": mean_ci95(m["roi"], bounds=metric_bounds("roi")),
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
