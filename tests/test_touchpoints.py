"""Each touchpoint type does what the ODD (section 7.4) says, against the same seed without it."""

from __future__ import annotations

import numpy as np
from factories import small_params

from sim.engine import Engine
from sim.engine.params import ScarcityParams
from sim.engine.state import FEED_MEMBER
from sim.engine.touchpoints import REGISTRY

BASE = [{"type": "broadcast", "day": 1, "hour": 8, "every_days": 1}]


def run(plan, days=4, seed=3, replicates=3, hours=None, **kw):
    e = Engine(small_params(BASE + plan, days=days, **kw), seed=seed, replicates=replicates)
    return e.run(hours)


def test_group_broadcast_is_read_by_openers_only_and_adds_fatigue():
    plan = [{"type": "broadcast", "day": 1, "hours": [9, 10, 11, 12, 13, 14], "every_days": 1}]
    quiet, loud = run([]), run(plan)
    assert loud.recorder.messages[..., 0].sum() > quiet.recorder.messages[..., 0].sum()
    assert loud.state.fatigue.mean() > quiet.state.fatigue.mean()
    assert loud.state.broadcasts_read.sum() > quiet.state.broadcasts_read.sum()
    never_opened = loud.state.present & (loud.state.last_open < 0)
    assert (loud.state.broadcasts_read[never_opened] == 0).all()


def test_care_is_capped_by_capacity_and_raises_trust_by_need():
    plan = [{"type": "care", "day": 1, "hour": 10, "target": {"top_k": 500, "rank_by": "need"}}]
    e = Engine(small_params(BASE + plan, days=1), seed=1, replicates=2)
    e.run(10)
    before = e.state.trust.copy()
    e.step()  # hour 10: care fires
    capacity = e.params.operator.staff * e.params.operator.care_per_staff_per_day
    touched = e.state.last_care == e.hour - 1  # cared for in the hour just run
    assert (touched.sum(axis=1) == capacity).all()
    assert (e.state.care_left == 0).all()
    gain = REGISTRY["care"].Params().trust_gain  # a first conversation gives the full gain
    expected = before + gain * e.traits.need * (1 - before)
    # trust of the cared may move further in the same hour (reading), never less
    assert (e.state.trust[touched] >= expected[touched] - 1e-12).all()
    # the ones ranked highest by need were chosen
    for r in range(2):
        chosen = e.traits.need[r][touched[r]].min()
        others = e.traits.need[r][e.state.present[r] & ~touched[r]].max()
        assert chosen >= others


def test_content_loses_value_when_piled_up():
    one = run([{"type": "content", "day": 2, "hour": 19, "params": {"reach": 1.0}}], days=3)
    many = run(
        [{"type": "content", "day": 2, "hours": [16, 17, 18, 19], "params": {"reach": 1.0}}], days=3
    )
    assert many.state.content_load.max() > one.state.content_load.max()
    # four pieces in four hours give less than four times the trust gain of one
    base = run([], days=3)
    gain_one = (one.state.trust - base.state.trust).sum()
    gain_many = (many.state.trust - base.state.trust).sum()
    assert gain_one > 0 and gain_many < 4 * gain_one


def test_event_draws_trusting_online_members_and_a_burst_of_posts():
    plan = [{"type": "event", "day": 2, "hour": 20, "params": {"min_trust": 0.2}}]
    with_event, without = run(plan, days=2), run([], days=2)
    posts = lambda e: e.recorder.messages[44:47, :, 1].sum()  # noqa: E731
    assert posts(with_event) > 1.5 * posts(without)
    excited = with_event.state.excitement > 0
    assert excited.any()
    assert (with_event.state.mem_peak[excited] >= 0.8 * 0.5 ** (4 / 24) - 1e-9).all()


def test_teaser_raises_anticipation_and_visits():
    plan = [{"type": "teaser", "day": 1, "hour": 7, "params": {"anticipation": 1.0}}]
    teased, plain = run(plan, days=1), run([], days=1)
    assert teased.recorder.opens[8:20].sum() > plain.recorder.opens[8:20].sum()


def test_ugc_prompt_makes_members_talk():
    plan = [{"type": "ugc_prompt", "day": 1, "hour": 12, "params": {"duration_hours": 8}}]
    talk, quiet = run(plan, days=1), run([], days=1)
    assert talk.state.feed[..., FEED_MEMBER].sum() > 1.3 * quiet.state.feed[..., FEED_MEMBER].sum()


def test_kol_cultivation_marks_influence_members():
    plan = [
        {
            "type": "kol_cultivation",
            "day": 1,
            "hour": 11,
            "target": {"layers": ["influence"], "top_k": 4, "rank_by": "centrality"},
        }
    ]
    e = run(plan, days=1)
    assert (e.state.kol.sum(axis=1) == 4).all()
    assert (e.traits.layer[e.state.kol] == 1).all()


def test_shills_inflate_the_herd_signal_and_risk_exposure():
    shill = {
        "type": "shills",
        "day": 1,
        "hour": 9,
        "params": {"accounts": 5, "posts_per_hour": 1.0, "duration_hours": 48},
    }
    safe = dict(shill, params=dict(shill["params"], detect_prob=0.0))
    risky = dict(shill, params=dict(shill["params"], detect_prob=0.3, leave_prob=1.0))
    none, hidden, exposed = run([]), run([safe]), run([risky])
    assert hidden.state.seen_purchases.sum() > none.state.seen_purchases.sum()
    assert hidden.recorder.messages[..., 2].sum() > 0 == none.recorder.messages[..., 2].sum()
    assert not hidden.state.shill_detected.any()
    assert exposed.state.shill_detected.any()
    found = exposed.state.shill_detected
    assert (exposed.state.status[found] == 2).all()  # leave_prob 1: every discoverer left
    assert exposed.recorder.money[-1].min() > 0  # the accounts cost money


def test_referral_brings_friends_in_until_the_group_is_full():
    plan = [
        {
            "type": "referral_campaign",
            "day": 1,
            "hour": 9,
            "params": {"duration_hours": 72, "invite_prob": 0.5, "min_stage": 0, "reward": 5},
        }
    ]
    e = run(plan, days=4)
    joined = e.state.join_hour > 0
    assert joined.any()
    assert (e.state.present.sum(axis=1) <= e.params.population.group_capacity).all()
    assert (e.state.stage[joined & ~e.state.bought] <= 4).all()
    assert np.allclose(e.state.money, 5 * joined.sum(axis=1))


def test_private_offer_reaches_only_its_targets():
    plan = [
        {
            "type": "offer",
            "day": 1,
            "hour": 9,
            "target": {"layers": ["core"]},
            "params": {"price": 1, "duration_hours": 1, "announce": "private"},
        }
    ]
    params = small_params(
        plan, days=1, list_price_on_sale=False, scarcity=ScarcityParams(notice_prob=0.0)
    )  # pinned notice unseen
    e = Engine(params, seed=2, replicates=3).run(10)
    saw = e.state.seen_offer >= 0
    assert saw.any() and (e.traits.layer[saw] == 0).all()
