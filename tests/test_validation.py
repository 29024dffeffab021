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


# ----------------------------------------------------------------------- bounds beside fields
def _number_fields(cls, prefix=""):
    import typing

    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            yield from _number_fields(tp, f"{prefix}{f.name}.")
        elif tp in (int, float, list[float], list[int]):
            yield prefix + f.name, f.metadata


def test_every_number_field_declares_its_bounds_beside_it():
    from sim.engine.params import ModelParams
    from sim.engine.touchpoints import REGISTRY

    fields = list(_number_fields(ModelParams))
    for unit in REGISTRY.values():
        fields += list(_number_fields(unit.Params, f"{unit.name}."))
    assert len(fields) > 80
    missing = [
        name
        for name, meta in fields
        if not any(meta.get(k) is not None for k in ("min", "max", "gt", "lt"))
    ]
    assert missing == []


def test_choices_declared_in_params_match_the_engine():
    from sim.engine.graph import GRAPH_KINDS
    from sim.engine.params import RANK_BY
    from sim.engine.targeting import RANK_KEYS

    assert GraphParams.__dataclass_fields__["kind"].metadata["choices"] == GRAPH_KINDS
    assert RANK_BY == RANK_KEYS


def test_defaults_pass_and_nan_or_inf_never_does():
    from sim.engine.validation import check_model

    p = small_params([])
    check_model(p)
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ConfigError, match="finite"):
            check_model(dataclasses.replace(p, herd=HerdParams(group_scale=bad)))


@pytest.mark.parametrize(
    ("replace", "named"),
    [
        (
            {"population": PopulationParams(members=200, need_concentration=-1)},
            "need_concentration",
        ),
        ({"graph": GraphParams(mean_degree=0.0)}, "graph.mean_degree"),
        ({"graph": GraphParams(kind="sbm", blocks=500)}, "graph.blocks"),
        ({"days": 0}, "days"),
    ],
)
def test_out_of_range_values_are_named(replace, named):
    msg = error_of(dataclasses.replace(small_params([]), **replace))
    assert named in msg


def test_whole_numbers_refuse_nan_and_huge_values():
    from sim.engine.validation import build

    for bad in (float("nan"), 2**64, 1.5, True):
        with pytest.raises(ConfigError, match="quota"):
            build(
                __import__("sim.engine.offer_book", fromlist=["OfferTerms"]).OfferTerms,
                {"quota": bad},
                "p",
            )


def test_messages_quote_a_short_excerpt_of_the_value():
    from sim.engine.validation import build

    with pytest.raises(ConfigError) as info:
        build(ProductParams, {"list_price": "x" * 10_000}, "f.yaml:")
    assert len(str(info.value)) < 200 and "..." in str(info.value)


def test_text_with_terminal_escapes_is_refused():
    from sim.plans import plan_from_data

    with pytest.raises(ConfigError, match="control characters"):
        plan_from_data({"name": "\x1b]0;pwned\x07", "touchpoints": []}, "p.yaml")


def test_empty_collections_of_the_wrong_kind_are_not_read_as_defaults():
    from sim.plans import plan_from_data

    with pytest.raises(ConfigError, match="touchpoints must be a list"):
        plan_from_data({"name": "x", "touchpoints": {}}, "p.yaml")
    with pytest.raises(ConfigError, match="params"):
        small = small_params([{"type": "care", "day": 1, "params": []}])
        Engine(small, seed=0, replicates=1)


def test_hour_is_checked_even_beside_hours():
    msg = error_of(small_params([{"type": "care", "day": 1, "hours": [9], "hour": 99}]))
    assert "hour = 99" in msg


# ----------------------------------------------------------------------- memory
def test_a_run_too_big_for_the_memory_is_refused_with_the_estimate():
    from sim.engine.validation import check_size, memory_estimate

    p = small_params([])
    small, big = memory_estimate(p, 1), memory_estimate(p, 1000)
    assert 0 < small < big
    check_size(p, 1, available=small * 2)
    with pytest.raises(ConfigError) as info:
        check_size(p, 1000, available=small * 2)
    assert "replicates = 1000" in str(info.value) and "memory" in str(info.value)


def test_estimate_grows_with_every_size_setting():
    from sim.engine.validation import memory_estimate

    p = small_params([])
    base = memory_estimate(p, 2)
    assert memory_estimate(dataclasses.replace(p, days=60), 2) > base
    more = dataclasses.replace(p, population=PopulationParams(members=400, group_capacity=460))
    assert memory_estimate(more, 2) > base
    sbm = dataclasses.replace(p, graph=GraphParams(kind="sbm", blocks=150))
    assert memory_estimate(sbm, 2) > base


# ----------------------------------------------------------------------- YAML and edge lists
def test_plan_files_with_alias_bombs_or_deep_nesting_are_refused(tmp_path):
    from sim.plans import load_plan

    bomb = tmp_path / "bomb.yaml"
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 8)]
    bomb.write_text("\n".join(rows) + "\nname: x\n")
    with pytest.raises(ConfigError, match="aliases"):
        load_plan(str(bomb))
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: x\ntouchpoints: " + "[" * 2000 + "]" * 2000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_plan(str(deep))


def test_edge_lists_with_bom_duplicate_columns_or_only_self_loops(tmp_path):
    from sim.engine.graph import read_edgelist

    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfsource,target\n1,2\n")
    assert read_edgelist(str(bom), 4).number_of_edges() == 1
    dup = tmp_path / "dup.csv"
    dup.write_text("source,target,target\n1,2,3\n")
    with pytest.raises(GraphInputError, match="twice"):
        read_edgelist(str(dup), 4)
    loops = tmp_path / "loops.csv"
    loops.write_text("source,target\n1,1\n2,2\n")
    with pytest.raises(GraphInputError, match="self-loop"):
        read_edgelist(str(loops), 4)
