"""``shills``: planted accounts posting purchase screenshots, with exposure risk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..effects import experience
from ..state import FEED_SHILL, LEFT, MSG_SHILLS, members_of
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class Shills(Touchpoint):
    """Inflate the herd signal; members who see through them lose trust and may leave."""

    name = "shills"

    @dataclass
    class Params:
        accounts: int = bounded(3, 1, 100)
        posts_per_hour: float = bounded(0.3, 0)  # per account while running
        duration_hours: int = bounded(48, 1)
        detect_prob: float = bounded(0.03, 0, 1)  # chance per shill post read of seeing through
        trust_shock: float = bounded(0.5, 0, 1)  # share of trust lost on discovery
        moment: float = bounded(-1.0, -1, 1)
        leave_prob: float = bounded(0.3, 0, 1)  # chance a discoverer leaves at once
        cost_per_account_day: float = bounded(30.0, 0)

    def duration(self, params) -> int:
        return params.duration_hours

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        pass  # the accounts act hour by hour in ``during``

    def during(self, engine, firing: Firing, hour: int) -> None:
        p, s = firing.params, engine.state
        # Each group has its own shill accounts.
        paid = engine.spend_money(p.accounts * p.cost_per_account_day / 24 * engine.open_groups)
        # Discovery: from shill posts read this hour (posted in earlier hours).
        chance = 1 - (1 - p.detect_prob) ** s.read_shill
        found = (
            ~s.shill_detected
            & s.present
            & (engine.streams.uniform("shill_detect", hour, firing.plan_index + 1) < chance)
        )
        if found.any():
            s.shill_detected |= found
            s.trust = np.where(found, s.trust * (1 - p.trust_shock), s.trust)
            experience(engine, members_of(found), p.moment)
            engine.state.trust_shocked |= found
            leave = found & (
                engine.streams.uniform("shill_leave", hour, firing.plan_index + 1) < p.leave_prob
            )
            s.status = np.where(leave, LEFT, s.status).astype(np.int8)
        engine.post_to_groups(
            FEED_SHILL, np.where(paid, p.accounts * p.posts_per_hour, 0.0), MSG_SHILLS
        )
