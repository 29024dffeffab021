"""``teaser``: builds momentum and suspense before an offer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..state import FEED_OPERATOR
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class Teaser(Touchpoint):
    """Raises anticipation, so more members are watching when the offer opens."""

    name = "teaser"

    @dataclass
    class Params:
        anticipation: float = bounded(0.4, 0, 1)  # added (towards 1) for targets
        minutes: float = bounded(5.0, 0)

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        p, s = firing.params, engine.state
        engine.spend_group_minutes(p.minutes)
        engine.post_to_groups(FEED_OPERATOR)
        s.anticipation = np.where(
            targets, s.anticipation + p.anticipation * (1 - s.anticipation), s.anticipation
        )
