"""``content``: materials or a live lesson, a value experience that saturates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..effects import read_content
from ..state import (
    FEED_CONTENT,
    FEED_CONTENT_STUDY,
    FEED_CONTENT_TRUST,
    FEED_CONTENT_VALUE,
    MSG_OPERATOR,
    members_of,
)
from ..validation import bounded
from .base import Firing, Touchpoint, open_privately, register


@register
class Content(Touchpoint):
    """Posted in the group (or sent privately); it acts only on members who read it.

    In the group, a piece waits in the feed: members who open the group read it or not,
    like any message (the more posted since their last visit, the less they read), and a
    reader studies it with chance ``reach``. Sent privately, it reaches the targets who open
    their messages (``channel.private_read_prob``). Studying gives trust and an experience
    that wear off when pieces come too fast (``channel.content_saturation``), and study
    fatigue.
    """

    name = "content"

    @dataclass
    class Params:
        channel: str = bounded("group", choices=("group", "private"))
        reach: float = bounded(0.5, 0, 1)  # chance a reader studies it
        value: float = bounded(0.4, -1, 1)  # experience value of a fresh piece
        trust_gain: float = bounded(0.04, 0, 1)
        minutes: float = bounded(10.0, 0)

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        p = firing.params
        if p.channel == "group":
            ok = engine.book_group_minutes(p.minutes)
            for kind, weight in (
                (FEED_CONTENT, 1.0),
                (FEED_CONTENT_STUDY, p.reach),
                (FEED_CONTENT_VALUE, p.reach * p.value),
                (FEED_CONTENT_TRUST, p.reach * p.trust_gain),
            ):
                column = MSG_OPERATOR if kind == FEED_CONTENT else None  # one message
                engine.post_to_groups(kind, ok * weight, column)
            return
        ok = engine.book_minutes(p.minutes)
        read = open_privately(engine, firing, targets & ok[:, None])
        readers = members_of(read)
        studied = np.full(readers.size, p.reach)
        read_content(engine, readers, studied, value=p.value, trust_gain=p.trust_gain)
        engine.state.hour_messages[:, MSG_OPERATOR] += targets.sum(axis=1) * ok
