"""The Mesa face: agents on the network, a view over one engine replicate, collectors."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.engine import LAYERS, ConfigError, Engine, ModelParams, PlanParams, TouchpointSpec
from sim.engine.params import AdvocacyParams, PopulationParams, TargetSpec
from sim.mesa_view.agents import Member
from sim.mesa_view.model import MODEL_REPORTERS, CommunityModel

MEMBERS = 200
DAYS = 8


def busy_plan() -> PlanParams:
    """A short plan that exercises most of the engine: notices, care, an event, an offer
    and a referral campaign (so members also join mid-run)."""
    return PlanParams(
        name="test",
        touchpoints=[
            TouchpointSpec(type="broadcast", day=1, hours=[8, 20], every_days=1),
            TouchpointSpec(
                type="care",
                day=1,
                hour=10,
                every_days=1,
                target=TargetSpec(rank_by="centrality", top_k=20),
            ),
            TouchpointSpec(type="event", day=2, hour=20),
            TouchpointSpec(
                type="referral_campaign",
                day=3,
                hour=12,
                params={"invite_prob": 0.2, "min_stage": 1, "duration_hours": 72},
            ),
            TouchpointSpec(
                type="offer",
                day=4,
                hour=20,
                params={"price": 599, "anchor": 1299, "duration_hours": 48},
            ),
        ],
    )


def small_params(days: int = DAYS, members: int = MEMBERS, **population) -> ModelParams:
    return ModelParams(
        days=days,
        population=PopulationParams(members=members, **population),
        strategy=busy_plan(),
    )


@pytest.fixture(scope="module")
def model_after_two_days() -> CommunityModel:
    model = CommunityModel(small_params(), seed=3)
    model.run(48)
    return model


def test_agents_sit_on_their_slots_cell_and_neighbours_match_the_graph():
    model = CommunityModel(small_params(), seed=5)
    graph = model.engine.graphs[0]
    assert len(model.members) == MEMBERS
    assert {m.slot for m in model.members} == set(range(MEMBERS))
    # Every slot has a cell (outside contacts included); only members' cells are occupied.
    assert len(list(model.network)) == model.engine.slots
    assert model.grid is model.network  # where Mesa's visualization looks for the space
    for cell in model.network:
        expected = [model.member(cell.coordinate)] if cell.coordinate < MEMBERS else []
        assert cell.agents == expected
    for member in model.members:
        assert member.cell is model.network[member.slot]
        mesa_neighbours = {c.coordinate for c in member.cell.neighborhood}
        assert mesa_neighbours == set(graph.neighbors(member.slot))
        # ... and equal the ties the engine's dynamics actually use.
        row = model.engine.adjacency[member.slot]
        assert mesa_neighbours == set(row.indices[row.data > 0].tolist())
        assert member.degree == len(mesa_neighbours)


def test_agent_attributes_read_the_engine_arrays(model_after_two_days):
    model = model_after_two_days
    e, s, tr = model.engine, model.engine.state, model.engine.traits
    assert e.hour == 48
    memory = s.memory(np.arange(e.slots), (0.2, 0.4, 0.4))  # replicate 0's slots
    assert np.abs(memory).max() > 0  # the event and care left memories to read
    for m in model.members:
        k = m.slot
        assert m.trust == s.trust[0, k]
        assert m.stage == s.stage[0, k]
        assert m.layer == LAYERS[tr.layer[0, k]]
        assert m.status == ("active", "dormant", "left")[s.status[0, k]]
        assert m.need == tr.need[0, k]
        assert m.reservation_price == pytest.approx(tr.price_ratio[0, k] * 999.0)
        assert m.conformity == tr.conformity[0, k]
        assert m.activity == tr.activity[0, k]
        assert m.fatigue == s.fatigue[0, k]
        assert m.memory == pytest.approx(memory[k])
        assert m.bought == s.bought[0, k]
        assert m.shared == s.shared[0, k]
        assert m.trust_threshold == tr.trust_threshold[0, k]
        assert m.herd_threshold == tr.herd_threshold[0, k]
        assert m.centrality == e.centrality[0, k]
        assert isinstance(m.trust, float) and isinstance(m.bought, bool)


def test_setting_trust_writes_the_array_and_moves_the_ladder():
    model = CommunityModel(small_params(), seed=2)
    low = next(m for m in model.members if m.stage == 0)
    low.trust = 0.95
    assert model.engine.state.trust[0, low.slot] == 0.95
    model.step()  # the engine's ladder reads the written trust
    assert low.stage >= 4
    with pytest.raises(ValueError, match="between 0 and 1"):
        low.trust = 1.5


@pytest.mark.parametrize(("seed", "replicate"), [(11, 0), (11, 2)])
def test_the_view_runs_the_same_campaign_as_the_batch_engine(seed, replicate):
    hours = 5 * 24
    params = small_params()
    model = CommunityModel(params, seed=seed, replicate=replicate)
    model.run(hours)
    batch = Engine(params, seed=seed, replicates=replicate + 2).run(hours)
    s, b = model.engine.state, batch.state
    assert b.bought[replicate].any()  # the comparison covers purchases
    for name in ("trust", "bought", "stage", "status", "fatigue"):
        np.testing.assert_array_equal(getattr(s, name)[0], getattr(b, name)[replicate])
    # ... and the agents show exactly those arrays.
    slots = np.array([m.slot for m in model.members])
    np.testing.assert_array_equal([m.trust for m in model.members], b.trust[replicate, slots])
    np.testing.assert_array_equal([m.bought for m in model.members], b.bought[replicate, slots])
    np.testing.assert_array_equal([m.stage for m in model.members], b.stage[replicate, slots])


def test_replicates_differ():
    a = CommunityModel(small_params(), seed=11, replicate=0)
    b = CommunityModel(small_params(), seed=11, replicate=1)
    assert not np.array_equal(a.engine.state.trust, b.engine.state.trust)


def test_datacollector_has_one_row_per_hour_and_the_model_stops_at_the_end():
    days = 6
    model = CommunityModel(small_params(days=days), seed=4)
    assert model.running
    model.run_model()  # Mesa's own loop: steps while running
    hours = days * 24
    assert not model.running
    assert model.steps == hours and model.hour == hours
    frame = model.datacollector.get_model_vars_dataframe()
    expected = {
        "hour",
        "day",
        "present",
        "buyers",
        "conversion",
        "purchases",
        "active_status",
        "dormant",
        "left",
        "messages_operator",
        "messages_members",
        "messages_shills",
        *(f"stage_{k}" for k in range(7)),
    }
    assert expected <= set(frame.columns)
    assert set(MODEL_REPORTERS) == set(frame.columns)
    # One row for the initial state and one per step (hour).
    assert len(frame) == hours + 1
    assert frame["hour"].tolist() == list(range(hours + 1))
    assert frame["day"].iloc[-1] == days and frame["day"].iloc[1] == 1
    rec = model.engine.recorder
    np.testing.assert_array_equal(frame["purchases"].to_numpy()[1:], rec.purchases[:, 0])
    np.testing.assert_array_equal(frame["messages_operator"].to_numpy()[1:], rec.messages[:, 0, 0])
    assert frame["buyers"].iloc[-1] == frame["purchases"].sum() > 0
    stages = frame[[f"stage_{k}" for k in range(7)]].sum(axis=1)
    np.testing.assert_array_equal(stages, frame["present"])
    np.testing.assert_array_equal(frame["present"], frame["active_status"] + frame["dormant"])
    agents = model.datacollector.get_agent_vars_dataframe()
    assert list(agents.columns) == ["trust", "stage", "layer", "status", "bought"]
    per_step = agents.groupby(level="Step").size()
    assert len(per_step) == hours + 1
    assert per_step.iloc[-1] == len(model.members)
    # Stepping past the end is a no-op, not an error.
    model.step()
    assert model.hour == hours and len(model.datacollector.model_vars["hour"]) == hours + 1


def test_batch_run_over_seeds_and_member_counts():
    rows = mesa.batch_run(
        CommunityModel,
        parameters={"members": [100, 150], "days": 20, "strategy": "sop"},
        rng=[1, 2],
        max_steps=10,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    assert set(frame["RunId"]) == {0, 1, 2, 3}
    runs = frame.groupby("RunId").agg(
        seed=("seed", "first"),
        ever=("ever_members", "first"),
        agents=("AgentID", "size"),
        hour=("hour", "first"),
    )
    assert sorted(zip(runs["seed"], runs["ever"], strict=True)) == [
        (1, 100),
        (1, 150),
        (2, 100),
        (2, 150),
    ]
    assert (runs["hour"] == 10).all()
    assert (runs["agents"] == runs["ever"]).all()  # one row per agent at the last step


def test_referrals_add_agents_for_members_who_join_mid_run():
    params = small_params(days=6, members=MEMBERS, group_capacity=300)
    params.advocacy = AdvocacyParams(join_prob=0.3)
    params.strategy = PlanParams(
        name="referral",
        touchpoints=[
            TouchpointSpec(
                type="referral_campaign",
                day=1,
                hour=9,
                params={"invite_prob": 0.3, "min_stage": 0, "duration_hours": 96},
            )
        ],
    )
    model = CommunityModel(params, seed=8)
    assert len(model.members) == MEMBERS
    model.run()
    ever = int(model.engine.state.ever_member[0].sum())
    assert ever > MEMBERS
    assert len(model.members) == ever
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame["joins"].sum() == ever - MEMBERS
    joined = [m for m in model.members if m.slot >= MEMBERS]
    assert len(joined) == ever - MEMBERS
    for m in joined:
        assert isinstance(m, Member) and m.join_hour > 0
        assert m.cell.coordinate == m.slot and m.cell.agents == [m]
    # The agent count in the collector grows with the joins.
    per_step = model.datacollector.get_agent_vars_dataframe().groupby(level="Step").size()
    assert per_step.iloc[0] == MEMBERS and per_step.iloc[-1] == ever
    assert per_step.is_monotonic_increasing


def test_overrides_apply_to_a_copy_and_strategies_load_by_name():
    params = small_params()
    model = CommunityModel(params, seed=1, members=120, days=21, strategy="sop")
    assert model.params.population.members == 120 and model.params.days == 21
    assert model.params.strategy.name == "sop"
    assert all(isinstance(t, TouchpointSpec) for t in model.params.strategy.touchpoints)
    assert params.population.members == MEMBERS and params.strategy.name == "test"
    # A bigger group than the default capacity fits: capacity follows the override.
    big = CommunityModel(seed=1, members=600, days=1, strategy=PlanParams(name="empty"))
    assert big.params.population.group_capacity == 600 and len(big.members) == 600
    with pytest.raises(ConfigError, match="no such strategy"):
        CommunityModel(strategy="no_such_plan")


def test_a_strategy_file_sets_its_plan_and_its_model_settings(tmp_path):
    plan_file = tmp_path / "fully_mixed.yaml"
    plan_file.write_text(
        "# @package _global_\n"
        "purchase: {model: bass, bass_q: 0.5}\n"
        "days: 40\n"
        "strategy:\n"
        "  name: fully_mixed\n"
        "  touchpoints: [{type: broadcast, day: 1, hour: 8}]\n",
        encoding="utf-8",
    )
    model = CommunityModel(small_params(), seed=1, strategy=str(plan_file), days=3)
    p = model.params
    assert p.strategy.name == "fully_mixed" and len(p.strategy.touchpoints) == 1
    assert p.purchase.model == "bass" and p.purchase.bass_q == 0.5
    assert p.purchase.intercept == ModelParams().purchase.intercept  # the rest is kept
    assert p.days == 3  # the keyword override wins over the file
    model.run()
    assert not model.running and model.hour == 72


def test_seed_none_draws_a_seed_and_same_seed_repeats():
    drawn = CommunityModel(small_params(), seed=None)
    assert isinstance(drawn.seed, int)
    a = CommunityModel(small_params(), seed=9).run(48)
    b = CommunityModel(small_params(), seed=9).run(48)
    pd.testing.assert_frame_equal(
        a.datacollector.get_model_vars_dataframe(), b.datacollector.get_model_vars_dataframe()
    )
