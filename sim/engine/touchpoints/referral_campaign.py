"""``referral_campaign``: a fission task; members invite outside friends for a reward."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..state import FEED_OPERATOR
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class ReferralCampaign(Touchpoint):
    """Members past a trust stage invite their outside neighbours; friends join mid-run."""

    name = "referral_campaign"

    @dataclass
    class Params:
        duration_hours: int = bounded(72, 1)
        invite_prob: float = bounded(0.02, 0, 1)  # hourly chance an eligible member invites
        min_stage: int = bounded(3, 0, 6)  # inviters: at least this stage (buyers always)
        reward: float = bounded(20.0, 0)  # money per friend who joins
        minutes: float = bounded(10.0, 0)

    def duration(self, params) -> int:
        return params.duration_hours

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        engine.spend_group_minutes(firing.params.minutes)
        engine.post_to_groups(FEED_OPERATOR)

    def during(self, engine, firing: Firing, hour: int) -> None:
        p, s = firing.params, engine.state
        eligible = s.present & ((s.stage >= p.min_stage) | s.bought)
        inviters = eligible & (
            engine.streams.uniform("invite", hour, firing.plan_index + 1) < p.invite_prob
        )
        engine.invite(inviters, reward=p.reward)
