"""Per-replicate metrics of a run (docs/outputs.md): conversion, explosiveness, cost.

Ratios with an empty denominator are NaN (no buyers: no cost per buyer; no cost: no
return on spend; an empty layer: no conversion for that layer), except the purchase
shares, which are 0 when nothing was sold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine import LAYERS
from sim.engine.state import ACTIVE, DORMANT, LEFT

from .tables import hours_run

if TYPE_CHECKING:
    from sim.engine import Engine

PEAK_HOURS = 48


def peak_window_share(purchases: np.ndarray, window: int = PEAK_HOURS) -> np.ndarray:
    """Largest share of all purchases made within any ``window`` consecutive hours.

    Args:
        purchases: hourly purchases, shaped (hours,) or (hours, replicates).
        window: window length in hours; a campaign shorter than that is one window.

    Returns:
        The share (0..1) per replicate (a 0-d array for 1-d input); 0 where nothing sold.
    """
    x = np.asarray(purchases, dtype=float)
    if window < 1:
        raise ValueError(f"window = {window}: must be at least 1 hour")
    if x.shape[0] == 0:
        return np.zeros(x.shape[1:])
    w = min(window, x.shape[0])
    c = np.concatenate([np.zeros((1, *x.shape[1:])), np.cumsum(x, axis=0)], axis=0)
    best = (c[w:] - c[:-w]).max(axis=0)
    total = c[-1]
    return np.where(total > 0, best / np.where(total > 0, total, 1.0), 0.0)


def offer_windows(engine: Engine) -> list[tuple[int, int]]:
    """The [start, end) hours of the plan's limited-time offers (duration_hours > 0)."""
    return [
        (int(f.start), int(f.end))
        for f in engine.schedule.all()
        if f.unit.name == "offer" and getattr(f.params, "duration_hours", 0) > 0
    ]


def window_shares(
    purchases: np.ndarray, windows: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Share of purchases inside the best of several hour windows, per replicate.

    Args:
        purchases: hourly purchases, shaped (hours, replicates).
        windows: [start, end) hour ranges (clipped to the hours given).

    Returns:
        ``(share, start_day)``: for each replicate the highest share of its purchases
        made inside one window (0 if it sold nothing) and the 1-based day on which that
        window starts (the earliest window on ties). Both are NaN if there is no window.
    """
    x = np.asarray(purchases, dtype=float)
    r = x.shape[1]
    if not windows:
        return np.full(r, np.nan), np.full(r, np.nan)
    total = x.sum(axis=0)
    inside = np.stack([x[max(a, 0) : max(b, 0)].sum(axis=0) for a, b in windows])  # (W, R)
    shares = np.where(total > 0, inside / np.where(total > 0, total, 1.0), 0.0)
    best = shares.argmax(axis=0)
    start_day = np.array([windows[i][0] // 24 + 1 for i in best], dtype=float)
    return shares[best, np.arange(r)], start_day


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Divide ``num`` by ``den`` elementwise, NaN where ``den`` is 0."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den != 0)


def first_purchase_days(purchases: np.ndarray) -> np.ndarray:
    """Campaign hour of the first purchase / 24 per replicate (NaN if none)."""
    x = np.asarray(purchases)
    if x.shape[0] == 0:
        return np.full(x.shape[1:], np.nan)
    sold = x > 0
    return np.where(sold.any(axis=0), sold.argmax(axis=0) / 24.0, np.nan)


def replicate_metrics(engine: Engine) -> pd.DataFrame:
    """One row per replicate with the run's headline metrics.

    Args:
        engine: an engine that has run (normally to the end of the campaign).

    Returns:
        Columns: replicate, members_ever, buyers, conversion_rate, conversion_core,
        conversion_influence, conversion_peripheral, peak48_share, offer_window_share,
        offer_window_day, days_to_first_purchase, revenue, staff_minutes, money_spent,
        cost, cost_per_buyer, roi, churn_rate, dormant_share, active_final,
        active_last_day. See ``FIELD_DOCS["replicates.csv"]``.
    """
    s, rec, p = engine.state, engine.recorder, engine.params
    t = hours_run(engine)
    purchases = rec.purchases[:t]
    ever = s.ever_member
    bought = s.bought & ever
    members_ever = ever.sum(axis=1)
    buyers = bought.sum(axis=1)
    cols: dict[str, np.ndarray] = {
        "replicate": np.arange(engine.replicates),
        "members_ever": members_ever,
        "buyers": buyers,
        "conversion_rate": _ratio(buyers, members_ever),
    }
    layer = engine.traits.layer
    for li, name in enumerate(LAYERS):
        in_layer = layer == li
        cols[f"conversion_{name}"] = _ratio(
            (bought & in_layer).sum(axis=1), (ever & in_layer).sum(axis=1)
        )
    cols["peak48_share"] = peak_window_share(purchases, PEAK_HOURS)
    share, day = window_shares(purchases, offer_windows(engine))
    cols["offer_window_share"], cols["offer_window_day"] = share, day
    cols["days_to_first_purchase"] = first_purchase_days(purchases)
    revenue = rec.revenue[:t].sum(axis=0)
    minutes, money = s.minutes.astype(float), s.money.astype(float)
    cost = minutes * p.operator.wage_per_minute + money
    cols["revenue"] = revenue
    cols["staff_minutes"] = minutes
    cols["money_spent"] = money
    cols["cost"] = cost
    cols["cost_per_buyer"] = _ratio(cost, buyers)
    cols["roi"] = _ratio(revenue - cost, cost)
    cols["churn_rate"] = _ratio((s.status == LEFT).sum(axis=1), members_ever)
    cols["dormant_share"] = _ratio((s.status == DORMANT).sum(axis=1), members_ever)
    cols["active_final"] = (s.status == ACTIVE).sum(axis=1)
    last_day = rec.active_today[t - 1] if t else np.zeros(engine.replicates, dtype=np.int64)
    cols["active_last_day"] = last_day
    return pd.DataFrame(cols)
