"""``care``: a personal, one-to-one message answering the member's need."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..effects import raise_trust
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class Care(Touchpoint):
    """Uses operator capacity; large trust gain scaled by need; almost no fatigue."""

    name = "care"

    @dataclass
    class Params:
        trust_gain: float = bounded(0.35, 0, 1)  # times the member's need
        moment: float = bounded(0.6, -1, 1)  # experience value, times need
        fatigue: float = bounded(0.0, 0, 1)
        minutes: float = bounded(6.0, 0)  # staff minutes per conversation
        mention_offer: bool = True  # an open offer is mentioned, so the member sees it

    def uses_capacity(self) -> bool:
        return True

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        apply_care(engine, targets, firing.params)


def apply_care(engine, targets: np.ndarray, params) -> None:
    """One-to-one conversations with ``targets``: trust, moment, offer, staff time."""
    s, tr = engine.state, engine.traits
    n = targets.sum(axis=1)
    s.care_left -= n
    engine.spend_minutes(params.minutes * n)
    raise_trust(engine, targets, params.trust_gain * tr.need)
    s.add_moment(targets, params.moment * tr.need)
    s.fatigue = np.where(targets, np.minimum(1.0, s.fatigue + params.fatigue), s.fatigue)
    s.touched |= targets
    if params.mention_offer:
        engine.show_offer(targets)
