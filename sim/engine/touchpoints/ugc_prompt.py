"""``ugc_prompt``: a topic or game that gets members talking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..state import FEED_OPERATOR
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class UgcPrompt(Touchpoint):
    """Members post more (channel.ugc_boost times) while the prompt runs."""

    name = "ugc_prompt"

    @dataclass
    class Params:
        duration_hours: int = bounded(3, 1, 72)
        minutes: float = bounded(5.0, 0)

    def duration(self, params) -> int:
        return params.duration_hours

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        s = engine.state
        engine.spend_minutes(firing.params.minutes)
        s.feed[:, firing.group, FEED_OPERATOR] += 1
        engine.hour_messages[:, 0] += 1
        s.ugc_until[:, firing.group] = np.maximum(s.ugc_until[:, firing.group], firing.end)
