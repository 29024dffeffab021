"""The per-group breakdown of a campaign: one row per (replicate, group), and its summary.

A campaign of several groups (``population.groups``, or as many as the members need) is
broken down by group: how many members each had, how many bought, how active it still was
at the end, and whether it *went quiet*: its members posted less than
``QUIET_POSTS_PER_100`` messages a day per 100 members over the campaign's last
``QUIET_DAYS`` days (or the days it was open, if fewer). Only groups that were ever open are
listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .intervals import mean_ci95

if TYPE_CHECKING:
    from sim.engine import Engine

QUIET_DAYS = 3
QUIET_POSTS_PER_100 = 1.0  # member posts a day per 100 members, below which a group is quiet


def groups_table(engine: Engine) -> pd.DataFrame:
    """One row per replicate and group that was ever open.

    Columns: replicate, group, opened_day, members_ever, members_final, buyers,
    conversion_rate, revenue, active_last_day, posts_last_days, posts_per_100_per_day,
    quiet. See ``FIELD_DOCS["groups.csv"]``.
    """
    s, rec = engine.state, engine.recorder
    days_run = -(-engine.hour // 24)
    groups = s.groups
    ever = s.ever_member
    members_ever = s.group_counts(ever)
    buyers = s.group_counts(s.bought & ever)
    revenue = s.group_counts(np.where(s.bought & ever, s.paid, 0.0))
    if days_run:
        last = days_run - 1
        first = max(0, days_run - QUIET_DAYS)
        before = rec.group_posts[first - 1] if first > 0 else np.zeros_like(rec.group_posts[0])
        posts = rec.group_posts[last] - before
        opened_day = np.where(s.group_opened >= 0, s.group_opened // 24, last)
        span = np.maximum(1, last + 1 - np.maximum(first, opened_day))
        present = rec.group_present[last]
        active_last = rec.group_active[last]
    else:
        posts = np.zeros((engine.replicates, groups))
        span = np.ones((engine.replicates, groups))
        present = s.group_counts(s.present)
        active_last = np.zeros((engine.replicates, groups))
    rate = 100 * posts / span / np.maximum(present, 1)
    rows, cols = np.nonzero(s.group_open)
    return pd.DataFrame(
        {
            "replicate": rows,
            "group": cols,
            "opened_day": s.group_opened[rows, cols] // 24 + 1,
            "members_ever": members_ever[rows, cols].astype(np.int64),
            "members_final": present[rows, cols].astype(np.int64),
            "buyers": buyers[rows, cols].astype(np.int64),
            "conversion_rate": buyers[rows, cols] / np.maximum(members_ever[rows, cols], 1),
            "revenue": revenue[rows, cols],
            "active_last_day": active_last[rows, cols].astype(np.int64),
            "posts_last_days": posts[rows, cols],
            "posts_per_100_per_day": rate[rows, cols],
            "quiet": rate[rows, cols] < QUIET_POSTS_PER_100,
        }
    )


def group_summary(table: pd.DataFrame, replicates: int) -> dict[str, Any]:
    """Across-group figures per replicate, summarised over replicates.

    Returns:
        ``groups`` (mean groups open), ``quiet_groups`` and ``quiet_share`` (mean and
        interval), ``best_conversion`` / ``worst_conversion`` (best and worst group's
        conversion, mean and interval), ``conversion_sd`` (mean spread between groups) and
        ``best_group`` (per replicate, the group that converted best).
    """
    by_rep = table.groupby("replicate")
    per = pd.DataFrame(
        {
            "groups": by_rep.size(),
            "quiet": by_rep["quiet"].sum(),
            "best": by_rep["conversion_rate"].max(),
            "worst": by_rep["conversion_rate"].min(),
            "sd": by_rep["conversion_rate"].std(ddof=0),
            "best_group": by_rep["conversion_rate"].idxmax().map(table["group"]),
        }
    ).reindex(range(replicates))
    return {
        "groups": float(per["groups"].mean()),
        "quiet_groups": mean_ci95(per["quiet"]),
        "quiet_share": mean_ci95(per["quiet"] / per["groups"], share=True),
        "best_conversion": mean_ci95(per["best"], share=True),
        "worst_conversion": mean_ci95(per["worst"], share=True),
        "conversion_sd": float(per["sd"].mean()),
        "best_group": [int(g) for g in per["best_group"].fillna(-1)],
    }
