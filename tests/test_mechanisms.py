"""Mechanisms of docs/ODD.md, section 7, checked in isolation on the same seed."""

from __future__ import annotations

import dataclasses

import numpy as np
from factories import small_params

from sim.engine import Engine, ModelParams
from sim.engine.effects import experience
from sim.engine.params import PurchaseParams
from sim.engine.state import flat, members_of
from sim.engine.step import herd_pull
from sim.plans import load_plan


def _conversion(e: Engine) -> float:
    return float((e.state.bought & e.state.ever_member).sum() / e.state.ever_member.sum())


def test_no_herd_pull_before_anyone_buys():
    e = Engine(small_params([], days=1), seed=1, replicates=2)
    members = members_of(e.state.present)
    assert (herd_pull(e, members) == 0).all()
    e.state.seen_purchases[:] = 50.0  # everyone saw many purchase posts
    pull = herd_pull(e, members)
    assert (pull > 0).mean() > 0.9
    assert (pull <= flat(e.traits.conformity)[members] + 1e-12).all()


def test_stronger_herd_converts_more():
    base = ModelParams(strategy=load_plan("sop"))
    weak = dataclasses.replace(base, purchase=PurchaseParams(herd=0.0))
    strong = dataclasses.replace(base, purchase=PurchaseParams(herd=5.0))
    conversions = [_conversion(Engine(p, seed=4, replicates=5).run()) for p in (weak, base, strong)]
    assert conversions[0] < conversions[1] < conversions[2]


def test_peak_end_memory_weights_first_peak_and_final():
    e = Engine(small_params([], days=1), seed=1)
    s = e.state
    who = np.arange(3)  # the first three slots of replicate 0
    for value in (0.2, -0.9, 0.5, 0.05):  # first, peak (most intense), final, too faint
        experience(e, who, value)
    memory = s.memory(np.arange(e.slots), (0.2, 0.4, 0.4))
    np.testing.assert_allclose(memory[:3], 0.2 * 0.2 + 0.4 * -0.9 + 0.4 * 0.5)
    assert (memory[3:] == 0).all()  # no moments, no memory


def test_fatigue_mutes_heavy_readers():
    plan = [{"type": "broadcast", "day": 1, "hours": list(range(7, 23)), "every_days": 1}]
    e = Engine(small_params(plan, days=5), seed=2, replicates=2).run()
    dormant = e.state.status == 1
    assert dormant.any()
    assert e.traits.activity[dormant].mean() > e.traits.activity[e.state.status == 0].mean()
