"""``content``: materials or a live lesson, a value experience that saturates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..effects import raise_trust
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class Content(Touchpoint):
    """Reaches targets who engage; too much content in a short time loses value."""

    name = "content"

    @dataclass
    class Params:
        reach: float = bounded(0.5, 0, 1)  # chance a targeted member engages with it
        value: float = bounded(0.4, -1, 1)  # experience value of a fresh piece
        trust_gain: float = bounded(0.04, 0, 1)
        saturation: float = bounded(2.0, 0.01)  # recent pieces at which value falls to 1/e
        minutes: float = bounded(10.0, 0)

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        p, s = firing.params, engine.state
        engine.spend_minutes(p.minutes)
        engaged = targets & (
            engine.streams.uniform("attend", engine.hour, firing.plan_index + 1) < p.reach
        )
        freshness = np.exp(-s.content_load / p.saturation)
        raise_trust(engine, engaged, p.trust_gain * freshness)
        s.add_moment(engaged, p.value * freshness)
        s.content_load = np.where(engaged, s.content_load + 1.0, s.content_load)
