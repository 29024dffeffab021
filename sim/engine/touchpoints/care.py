"""``care``: a personal, one-to-one message answering the member's need."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..effects import experience, raise_trust
from ..state import SRC_OPERATOR, flat, members_of
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class Care(Touchpoint):
    """Uses operator capacity; large trust gain scaled by need; almost no fatigue.

    The team cares for as many targets as its capacity allows today (conversations left and
    staff minutes left), in the order of the target rule's ranking. Each earlier
    conversation with the same member makes the next one give ``repeat_decay`` times less.
    """

    name = "care"

    @dataclass
    class Params:
        trust_gain: float = bounded(0.15, 0, 1)  # times the member's need
        moment: float = bounded(0.6, -1, 1)  # experience value, times need
        fatigue: float = bounded(0.0, 0, 1)
        minutes: float = bounded(6.0, 0.1)  # staff minutes per conversation
        repeat_decay: float = bounded(0.85, 0, 1)  # each earlier conversation: this much less
        mention_offer: bool = True  # an open offer is mentioned, so the member sees it

    def uses_capacity(self) -> bool:
        return True

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        apply_care(engine, targets, firing.params)


def apply_care(engine, targets: np.ndarray, params) -> None:
    """One-to-one conversations with ``targets``: trust, moment, offer, staff time.

    The caller has cut ``targets`` to the team's capacity (``Touchpoint.uses_capacity``).
    """
    s, tr = engine.state, engine.traits
    n = targets.sum(axis=1)
    s.care_left -= n
    engine.book_minutes(params.minutes * n)
    cared = members_of(targets)
    need = flat(tr.need)[cared]
    freshness = params.repeat_decay ** flat(s.care_count)[cared].astype(float)
    raise_trust(engine, cared, params.trust_gain * need * freshness, SRC_OPERATOR)
    experience(engine, cared, params.moment * need * freshness)
    s.care_count += targets
    s.last_care = np.where(targets, engine.hour, s.last_care)
    if params.fatigue > 0:
        s.fatigue = np.where(targets, np.minimum(1.0, s.fatigue + params.fatigue), s.fatigue)
    if params.mention_offer:
        engine.show_offer(targets)
