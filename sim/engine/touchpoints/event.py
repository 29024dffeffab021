"""``event``: opening ceremony, ice-breaker, sharing session, closing ceremony."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..effects import experience, raise_trust
from ..state import ACTIVE, FEED_OPERATOR, SRC_EVENTS, members_of
from ..validation import bounded
from .base import Firing, Touchpoint, register


@register
class Event(Touchpoint):
    """Attended by members online and trusting enough: a strong moment and a posting burst."""

    name = "event"

    @dataclass
    class Params:
        show_up: float = bounded(4.0, 0)  # attendance chance = min(1, show_up * open chance now)
        min_trust: float = bounded(0.1, 0, 1)  # trust needed to attend
        value: float = bounded(0.8, -1, 1)  # experience value for attendees
        trust_gain: float = bounded(0.15, 0, 1)
        posts_per_attendee: float = bounded(1.5, 0)  # burst of member posts
        excitement: float = bounded(1.0, 0, 1)  # raises activity for the next day or so
        minutes: float = bounded(90.0, 0)
        money: float = bounded(0.0, 0)  # prizes and the like

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        p, s = firing.params, engine.state
        paid = engine.book_group_minutes(p.minutes)  # held in every group; no time, no event
        if p.money > 0:
            paid &= engine.spend_money(p.money * engine.open_groups * paid)  # no budget either
        engine.post_to_groups(FEED_OPERATOR, paid * 1.0)
        can = targets & paid[:, None] & (s.status == ACTIVE) & (s.trust >= p.min_trust)
        chance = np.minimum(1.0, p.show_up * engine.open_chance())
        came = can & (engine.streams.uniform("attend", engine.hour, firing.plan_index + 1) < chance)
        attendees = members_of(came)
        raise_trust(engine, attendees, p.trust_gain, SRC_EVENTS)
        experience(engine, attendees, p.value)
        s.excitement = np.where(came, np.maximum(s.excitement, p.excitement), s.excitement)
        s.opened |= came
        s.last_open = np.where(came, engine.hour, s.last_open)
        s.opened_today |= came
        engine.post(attendees, p.posts_per_attendee)
