"""``kol_cultivation``: extra care and early access for chosen influence members."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..validation import bounded
from .base import Firing, Touchpoint, register
from .care import apply_care


@register
class KolCultivation(Touchpoint):
    """Care that also makes the member a KOL: posts and shares more, sees offers first."""

    name = "kol_cultivation"

    @dataclass
    class Params:
        trust_gain: float = bounded(0.2, 0, 1)  # times need
        moment: float = bounded(0.7, -1, 1)  # times need
        fatigue: float = bounded(0.0, 0, 1)
        minutes: float = bounded(15.0, 0.1)
        repeat_decay: float = bounded(0.85, 0, 1)  # each earlier conversation: this much less
        mention_offer: bool = True

    def uses_capacity(self) -> bool:
        return True

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        apply_care(engine, targets, firing.params)
        engine.state.kol |= targets
