"""Tables of a run: one row per replicate and hour, day, or day, layer and trust stage.

``daily_table`` is wide (a column per stage and layer, ``stage_{k}_{layer}``); ``stages_table``
holds the same counts long, one row per replicate, day, layer and stage, for plotting and
grouping without parsing column names.

The engine records hourly arrays shaped (hours, replicates, ...) in ``engine.recorder``;
these functions turn them into long-format pandas frames. Flows (purchases, messages,
joins, minutes, money) are summed over the hours of a day; stocks (status counts, stages,
the day's distinct openers) are read at the day's last recorded hour.

Only the hours the engine has run are used, so a campaign stopped early gives a shorter
table (its last day may be partial).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine import LAYERS
from sim.engine.params import N_STAGES

if TYPE_CHECKING:
    from sim.engine import Engine

MESSAGE_KINDS: tuple[str, ...] = ("operator", "members", "shills")
STAGE_COLUMNS: list[str] = [f"stage_{k}" for k in range(N_STAGES)]
LAYER_STAGE_COLUMNS: list[str] = [f"stage_{k}_{layer}" for layer in LAYERS for k in range(N_STAGES)]


def hours_run(engine: Engine) -> int:
    """Hours the engine has recorded so far."""
    return int(engine.hour)


def _per_hour(cumulative: np.ndarray) -> np.ndarray:
    """Per-hour increments of a cumulative (hours, replicates) record."""
    return np.diff(cumulative, axis=0, prepend=np.zeros_like(cumulative[:1]))


def _long(values: np.ndarray) -> np.ndarray:
    """Flatten (time, replicates) into replicate-major order (replicate, time)."""
    return np.ascontiguousarray(values.swapaxes(0, 1)).reshape(-1)


def _long_k(values: np.ndarray) -> np.ndarray:
    """Flatten (time, replicates, k) into (replicate-major rows, k)."""
    t, r = values.shape[:2]
    return np.ascontiguousarray(values.swapaxes(0, 1)).reshape(t * r, values.shape[2])


def hourly_table(engine: Engine) -> pd.DataFrame:
    """One row per (replicate, hour) with the hour's counts.

    Args:
        engine: an engine that has run (fully or partly).

    Returns:
        Columns: replicate, hour (0-based campaign hour), day (1-based), hour_of_day,
        purchases, revenue, offer_sales, opens (members who opened that hour),
        active_today (distinct openers so far that day), messages_operator,
        messages_members, messages_shills, joins, operator_minutes and money_spent (that
        hour), status_active, dormant, left, members (present), stage_0..stage_6
        (present members at each trust stage, all layers).
    """
    rec, t, r = engine.recorder, hours_run(engine), engine.replicates
    hour = np.arange(t)
    cols: dict[str, np.ndarray] = {
        "replicate": np.repeat(np.arange(r), t),
        "hour": np.tile(hour, r),
        "day": np.tile(hour // 24 + 1, r),
        "hour_of_day": np.tile(hour % 24, r),
        "purchases": _long(rec.purchases[:t]),
        "revenue": _long(rec.revenue[:t]),
        "offer_sales": _long(rec.offer_sales[:t]),
        "opens": _long(rec.opens[:t]),
        "active_today": _long(rec.active_today[:t]),
    }
    messages = _long_k(rec.messages[:t])
    for i, kind in enumerate(MESSAGE_KINDS):
        cols[f"messages_{kind}"] = messages[:, i]
    cols["joins"] = _long(rec.joins[:t])
    cols["operator_minutes"] = _long(_per_hour(rec.minutes[:t]))
    cols["money_spent"] = _long(_per_hour(rec.money[:t]))
    status = _long_k(rec.status[:t])
    cols["status_active"], cols["dormant"], cols["left"] = status[:, 0], status[:, 1], status[:, 2]
    cols["members"] = status[:, 0] + status[:, 1]
    stages = _long_k(rec.stages[:t].sum(axis=2))
    for k in range(N_STAGES):
        cols[f"stage_{k}"] = stages[:, k]
    return pd.DataFrame(cols)


def _day_bounds(t: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and last hour index of each (possibly partial) day within ``t`` hours."""
    starts = np.arange(0, t, 24)
    lasts = np.minimum(starts + 23, t - 1)
    return starts, lasts


def daily_table(engine: Engine) -> pd.DataFrame:
    """One row per (replicate, day): the day's flows and the stocks at its end.

    Args:
        engine: an engine that has run (fully or partly).

    Returns:
        Columns: replicate, day (1-based), members (present: active or dormant status at
        day end), ever_members (members so far, including those who left), active
        (members who opened the group that day), status_active, dormant, left, purchases,
        buyers (cumulative), conversion (buyers / ever_members), revenue (that day),
        cum_revenue, offer_sales, opens, stage_0..stage_6 (present members at each stage,
        all layers), stage_{k}_{layer} for each layer, operator_minutes and money_spent
        (that day), cum_operator_minutes, cum_money_spent, messages_operator,
        messages_members, messages_shills (that day), joins, care_dropped and
        minutes_dropped (that day: what the team could not do for lack of capacity).
        See ``FIELD_DOCS["daily.csv"]``.
    """
    rec, t, r = engine.recorder, hours_run(engine), engine.replicates
    if t == 0:
        return pd.DataFrame(columns=list(_daily_columns()))
    starts, lasts = _day_bounds(t)
    days = len(starts)

    def flow(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values[:t], starts, axis=0)

    def stock(values: np.ndarray) -> np.ndarray:
        return values[lasts]

    cols: dict[str, np.ndarray] = {
        "replicate": np.repeat(np.arange(r), days),
        "day": np.tile(np.arange(1, days + 1), r),
    }
    status = stock(rec.status)  # (days, R, 3)
    purchases = flow(rec.purchases)
    buyers = np.cumsum(purchases, axis=0)
    ever = status.sum(axis=2)  # active + dormant + left: everyone who ever joined
    cols["members"] = _long(status[..., 0] + status[..., 1])
    cols["ever_members"] = _long(ever)
    cols["active"] = _long(stock(rec.active_today))
    cols["status_active"] = _long(status[..., 0])
    cols["dormant"] = _long(status[..., 1])
    cols["left"] = _long(status[..., 2])
    cols["purchases"] = _long(purchases)
    cols["buyers"] = _long(buyers)
    cols["conversion"] = _long(buyers / np.maximum(ever, 1))
    revenue = flow(rec.revenue)
    cols["revenue"] = _long(revenue)
    cols["cum_revenue"] = _long(np.cumsum(revenue, axis=0))
    cols["offer_sales"] = _long(flow(rec.offer_sales))
    cols["opens"] = _long(flow(rec.opens))
    stages = stock(rec.stages)  # (days, R, 3 layers, 7 stages)
    total = _long_k(stages.sum(axis=2))
    for k in range(N_STAGES):
        cols[f"stage_{k}"] = total[:, k]
    for li, layer in enumerate(LAYERS):
        by_layer = _long_k(stages[:, :, li, :])
        for k in range(N_STAGES):
            cols[f"stage_{k}_{layer}"] = by_layer[:, k]
    minutes, money = stock(rec.minutes), stock(rec.money)
    cols["operator_minutes"] = _long(_per_hour(minutes))
    cols["money_spent"] = _long(_per_hour(money))
    cols["cum_operator_minutes"] = _long(minutes)
    cols["cum_money_spent"] = _long(money)
    messages = flow(rec.messages)
    for i, kind in enumerate(MESSAGE_KINDS):
        cols[f"messages_{kind}"] = _long(messages[..., i])
    cols["joins"] = _long(flow(rec.joins))
    cols["care_dropped"] = _long(flow(rec.care_dropped))
    cols["minutes_dropped"] = _long(flow(rec.minutes_dropped))
    return pd.DataFrame(cols)


STAGES_COLUMNS: tuple[str, ...] = ("replicate", "day", "layer", "stage", "members")


def stages_table(engine: Engine) -> pd.DataFrame:
    """One row per (replicate, day, layer, stage): present members at that trust stage.

    The long form of ``daily_table``'s ``stage_{k}_{layer}`` columns (the same counts, read at
    the day's last recorded hour). Rows are ordered by replicate, day, layer (core, influence,
    peripheral) and stage (0-6). See ``FIELD_DOCS["stages.csv"]``.

    Args:
        engine: an engine that has run (fully or partly).

    Returns:
        Columns: replicate, day (1-based), layer, stage (0-6), members.
    """
    rec, t, r = engine.recorder, hours_run(engine), engine.replicates
    if t == 0:
        return pd.DataFrame(columns=list(STAGES_COLUMNS))
    _, lasts = _day_bounds(t)
    counts = rec.stages[lasts].swapaxes(0, 1)  # (R, days, layers, stages)
    index = pd.MultiIndex.from_product(
        [range(r), range(1, len(lasts) + 1), list(LAYERS), range(N_STAGES)],
        names=list(STAGES_COLUMNS[:-1]),
    )
    return pd.DataFrame({"members": counts.reshape(-1)}, index=index).reset_index()


def _daily_columns() -> list[str]:
    """Column names of ``daily_table`` in order (used for an empty table)."""
    return [
        "replicate",
        "day",
        "members",
        "ever_members",
        "active",
        "status_active",
        "dormant",
        "left",
        "purchases",
        "buyers",
        "conversion",
        "revenue",
        "cum_revenue",
        "offer_sales",
        "opens",
        *STAGE_COLUMNS,
        *LAYER_STAGE_COLUMNS,
        "operator_minutes",
        "money_spent",
        "cum_operator_minutes",
        "cum_money_spent",
        *(f"messages_{kind}" for kind in MESSAGE_KINDS),
        "joins",
        "care_dropped",
        "minutes_dropped",
    ]
