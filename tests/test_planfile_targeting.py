"""The target conditions added for plan files: silent for n days, explicit members."""

from __future__ import annotations

import numpy as np

from sim.engine import Engine, ModelParams, PlanParams, TargetSpec
from sim.engine.params import PopulationParams, TouchpointSpec
from sim.engine.targeting import select


def small_engine(replicates: int = 3) -> Engine:
    params = ModelParams(days=5, population=PopulationParams(members=60))
    return Engine(params, seed=11, replicates=replicates)


def test_silent_days_keeps_members_who_did_not_open_for_n_days():
    engine = small_engine()
    engine.run(hours=80)
    hour = engine.hour
    s = engine.state
    base = select(engine, TargetSpec(), hour)
    for days in (1, 2, 3):
        mask = select(engine, TargetSpec(silent_days=days), hour)
        assert np.array_equal(mask, base & (s.last_open < hour - 24 * days))
    # members who opened recently are never silent; never-opened ones always are
    mask = select(engine, TargetSpec(silent_days=1), hour)
    assert not (mask & (s.last_open >= hour - 24)).any()
    never = base & (s.last_open < 0)
    assert (mask | ~never).all()


def test_member_slots_keep_only_those_slots():
    engine = small_engine()
    mask = select(engine, TargetSpec(member_slots=[3, 7, 59, 10_000, -1]), 0)
    rows, cols = np.nonzero(mask)
    assert set(cols.tolist()) == {3, 7, 59}  # out-of-range slots match no one
    assert np.array_equal(np.bincount(rows, minlength=3), [3, 3, 3])
    both = select(engine, TargetSpec(member_slots=[3, 7], layers=["core"]), 0)
    core = engine.traits.layer[:, [3, 7]] == 0
    assert np.array_equal(both[:, [3, 7]], core)


def test_care_for_named_slots_touches_only_them():
    plan = PlanParams(
        touchpoints=[
            TouchpointSpec(
                type="care", day=1, hour=9, every_days=1, target=TargetSpec(member_slots=[2, 5, 8])
            )
        ]
    )
    params = ModelParams(days=3, population=PopulationParams(members=40), strategy=plan)
    engine = Engine(params, seed=5, replicates=2).run(hours=10)  # up to the firing at 9:00
    touched = engine.state.last_care == engine.hour - 1  # the hour just run's care
    assert touched[:, [2, 5, 8]].all()
    touched[:, [2, 5, 8]] = False
    assert not touched.any()


def test_care_for_the_silent_skips_recent_openers():
    """Silence is measured at the firing: members who opened in the last 24 h are left out."""
    plan = PlanParams(
        touchpoints=[TouchpointSpec(type="care", day=2, hour=23, target=TargetSpec(silent_days=1))]
    )
    params = ModelParams(days=2, population=PopulationParams(members=50), strategy=plan)
    engine = Engine(params, seed=2, replicates=2)
    engine.run(hours=47)
    opened_recently = engine.state.last_open >= 47 - 24
    silent = engine.state.ever_member & ~opened_recently
    engine.step()  # hour 47: the care fires
    touched = engine.state.last_care == engine.hour - 1  # cared for at hour 47
    assert touched.any()
    assert not (touched & opened_recently).any()
    assert not (touched & ~silent).any()
