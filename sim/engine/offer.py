"""Offers: list price, anchor, deadline, quota with a visible remaining count, price ladder.

A group has at most one open offer at a time; a new offer replaces the old one. The offer's
terms are the same in every replicate (they come from the plan); what differs per replicate
is how many units sold and so whether the quota ran out and which ladder step applies.
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
    """The open offer of each group, across replicates."""

    def __init__(self, replicates: int, groups: int):
        self.terms: list[OfferTerms | None] = [None] * groups
        self.offer_id = np.full(groups, -1, dtype=np.int32)
        self.opened_at = np.zeros(groups, dtype=np.int64)
        self.is_open = np.zeros((replicates, groups), dtype=bool)
        self.sold = np.zeros((replicates, groups), dtype=np.int64)
        self.total_sold = np.zeros((replicates, groups), dtype=np.int64)
        self._next_id = 0

    def open(self, group: int, terms: OfferTerms, hour: int) -> int:
        """Open a new offer in a group (replacing any open one); returns its id."""
        self.terms[group] = terms
        self.offer_id[group] = self._next_id
        self._next_id += 1
        self.opened_at[group] = hour
        self.is_open[:, group] = True
        self.sold[:, group] = 0
        return int(self.offer_id[group])

    def close_expired(self, hour: int) -> None:
        """Close offers whose deadline has passed."""
        for g, terms in enumerate(self.terms):
            if terms is not None and terms.duration_hours > 0:
                if hour >= self.opened_at[g] + terms.duration_hours:
                    self.is_open[:, g] = False

    def deadline(self, group: int) -> float:
        """The hour the group's offer closes (inf if open-ended or none)."""
        terms = self.terms[group]
        if terms is None or terms.duration_hours <= 0:
            return np.inf
        return float(self.opened_at[group] + terms.duration_hours)

    def price(self, hour: int) -> np.ndarray:
        """Current offer price per (replicate, group); NaN where no offer is open."""
        out = np.full(self.is_open.shape, np.nan)
        for g, terms in enumerate(self.terms):
            if terms is None:
                continue
            price = np.full(self.is_open.shape[0], terms.price)
            elapsed = hour - self.opened_at[g]
            for step in terms.ladder:
                hit = np.zeros_like(price, dtype=bool)
                if step.after_hours >= 0:
                    hit |= elapsed >= step.after_hours
                if step.after_sales >= 0:
                    hit |= self.sold[:, g] >= step.after_sales
                price = np.where(hit, step.price, price)
            out[:, g] = np.where(self.is_open[:, g], price, np.nan)
        return out

    def remaining(self) -> np.ndarray:
        """Units left under the quota per (replicate, group); inf where unlimited."""
        out = np.full(self.is_open.shape, np.inf)
        for g, terms in enumerate(self.terms):
            if terms is not None and terms.quota > 0:
                out[:, g] = terms.quota - self.sold[:, g]
        return out

    def urgency(self, hour: int, deadline_tau: float) -> np.ndarray:
        """Felt urgency per (replicate, group), 0..1, from deadline, ladder and quota."""
        out = np.zeros(self.is_open.shape)
        for g, terms in enumerate(self.terms):
            if terms is None:
                continue
            ends = [self.deadline(g)]
            ends += [
                self.opened_at[g] + s.after_hours
                for s in terms.ladder
                if s.after_hours >= 0 and self.opened_at[g] + s.after_hours > hour
            ]
            left = min(ends) - hour
            u_time = float(np.exp(-left / deadline_tau)) if np.isfinite(left) else 0.0
            u_quota = np.zeros(self.is_open.shape[0])
            if terms.quota > 0 and terms.show_remaining:
                u_quota = np.clip(self.sold[:, g] / terms.quota, 0.0, 1.0)
            out[:, g] = np.where(self.is_open[:, g], 1 - (1 - u_time) * (1 - u_quota), 0.0)
        return out

    def record_sales(self, sales: np.ndarray) -> None:
        """Add this hour's offer sales (replicates, groups) and close sold-out offers."""
        self.sold += sales
        self.total_sold += sales
        remaining = self.remaining()
        self.is_open &= remaining > 0
