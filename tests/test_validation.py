"""Bad configs and plans stop with one clear message naming the field and what is allowed."""

from __future__ import annotations

import dataclasses

import pytest
from factories import small_params

from sim.engine import ConfigError, Engine
from sim.engine.graph import GraphInputError
from sim.engine.params import GraphParams, HerdParams, PopulationParams, ProductParams


def error_of(params) -> str:
    with pytest.raises((ConfigError, GraphInputError)) as info:
        Engine(params, seed=0, replicates=1)
    return str(info.value)


def test_unknown_touchpoint_type_lists_the_allowed_ones():
    msg = error_of(small_params([{"type": "telepathy", "day": 1}]))
    assert "touchpoints[0].type = 'telepathy'" in msg
    assert "broadcast" in msg and "referral_campaign" in msg


def test_day_outside_the_campaign():
    msg = error_of(small_params([{"type": "broadcast", "day": 40}], days=33))
    assert "touchpoints[0] (broadcast).day = 40" in msg and "1 to 33" in msg


def test_bad_touchpoint_parameter_and_target():
    msg = error_of(small_params([{"type": "care", "day": 1, "params": {"trust_gain": 2}}]))
    assert "params.trust_gain = 2" in msg and "at most 1" in msg
    msg = error_of(small_params([{"type": "care", "day": 1, "params": {"warmth": 1}}]))
    assert "unknown field(s) warmth" in msg and "trust_gain" in msg
    msg = error_of(small_params([{"type": "care", "day": 1, "target": {"layers": ["vip"]}}]))
    assert "target.layers[0] = 'vip'" in msg and "peripheral" in msg
    msg = error_of(small_params([{"type": "offer", "day": 1, "params": {"price": -3}}]))
    assert "price" in msg


def test_negative_price_and_shares_above_one():
    p = small_params([])
    assert "product.list_price = -5" in error_of(
        dataclasses.replace(p, product=ProductParams(list_price=-5))
    )
    msg = error_of(dataclasses.replace(p, herd=HerdParams(group_weight=1.5)))
    assert "herd.group_weight = 1.5" in msg and "between 0 and 1" in msg
    shares = PopulationParams(members=200, group_capacity=260, layer_shares=[0.5, 0.6, 0.1])
    assert "population.layer_shares" in error_of(dataclasses.replace(p, population=shares))


def test_edge_list_missing_malformed_and_good(tmp_path):
    p = small_params([], members=10, days=1)
    missing = dataclasses.replace(
        p, graph=GraphParams(kind="edgelist", edgelist_path=str(tmp_path / "no.csv"))
    )
    assert "no such file" in error_of(missing)
    bad = tmp_path / "bad.csv"
    bad.write_text("from,to\n1,2\n")
    msg = error_of(
        dataclasses.replace(p, graph=GraphParams(kind="edgelist", edgelist_path=str(bad)))
    )
    assert "'source' and 'target'" in msg and "bad.csv" in msg
    big = tmp_path / "big.csv"
    big.write_text("source,target\n" + "\n".join(f"n{i},n{i + 1}" for i in range(30)))
    msg = error_of(
        dataclasses.replace(p, graph=GraphParams(kind="edgelist", edgelist_path=str(big)))
    )
    assert "31 nodes" in msg
    good = tmp_path / "good.csv"
    good.write_text("source,target\na,b\nb,c\nc,a\nd,a\n")
    e = Engine(dataclasses.replace(p, graph=GraphParams(kind="edgelist", edgelist_path=str(good))))
    assert e.adjacency.nnz == 8 and e.degree[0, 0] == 3  # 'a' is slot 0 with three ties


def test_unknown_graph_kind():
    p = small_params([])
    assert "allowed values are holme_kim" in error_of(
        dataclasses.replace(p, graph=GraphParams(kind="tree"))
    )


def test_plan_switches_turn_entries_on_and_off():
    plan = [{"type": "shills", "day": 1, "when": "shills", "params": {"duration_hours": 10}}]
    params = small_params(plan, days=1)
    params.strategy.switches = {"shills": False}
    off = Engine(params, seed=1).run()
    params.strategy.switches = {"shills": True}
    on = Engine(params, seed=1).run()
    assert off.recorder.messages[..., 2].sum() == 0 < on.recorder.messages[..., 2].sum()
    params.strategy.switches = {}
    assert "no such switch" in error_of(params)


def test_plan_entries_are_checked_even_when_switched_off():
    plan = [{"type": "shills", "day": 40, "when": "shills"}]
    params = small_params(plan, days=33)
    params.strategy.switches = {"shills": False}
    assert "day = 40" in error_of(params)
    params = small_params([{"type": "broadcast", "day": 1, "hours": [8, 8]}])
    assert "an hour may appear only once" in error_of(params)
    params = small_params([])
    params.strategy.switches = {"shills": "off"}
    assert "switches.shills = 'off': expected true or false" in error_of(params)
