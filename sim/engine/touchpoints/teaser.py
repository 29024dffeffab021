"""``teaser``: builds momentum and suspense before an offer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..state import FEED_TEASER, FEED_TEASER_PULL, MSG_OPERATOR
from ..validation import bounded
from .base import Firing, Touchpoint, open_privately, register


@register
class Teaser(Touchpoint):
    """Raises anticipation in those who read it, so more members watch when the offer opens.

    Posted in the group (``channel: group``, the default), it acts like any message: only
    members who open the group and read it before it is buried feel it, whatever the target
    rule. Sent privately (``channel: private``), it reaches the targets who open their
    messages (``channel.private_read_prob``). Anticipating members open the group more
    often and wait for the offer rather than buy at list price (``purchase.wait``).
    """

    name = "teaser"

    @dataclass
    class Params:
        anticipation: float = bounded(0.4, 0, 1)  # raised towards 1 by this share per read
        channel: str = bounded("group", choices=("group", "private"))
        minutes: float = bounded(5.0, 0)

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        p, s = firing.params, engine.state
        if p.channel == "group":
            ok = engine.book_group_minutes(p.minutes)
            engine.post_to_groups(FEED_TEASER, ok * 1.0, MSG_OPERATOR)
            engine.post_to_groups(FEED_TEASER_PULL, ok * p.anticipation, None)
            return
        ok = engine.book_minutes(p.minutes)
        targets = targets & ok[:, None]
        read = open_privately(engine, firing, targets)
        s.anticipation = np.where(
            read, s.anticipation + p.anticipation * (1 - s.anticipation), s.anticipation
        )
        engine.state.hour_messages[:, MSG_OPERATOR] += targets.sum(axis=1)
