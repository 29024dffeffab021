"""Plan files: the shipped plans load and run, mirror the strategies, and the mapping holds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from sim.engine import ConfigError, Engine
from sim.engine.schedule import compile_plan
from sim.engine.touchpoints import REGISTRY
from sim.engine.validation import build
from sim.planfile import LoadedPlan, PlanErrors, load
from sim.planfile.vocabulary import TOUCHPOINTS, all_words
from sim.plans import load_plan

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted((ROOT / "configs" / "plans").glob("*.yaml"))
TEMPLATES = [
    "fission-group",
    "new-user-group",
    "training-camp",
    "delivery-group",
    "fan-group",
    "local-group",
    "experience-officers",
]


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_examples_and_templates_are_shipped():
    names = {p.stem for p in PLANS}
    assert {"sop", "layered", "busy-operator", *TEMPLATES} <= names
    for name in TEMPLATES:  # each template says what it is for and what to change
        head = (ROOT / "configs" / "plans" / f"{name}.yaml").read_text(encoding="utf-8")
        comments = " ".join(line for line in head.splitlines() if line.startswith("#"))
        assert "TEMPLATE" in comments and "For:" in comments and "Change:" in comments


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_shipped_plan_loads_and_runs(path: Path):
    plan = load(path)
    assert isinstance(plan, LoadedPlan)
    assert plan.params.strategy.touchpoints, "a shipped plan has a calendar"
    assert len(plan.entries) == len(plan.params.strategy.touchpoints)
    engine = Engine(plan.params, seed=3, replicates=1).run(hours=30)
    assert engine.hour == 30


@pytest.mark.parametrize("name", ["sop", "layered"])
def test_operator_plans_mirror_the_strategies(name: str):
    """configs/plans/{sop,layered}.yaml fire exactly what configs/plans/strategies/ fires."""
    mine = load(ROOT / "configs" / "plans" / f"{name}.yaml").params
    theirs = load_plan(name)
    if hasattr(theirs, "list_price_on_sale"):  # until it moves to product (issue 8)
        assert mine.product.list_price_on_sale == theirs.list_price_on_sale
        assert mine.strategy.list_price_on_sale == theirs.list_price_on_sale
    assert mine.strategy.switches == theirs.switches

    def firings(plan):
        return [
            (f.unit.name, f.start, f.end, f.params, f.target)
            for f in compile_plan(plan, mine.days).all()
        ]

    assert firings(mine.strategy) == firings(theirs)
    on = dataclasses.replace(mine.strategy, switches={k: True for k in mine.strategy.switches})
    theirs_on = dataclasses.replace(theirs, switches={k: True for k in theirs.switches})
    assert firings(on) == firings(theirs_on)


def test_every_word_maps_to_valid_settings_of_its_type():
    for word, w in all_words().items():
        assert w.type in REGISTRY, word
        params = build(REGISTRY[w.type].Params, dict(w.settings), word)
        for key, value in w.settings.items():
            assert getattr(params, key) == value


def test_trade_words_become_engine_touchpoints(tmp_path: Path):
    plan = load(
        write(
            tmp_path,
            """
days: 10
product: {list_price: 500, anchor_price: 800, offer_price: 400}
calendar:
  - {what: Opening  Ceremony, day: 1, at: "20:00", minutes: 30}
  - {what: notice, day: 1, at: [8, "12:00"], every_days: 2, until_day: 9}
  - {what: limited-time offer, day: 5, at: 21, quota: 30}
  - {what: last-chance offer, day: 9, at: 20, to: not yet bought, price: 450}
  - what: care
    day: 2
    to: {layers: [peripheral], active_within_days: 1.5, silent_for_days: 0, by: ties, top: 7}
  - {what: one-to-one care, day: 3, to: {silent_for_days: 3, stage_from: 1, stage_to: 4}}
""",
        )
    )
    tps = plan.params.strategy.touchpoints
    assert [t.type for t in tps] == ["event", "broadcast", "offer", "offer", "care", "care"]
    assert tps[0].hour == 20 and tps[0].params == {
        **TOUCHPOINTS["opening ceremony"].settings,
        "minutes": 30,
    }
    assert tps[1].hours == [8, 12] and (tps[1].every_days, tps[1].until_day) == (2, 9)
    assert tps[2].params == {"price": 400, "anchor": 800, "quota": 30}
    assert tps[3].params["announce"] == "private" and tps[3].params["price"] == 450
    assert tps[3].target.bought is False
    t = tps[4].target
    assert (t.layers, t.active_within_hours, t.rank_by, t.top_k) == (
        ["peripheral"],
        36,
        "degree",
        7,
    )
    t = tps[5].target
    assert (t.silent_days, t.min_stage, t.max_stage) == (3, 1, 4)
    assert [e.word for e in plan.entries][:2] == ["opening ceremony", "notice"]


def test_community_team_and_product_reach_the_engine(tmp_path: Path):
    plan = load(
        write(
            tmp_path,
            """
days: 12
community: {members: 300, groups: 2, group_size: 200, max_groups: 3, core_share: 0.1,
            influence_share: 0.3, peripheral_share: 0.6, ties: small world,
            ties_per_member: 6, outside_friends: 0.5}
team: {people: 3, care_per_person_per_day: 25, minutes_per_person_per_day: 300,
       cost_per_hour: 90, currency: EUR, budget: 1000}
product: {list_price: 250, on_sale_outside_offers: false}
""",
        )
    )
    p = plan.params
    assert p.days == 12
    assert (p.population.members, p.population.groups, p.population.group_capacity) == (300, 2, 200)
    assert p.population.max_groups == 3 and p.population.outside_ratio == 0.5
    assert p.population.layer_shares == [0.1, 0.3, 0.6]
    assert (p.graph.kind, p.graph.mean_degree) == ("small_world", 6)
    op = p.operator
    assert (op.staff, op.care_per_staff_per_day, op.minutes_per_staff_per_day) == (3, 25, 300)
    assert op.wage_per_minute == pytest.approx(1.5) and op.money_budget == 1000
    assert (p.product.list_price, p.product.list_price_on_sale) == (250, False)
    assert plan.currency == "EUR"
    assert plan.warnings  # no calendar: said so


def test_an_edge_list_names_members(tmp_path: Path):
    (tmp_path / "ties.csv").write_text(
        "source,target\nann,bob\nbob,cat\ncat,dan\ndan,eve\neve,ann\nann,cat\n",
        encoding="utf-8",
    )
    plan = load(
        write(
            tmp_path,
            "community: {edge_list: ties.csv}\n"
            "calendar:\n  - {what: care, day: 1, at: 9, to: {members: [eve, bob]}}\n",
        )
    )
    assert plan.params.population.members == 5
    assert plan.params.graph.kind == "edgelist"
    assert plan.member_ids == ["ann", "bob", "cat", "dan", "eve"]
    assert plan.params.strategy.touchpoints[0].target.member_slots == [1, 4]
    assert plan.edge_list == (tmp_path / "ties.csv").resolve()
    engine = Engine(plan.params, seed=0, replicates=1).run(hours=10)  # care fires at 9:00
    touched = set((engine.state.last_care[0] == 9).nonzero()[0].tolist())  # cared for at 9:00
    assert touched <= {1, 4} and touched  # care reached the named members only


def test_errors_are_config_errors_with_every_problem(tmp_path: Path):
    path = write(tmp_path, "days: 0\nteam: {people: -1}\ncalendar: [{what: notise}]\n")
    with pytest.raises(ConfigError) as caught:
        load(path)
    err = caught.value
    assert isinstance(err, PlanErrors)
    assert [p.field for p in err.problems] == ["days", "team.people", "calendar[0].what"]
    assert [p.line for p in err.problems] == [1, 2, 3]
    assert all(p.file == str(path) for p in err.problems)
    assert err.problems[2].suggestion == "did you mean 'notice'?"
    assert "notice" in err.problems[2].allowed
    assert len(str(err).splitlines()) == 3


def test_the_examples_are_plain_yaml():
    for path in PLANS:
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)
