"""Hourly records of a batch run, kept as arrays (turned into tables by ``sim.outputs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .params import N_STAGES
from .state import ACTIVE, DORMANT, FEED_MEMBER, FEED_PURCHASE, LEFT, OUTSIDE

if TYPE_CHECKING:
    from .engine import Engine


class Recorder:
    """Preallocated (hours, replicates, ...) arrays filled at the end of every step."""

    def __init__(self, e: Engine):
        t, r = e.hours, e.replicates
        self.purchases = np.zeros((t, r), dtype=np.int64)
        self.revenue = np.zeros((t, r))
        self.opens = np.zeros((t, r), dtype=np.int64)  # members who opened the group that hour
        self.active_today = np.zeros((t, r), dtype=np.int64)  # distinct openers so far that day
        self.messages = np.zeros((t, r, 3))  # operator, members, shills
        self.minutes = np.zeros((t, r))  # cumulative staff minutes
        self.money = np.zeros((t, r))  # cumulative money spent
        self.joins = np.zeros((t, r), dtype=np.int64)
        self.minutes_dropped = np.zeros((t, r))  # staff minutes of tasks dropped for lack of time
        self.care_dropped = np.zeros((t, r), dtype=np.int64)  # care the rules wanted, not given
        self.offer_sales = np.zeros((t, r), dtype=np.int64)
        self.status = np.zeros((t, r, 3), dtype=np.int64)  # active, dormant, left
        self.stages = np.zeros((t, r, 3, N_STAGES), dtype=np.int64)  # present, by layer
        # Per group, at the end of each day (days, replicates, groups).
        days, g = -(-t // 24), e.state.groups
        self.group_present = np.zeros((days, r, g), dtype=np.int64)  # members in the group
        self.group_active = np.zeros((days, r, g), dtype=np.int64)  # who opened it that day
        self.group_buyers = np.zeros((days, r, g), dtype=np.int64)  # ever-members who bought
        self.group_posts = np.zeros((days, r, g))  # member and purchase posts, cumulative
        self._sold_before = np.zeros(r, dtype=np.int64)
        rows = np.arange(r, dtype=np.int64)[:, None]
        # Bins of (replicate, layer, status, stage), status in the order OUTSIDE, ACTIVE,
        # DORMANT, LEFT: each slot's first bin, then + status x N_STAGES + stage.
        layer = e.traits.layer.astype(np.int64)
        self._bin_base = ((rows * 3 + layer) * 4 - OUTSIDE) * N_STAGES

    def record(self, e: Engine) -> None:
        """Store the hour that ``e`` just computed."""
        h, s, r = e.hour, e.state, e.replicates
        self.purchases[h] = e.state.hour_purchases
        self.revenue[h] = e.state.hour_revenue
        self.opens[h] = np.bincount(s.replicate_of(s.openers), minlength=r)  # who opened the group
        # only members open the group, so today's openers are all (ever) members
        self.active_today[h] = np.count_nonzero(s.opened_today, axis=1)
        self.messages[h] = e.state.hour_messages
        self.minutes[h] = s.minutes
        self.money[h] = s.money
        self.joins[h] = e.state.hour_joins
        self.minutes_dropped[h] = e.state.hour_minutes_dropped
        self.care_dropped[h] = e.state.hour_care_dropped
        sold = e.offers.total_sold.sum(axis=1)
        self.offer_sales[h] = sold - self._sold_before
        self._sold_before = sold
        # one count of every (replicate, layer, status, stage)
        index = self._bin_base + (s.status * np.int8(N_STAGES) + s.stage)
        counts = np.bincount(index.ravel(), minlength=r * 3 * 4 * N_STAGES)
        counts = counts.reshape(r, 3, 4, N_STAGES)
        self.status[h] = counts.sum(axis=(1, 3))[:, 1 + ACTIVE : 1 + LEFT + 1]
        self.stages[h] = counts[:, :, 1 + ACTIVE] + counts[:, :, 1 + DORMANT]  # present
        if h % 24 == 23 or h == e.hours - 1:
            self._record_groups(e, h // 24)

    def _record_groups(self, e: Engine, day: int) -> None:
        s = e.state
        present = s.present
        self.group_present[day] = s.group_counts(present)
        self.group_active[day] = s.group_counts(s.opened_today & present)
        self.group_buyers[day] = s.group_counts(s.bought & s.ever_member)
        self.group_posts[day] = s.feed[:, :, FEED_MEMBER] + s.feed[:, :, FEED_PURCHASE]
