"""``referral_campaign``: a fission task; members invite outside friends for a reward."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..state import FEED_OPERATOR, members_of
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class ReferralCampaign(Touchpoint):
    """Members past a trust stage invite their outside neighbours; friends join mid-run.

    The reward is the incentive: the hourly chance to invite grows with the reward (relative
    to the product's list price) and with a public contest. Invited friends are the
    inviters' graph neighbours who are not members yet.
    """

    name = "referral_campaign"

    @dataclass
    class Params:
        duration_hours: int = bounded(72, 1)
        invite_prob: float = bounded(0.005, 0, 1)  # hourly chance an eligible member invites,
        # with no reward
        reward: float = bounded(20.0, 0)  # money per friend who joins
        reward_sensitivity: float = bounded(20.0, 0)  # invite chance x (1 + this x reward /
        # list price): a larger reward makes more members invite, and more often
        contest: bool = False  # inviters are ranked publicly (an invite contest)
        contest_boost: float = bounded(1.5, 1)  # invite chance multiplier of a contest
        min_stage: int = bounded(3, 0, 6)  # inviters: at least this stage (buyers always)
        minutes: float = bounded(10.0, 0)

    def duration(self, params) -> int:
        return params.duration_hours

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        firing.going = engine.book_group_minutes(firing.params.minutes)
        engine.post_to_groups(FEED_OPERATOR, firing.going * 1.0)

    def during(self, engine, firing: Firing, hour: int) -> None:
        p, s = firing.params, engine.state
        eligible = s.present & ((s.stage >= p.min_stage) | s.bought) & firing.going[:, None]
        incentive = 1.0 + p.reward_sensitivity * p.reward / engine.params.product.list_price
        chance = min(1.0, p.invite_prob * incentive * (p.contest_boost if p.contest else 1.0))
        inviters = eligible & (
            engine.streams.uniform("invite", hour, firing.plan_index + 1) < chance
        )
        engine.invite(members_of(inviters), reward=p.reward)
