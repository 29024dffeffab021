"""The nine calibration targets (``sim.analysis.patterns``) and the Bass curve check."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import patterns
from sim.engine import Engine, ModelParams
from sim.engine.params import PopulationParams, PurchaseParams
from sim.plans import load_plan


@pytest.fixture(scope="module")
def measured():
    """Every variant the nine targets need, 20 replicates each, paired on one seed.

    The benchmark (``benchmarks/calibration.py``) uses seed 0; this test uses another seed,
    so the defaults are checked on members, graphs and draws they were not tuned on.
    """
    return patterns.measure(seed=2026, replicates=20)


def test_1_sop_converts_8_to_12_percent(measured):
    assert 0.08 <= measured["t1"]["sop"] <= 0.12


def test_2_layered_converts_twice_sop_in_a_burst(measured):
    assert measured["t2"]["ratio"] >= 2
    assert measured["t2"]["window"] >= 0.40


def test_3_sop_daily_active_day14_at_most_half_day3(measured):
    assert measured["t3"]["day14"] <= 0.5 * measured["t3"]["day3"]


def test_4_no_layer_converts_above_90_percent(measured):
    assert max(measured["t4"]["sop"] + measured["t4"]["layered"]) <= 0.90


def test_5_members_go_dormant_or_leave_under_every_plan(measured):
    assert 0.05 <= measured["t5"]["layered"] <= 0.30
    assert measured["t5"]["sop"] > measured["t5"]["layered"]


def test_6_groups_die_under_sop(measured):
    t6 = measured["t6"]
    assert t6["sop_quiet"] >= 7
    assert 0.08 <= t6["sop_conversion"] <= 0.12
    assert t6["layered_quiet"] < t6["sop_quiet"]


def test_7_reach_is_earned_through_the_right_people(measured):
    low = measured["t7"]["targeted_minus_random"][1]
    assert low > 0
    staff = measured["t7"]["staff"]
    assert staff[2] < staff[4] < staff[8]
    assert staff[4] - staff[2] > staff[8] - staff[4]


def test_8_peers_carry_the_periphery(measured):
    shares = measured["t8"]
    assert shares["peripheral"]["peers"] > 0.5
    assert sum(shares["core"][s] for s in patterns.OPERATOR_SOURCES) > 0.5


def test_9_price_matters(measured):
    high = measured["t9"]["price_up_minus_default"][2]
    assert high < 0


def bass_curve(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t)."""
    decay = np.exp(-(p + q) * t)
    return (1 - decay) / (1 + (q / p) * decay)


@pytest.mark.parametrize(("p", "q"), [(0.01, 0.3), (0.03, 0.15)])
def test_bass_mode_follows_the_bass_curve(p, q):
    params = ModelParams(
        population=PopulationParams(members=2000, group_capacity=2000),
        purchase=PurchaseParams(model="bass", bass_p=p, bass_q=q),
        strategy=load_plan("bass"),
    )
    params.purchase.model, params.purchase.bass_p, params.purchase.bass_q = "bass", p, q
    e = Engine(params, seed=8, replicates=20).run()
    share = np.cumsum(e.recorder.purchases, axis=0) / e.state.ever_member.sum(axis=1)
    by_day = share[23::24].mean(axis=1)
    expected = bass_curve(np.arange(1, params.days + 1), p, q)
    assert np.abs(by_day - expected).max() <= 0.03
    # and it is not trivially close: a different q is visibly off the curve
    assert np.abs(by_day - bass_curve(np.arange(1, params.days + 1), p, 2 * q)).max() > 0.03
