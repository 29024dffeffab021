"""``broadcast``: a notice to the whole group, or a mass private message to targets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..effects import read_mass_messages
from ..state import FEED_OPERATOR, MSG_OPERATOR, members_of
from ..validation import bounded
from .base import Firing, Touchpoint, open_privately, register


@register
class Broadcast(Touchpoint):
    """Cheap, reaches only those who read it, small trust gain, adds fatigue."""

    name = "broadcast"

    @dataclass
    class Params:
        channel: str = bounded("group", choices=("group", "private"))
        messages: int = bounded(1, 1, 20)  # messages posted at once (copy, poster, ...)
        minutes: float = bounded(2.0, 0)  # staff minutes

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        p = firing.params
        if p.channel == "group":
            # Into every group's feed: read (or not) by members when they next open it.
            ok = engine.book_group_minutes(p.minutes)
            engine.post_to_groups(FEED_OPERATOR, ok * float(p.messages))
            return
        ok = engine.book_minutes(p.minutes)
        targets = targets & ok[:, None]
        read = open_privately(engine, firing, targets)
        readers = members_of(read)
        reads = np.full(readers.size, float(p.messages))
        read_mass_messages(engine, readers, reads, engine.params.fatigue.private_scale)
        engine.state.hour_messages[:, MSG_OPERATOR] += p.messages * targets.sum(axis=1)
