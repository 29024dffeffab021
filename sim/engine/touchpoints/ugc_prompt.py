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
        ok = engine.book_group_minutes(firing.params.minutes)
        engine.post_to_groups(FEED_OPERATOR, ok * 1.0)
        running = s.group_open & ok[:, None]
        s.ugc_until[:] = np.where(running, np.maximum(s.ugc_until, firing.end), s.ugc_until)
