"""``offer``: open an offer (anchor, deadline, quota, price ladder); it closes by itself."""

from __future__ import annotations

import numpy as np

from ..effects import read_mass_messages
from ..offer_book import OfferTerms
from ..state import FEED_OPERATOR, MSG_OPERATOR, members_of
from .base import Firing, Touchpoint, open_privately, register


@register
class Offer(Touchpoint):
    """Announced in the group (pinned) or by mass private message to the targets."""

    name = "offer"
    Params = OfferTerms

    def duration(self, params: OfferTerms) -> int:
        return params.duration_hours

    def start(self, engine, firing: Firing, targets: np.ndarray) -> None:
        p, s = firing.params, engine.state
        ok = engine.book_group_minutes(p.minutes)
        engine.offers.open(p, engine.hour, ok)  # in every group (where the team had time)
        engine.post_to_groups(FEED_OPERATOR, ok * 1.0)
        targets = targets & ok[:, None]
        engine.show_offer(s.kol & s.present)  # early access for cultivated KOLs
        if p.announce == "private":
            read = open_privately(engine, firing, targets)
            readers = members_of(read)
            reads = np.ones(readers.size)
            read_mass_messages(engine, readers, reads, engine.params.fatigue.private_scale)
            engine.show_offer(read)
            engine.state.hour_messages[:, MSG_OPERATOR] += targets.sum(axis=1)
