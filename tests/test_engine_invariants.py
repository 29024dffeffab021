"""Invariants that must hold every hour, whatever the plan (issue: correctness)."""

from __future__ import annotations

import numpy as np
import pytest
from factories import small_params

from sim.engine import Engine
from sim.engine.state import OUTSIDE


def _walk(engine: Engine):
    """Step through the campaign, yielding (before, after) snapshots of key arrays."""
    while not engine.done:
        s = engine.state
        before = {
            "stage": s.stage.copy(),
            "bought": s.bought.copy(),
            "status": s.status.copy(),
        }
        engine.step()
        yield before


@pytest.mark.parametrize("list_price_on_sale", [True, False])
def test_hourly_invariants(list_price_on_sale):
    params = small_params(list_price_on_sale=list_price_on_sale)
    e = Engine(params, seed=7, replicates=3)
    capacity = params.operator.staff * params.operator.care_per_staff_per_day
    quota = 12
    saw_shock = saw_join = saw_sale = False
    for before in _walk(e):
        s, tr = e.state, e.traits
        # Trust ladder moves up only, except for members hit by a trust shock this hour.
        dropped = s.stage < before["stage"]
        assert not (dropped & ~e.state.trust_shocked).any()
        saw_shock |= bool(dropped.any())
        # Buying is for good; nobody buys below their own trust threshold.
        assert not (before["bought"] & ~s.bought).any()
        new = s.bought & ~before["bought"]
        assert (s.trust[new] >= tr.trust_threshold[new]).all()
        # No purchase without a price: list price if the plan sells it, else an open offer.
        if not list_price_on_sale and new.any():
            offered = s.paid[new]
            assert (offered < params.product.list_price).all()
        saw_sale |= bool(new.any())
        # Buyers never exceed members; members never exceed seats.
        assert (s.bought & ~s.ever_member).sum() == 0
        assert (s.present.sum(axis=1) <= params.population.group_capacity).all()
        joined = (before["status"] == OUTSIDE) & (s.status != OUTSIDE)
        assert (s.stage[joined] <= 1).all()  # referred friends join at stage 0 or 1
        saw_join |= bool(joined.any())
        # The quota is never oversold; care never exceeds the team's capacity.
        assert (e.offers.total_sold <= quota).all()
        assert (s.care_left >= 0).all() and (s.care_left <= capacity).all()
        # Stage 5 and 6 mean bought and shared.
        assert (s.stage[s.bought] >= 5).all()
        assert (s.stage[~s.bought] <= 4).all()
        assert (s.stage[s.shared] == 6).all()
        # Kept for the hour, never stale: the openers' positions and each slot's group index.
        assert np.array_equal(s.openers, np.flatnonzero(s.opened))
        fresh = (np.arange(s.replicates)[:, None] * s.groups + s.group).ravel()
        assert np.array_equal(s._group_index(), fresh)
        assert np.array_equal(e.recorder.opens[e.hour - 1], s.opened.sum(axis=1))
    assert saw_shock and saw_join and saw_sale, "the plan should exercise shocks, joins, sales"


def test_counts_add_up_every_hour(everything_params):
    e = Engine(everything_params, seed=3, replicates=2).run()
    rec, s = e.recorder, e.state
    present = rec.status[..., 0] + rec.status[..., 1]
    assert np.array_equal(rec.stages.sum(axis=(2, 3)), present)
    joined = np.cumsum(rec.joins, axis=0) + everything_params.population.members
    assert np.array_equal(rec.status.sum(axis=2), joined)
    assert np.array_equal(rec.purchases.sum(axis=0), (s.bought & s.ever_member).sum(axis=1))
    assert np.allclose(rec.revenue.sum(axis=0), s.paid.sum(axis=1))
    assert (rec.active_today <= joined).all()


def _offer_after_care(terms: dict, seed: int) -> Engine:
    """Heavy care from day 1, then a 72-hour offer at 99 (anchor 1299) from hour 34."""
    offer = {"price": 99, "anchor": 1299, "duration_hours": 72, **terms}
    plan = [
        {
            "type": "care",
            "day": 1,
            "hours": [9, 13, 17],
            "every_days": 1,
            "target": {"top_k": 60, "rank_by": "need"},
        },
        {"type": "offer", "day": 2, "hour": 10, "params": offer},
    ]
    params = small_params(plan, list_price_on_sale=False, days=5)
    return Engine(params, seed=seed, replicates=4).run()


def test_quota_stops_sales_at_that_price():
    e = _offer_after_care({"quota": 5}, seed=1)
    sold = e.offers.total_sold.ravel()
    assert (sold <= 5).all() and (sold == 5).any()
    assert ((e.state.paid > 0) & (e.state.paid != 99)).sum() == 0  # no list-price sales


def test_price_ladder_steps_up_after_sales():
    ladder = [{"after_sales": 3, "price": 199}, {"after_hours": 48, "price": 299}]
    e = _offer_after_care({"ladder": ladder}, seed=2)
    s = e.state
    checked = 0
    for r in range(4):
        paid = s.paid[r][s.bought[r]]
        hours = s.buy_hour[r][s.bought[r]]
        for price, hour in zip(paid, hours, strict=True):
            sold_before = (hours < hour).sum()  # the ladder reads sales of earlier hours
            if hour >= 34 + 48:  # opened at hour 34; the time step comes last in the ladder
                expected = 299
            else:
                expected = 199 if sold_before >= 3 else 99
            assert price == expected, (r, hour, sold_before, price)
            checked += 1
    assert checked >= 8


def test_offer_closes_at_its_deadline():
    plan = [{"type": "offer", "day": 2, "hour": 0, "params": {"price": 99, "duration_hours": 10}}]
    e = Engine(small_params(plan, list_price_on_sale=False, days=3), seed=5, replicates=3).run()
    hours = e.state.buy_hour[e.state.bought]
    assert ((hours >= 24) & (hours < 34)).all()


def test_an_offer_of_n_hours_sells_for_exactly_n_hours():
    plan = [{"type": "offer", "day": 2, "hour": 0, "params": {"price": 99, "duration_hours": 10}}]
    e = Engine(small_params(plan, list_price_on_sale=False, days=3), seed=5, replicates=2)
    e.run(34)  # hours 0..33: the offer opened at hour 24, its tenth hour is 33
    assert e.offers.is_open.all()
    e.step()  # hour 34
    assert not e.offers.is_open.any()


def test_budget_limits_paid_events_per_replicate():
    plan = [{"type": "event", "day": 1, "hours": [9, 10, 11], "params": {"money": 400}}]
    params = small_params(plan, days=1)
    params.operator.money_budget = 1000  # two events fit, the third does not
    e = Engine(params, seed=1, replicates=2).run()
    assert (e.state.money == 800).all()


def test_member_arrays_stay_contiguous(everything_params):
    """The step reads and writes members through ``state.flat`` views, which are only views
    while the arrays are C-contiguous: after a run of every touchpoint, all of them are."""
    from dataclasses import fields

    e = Engine(everything_params, seed=3, replicates=2)
    checked = []
    while not e.done:
        e.step()
        arrays = {f.name: getattr(e.state, f.name) for f in fields(e.state)}
        arrays.update({f.name: getattr(e.traits, f.name) for f in fields(e.traits)})
        for name, value in arrays.items():
            if isinstance(value, np.ndarray) and value.ndim >= 2:
                assert value.flags.c_contiguous, (e.hour, name)
                checked.append(name)
    assert {"trust", "status", "trust_gain", "hazard", "neighbours_bought"} <= set(checked)
