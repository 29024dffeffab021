"""Counterfactual versions of a plan, to measure what its result depends on.

Each is the plan with one thing changed, run on the same seeds as the plan (common random
numbers), so the paired difference is what that thing brings:

- ``no_shills``: the plan's active ``shills`` entries removed;
- ``shills_exposed``: the shills seen through by everyone who reads their posts
  (``detect_prob = 1``): what full exposure would cost;
- ``no_deadline``: the plan's limited-time offers open until the campaign ends or the next
  offer replaces them (``duration_hours = 0``), run when a deadline is not real;
- ``no_quota``: the offers' quotas lifted: how much demand a sold-out quota leaves unmet.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sim.engine.offer_book import OfferTerms
from sim.engine.params import PlanParams, TouchpointSpec


def _active(plan: PlanParams) -> list[tuple[int, TouchpointSpec]]:
    """Entries that run (no switch, or their switch is on), with their plan positions."""
    return [
        (i, t)
        for i, t in enumerate(plan.touchpoints)
        if not t.when or plan.switches.get(t.when, False)
    ]


def has_shills(plan: PlanParams) -> bool:
    """Whether shills run in the plan."""
    return any(t.type == "shills" for _, t in _active(plan))


def has_quota(plan: PlanParams) -> bool:
    """Whether an offer of the plan has a quota."""
    return any(t.type == "offer" and t.params.get("quota", 0) for _, t in _active(plan))


def _offer_times(plan: PlanParams, days: int) -> list[tuple[int, int, list[float]]]:
    """(opening hour, duration in hours, prices) of every offer firing, in time order."""
    default = OfferTerms()
    out = []
    for _, t in _active(plan):
        if t.type != "offer":
            continue
        price = float(t.params.get("price", default.price))
        duration = int(t.params.get("duration_hours", default.duration_hours))
        ladder = t.params.get("ladder") or []
        prices = [price] + [float(dict(s).get("price", price)) for s in ladder]
        last = t.until_day or days
        day_list = range(t.day, last + 1, t.every_days) if t.every_days else [t.day]
        for day in day_list:
            for h in t.hours or [t.hour]:
                out.append(((day - 1) * 24 + h, duration, prices))
    return sorted(out, key=lambda x: x[0])


def deadline_not_real(plan: PlanParams, days: int) -> bool:
    """Whether a limited-time offer's deadline is broken: the same or a lower price returns.

    A deadline says "this price ends then". It is not real when a later offer, opening after
    that deadline, sells at a price no higher than the highest price of the earlier offer.
    """
    offers = _offer_times(plan, days)
    for i, (start, duration, prices) in enumerate(offers):
        if duration <= 0:
            continue
        for later_start, _, later_prices in offers[i + 1 :]:
            if later_start >= start + duration and min(later_prices) <= max(prices):
                return True
    return False


def _edit(plan: PlanParams, name: str, change: Callable[[TouchpointSpec], Any]) -> PlanParams:
    out = copy.deepcopy(plan)
    out.name = f"{plan.name} ({name})"
    kept = []
    for t in out.touchpoints:
        result = change(t)
        if result is not False:
            kept.append(t)
    out.touchpoints = kept
    return out


def without_shills(plan: PlanParams) -> PlanParams:
    """The plan without its shills."""
    return _edit(plan, "no shills", lambda t: t.type != "shills")


def shills_exposed(plan: PlanParams) -> PlanParams:
    """The plan with shills seen through by every reader of their posts."""

    def change(t: TouchpointSpec) -> None:
        if t.type == "shills":
            t.params = {**t.params, "detect_prob": 1.0}

    return _edit(plan, "shills exposed", change)


def without_deadline(plan: PlanParams) -> PlanParams:
    """The plan with its offers open until the campaign ends (or the next offer)."""

    def change(t: TouchpointSpec) -> None:
        if t.type == "offer":
            t.params = {**t.params, "duration_hours": 0}

    return _edit(plan, "no deadline", change)


def without_quota(plan: PlanParams) -> PlanParams:
    """The plan with its offers' quotas lifted."""

    def change(t: TouchpointSpec) -> None:
        if t.type == "offer":
            t.params = {**t.params, "quota": 0}

    return _edit(plan, "no quota", change)


def counterfactuals(plan: PlanParams, days: int) -> dict[str, PlanParams]:
    """The counterfactual plans the forecast runs beside the plan and the baseline."""
    out: dict[str, PlanParams] = {}
    if has_shills(plan):
        out["no_shills"] = without_shills(plan)
        out["shills_exposed"] = shills_exposed(plan)
    if deadline_not_real(plan, days):
        out["no_deadline"] = without_deadline(plan)
    if has_quota(plan):
        out["no_quota"] = without_quota(plan)
    return out
