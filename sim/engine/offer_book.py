"""Offers: list price, anchor, deadline, quota with a visible remaining count, price ladder.

A campaign has at most one open offer at a time, shown in every group; a new offer replaces
the old one. The offer's terms are the same in every replicate and group (they come from the
plan); what differs per replicate and group is how many units sold, and so whether the
group's quota ran out and which sales-based ladder step applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .validation import bounded


@dataclass
class LadderStep:
    """One step of a price ladder: the price from a time or a sales count on."""

    price: float = bounded(0.0, 0)
    after_hours: float = bounded(-1.0, -1)  # hours after the offer opens (-1: not time-based)
    after_sales: int = bounded(-1, -1)  # units sold in this offer (-1: not sales-based)


@dataclass
class OfferTerms:
    """The terms of an offer (parameters of the ``offer`` touchpoint)."""

    price: float = bounded(699.0, 0)  # offer price at opening
    anchor: float = bounded(1299.0, 0)  # reference price shown beside it (0: none)
    duration_hours: int = bounded(48, 0)  # limited time (0: open until the campaign ends)
    quota: int = bounded(0, 0)  # limited quantity (0: unlimited)
    show_remaining: bool = True  # the remaining count is visible to members
    ladder: list[LadderStep] = field(default_factory=list)
    announce: str = bounded("group", choices=("group", "private"))  # pinned, or private
    minutes: float = bounded(10.0, 0)  # staff minutes to set it up


class OfferBook:
    """The campaign's open offer, shown in every group, across replicates.

    The plan runs in every group, so an offer opens in all groups at once with the same
    terms; what differs per (replicate, group) is how many units sold there, and so
    whether its quota ran out and which sales-based ladder step applies.
    """

    def __init__(self, replicates: int, groups: int):
        self.terms: OfferTerms | None = None
        self.offer_id = -1  # id of the latest offer (-1: none yet)
        self.opened_at = 0
        self.is_open = np.zeros((replicates, groups), dtype=bool)
        self.sold = np.zeros((replicates, groups), dtype=np.int64)
        self.total_sold = np.zeros((replicates, groups), dtype=np.int64)

    def open(self, terms: OfferTerms, hour: int, where: np.ndarray | None = None) -> int:
        """Open a new offer in every group (replacing any open one); returns its id.

        ``where`` (replicates,) limits it to the replicates where the team could set it up.
        """
        self.terms = terms
        self.offer_id += 1
        self.opened_at = hour
        self.is_open[:] = True if where is None else np.asarray(where)[:, None]
        self.sold[:] = 0
        return self.offer_id

    def close_expired(self, hour: int) -> None:
        """Close the offer once its deadline has passed."""
        if self.terms is not None and hour >= self.deadline():
            self.is_open[:] = False

    def deadline(self) -> float:
        """The hour the offer closes (inf if open-ended or none)."""
        if self.terms is None or self.terms.duration_hours <= 0:
            return np.inf
        return float(self.opened_at + self.terms.duration_hours)

    @property
    def anchor(self) -> float:
        """The anchor price shown beside the offer (0: none)."""
        return self.terms.anchor if self.terms is not None else 0.0

    def price(self, hour: int) -> np.ndarray:
        """Current offer price per (replicate, group); NaN where no offer is open."""
        out = np.full(self.is_open.shape, np.nan)
        terms = self.terms
        if terms is None:
            return out
        price = np.full(self.is_open.shape, terms.price)
        elapsed = hour - self.opened_at
        for step in terms.ladder:
            hit = np.full(self.is_open.shape, step.after_hours >= 0 and elapsed >= step.after_hours)
            if step.after_sales >= 0:
                hit |= self.sold >= step.after_sales
            price = np.where(hit, step.price, price)
        return np.where(self.is_open, price, np.nan)

    def remaining(self) -> np.ndarray:
        """Units left under the quota per (replicate, group); inf where unlimited."""
        if self.terms is None or self.terms.quota <= 0:
            return np.full(self.is_open.shape, np.inf)
        return (self.terms.quota - self.sold).astype(float)

    def urgency(self, hour: int, deadline_tau: float) -> np.ndarray:
        """Felt urgency per (replicate, group), 0..1, from deadline, ladder and quota."""
        terms = self.terms
        if terms is None:
            return np.zeros(self.is_open.shape)
        ends = [self.deadline()]
        ends += [
            self.opened_at + s.after_hours
            for s in terms.ladder
            if s.after_hours >= 0 and self.opened_at + s.after_hours > hour
        ]
        left = min(ends) - hour
        u_time = float(np.exp(-left / deadline_tau)) if np.isfinite(left) else 0.0
        u_quota = np.zeros(self.is_open.shape)
        if terms.quota > 0 and terms.show_remaining:
            u_quota = np.clip(self.sold / terms.quota, 0.0, 1.0)
        return np.where(self.is_open, 1 - (1 - u_time) * (1 - u_quota), 0.0)

    def record_sales(self, sales: np.ndarray) -> None:
        """Add this hour's offer sales (replicates, groups) and close sold-out offers."""
        self.sold += sales
        self.total_sold += sales
        self.is_open &= self.remaining() > 0
