"""``sim.explain``: the attribution method, the components, the coalition runs and the app.

The model's numbers change with its calibration, so nothing here asserts a model output:
the Shapley arithmetic is tested on synthetic games with known answers, and the runs on
identities that must hold whatever the numbers are (contributions + residual = the paired
difference; a component that does nothing gets exactly 0; shared prefixes give the same
runs as separate ones).
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pandas as pd
import pytest
from factories import run_module

from sim.engine import ModelParams, PlanParams
from sim.engine.params import PopulationParams
from sim.engine.validation import ConfigError
from sim.explain.components import (
    Component,
    Strategy,
    coalition_plan,
    default_components,
    load_labelled,
    named_components,
)
from sim.explain.core import Settings, explain
from sim.explain.run import evaluate, run_coalition, run_tree, template_engine
from sim.explain.shapley import (
    exact_shapley,
    interval,
    orders_masks,
    random_orders,
    sampled_shapley,
)
from sim.plans import plan_from_data

R, M = 5, 2  # replicates and metrics of the synthetic games


def game(n: int, value) -> dict[int, np.ndarray]:
    return {mask: value([k for k in range(n) if mask >> k & 1]) for mask in range(1 << n)}


# ----------------------------------------------------------------------- the arithmetic
def test_additive_game_gives_each_component_its_own_effect():
    rng = np.random.default_rng(0)
    effects = rng.normal(size=(4, R, M))
    values = game(4, lambda s: effects[s].sum(axis=0) if s else np.zeros((R, M)))
    a = exact_shapley(4, values)
    assert np.allclose(a.phi, effects, atol=1e-12)
    assert a.exact and not a.mc_se.any()


def test_efficiency_symmetry_and_null_component_in_a_game_with_interactions():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(5, R, M))

    def value(s):
        if not s:
            return np.zeros((R, M))
        x = np.zeros((R, M))
        for k in s:
            if k != 4:  # component 4 does nothing
                x += w[k]
        if 0 in s and 1 in s:
            x += 3.0  # synergy of 0 and 1, split evenly
        return x**2 / 4

    values = game(5, value)
    a = exact_shapley(5, values)
    total = values[31] - values[0]
    assert np.allclose(a.phi.sum(axis=0), total, atol=1e-12)
    assert np.abs(a.phi[4]).max() == 0.0


def test_sampled_orders_agree_with_exact_within_the_stated_error():
    rng = np.random.default_rng(2)
    n = 6
    w = rng.normal(size=(n, R, M))

    def value(s):
        x = w[s].sum(axis=0) if s else np.zeros((R, M))
        return np.tanh(x) + (0.5 if {0, 3} <= set(s) else 0.0)

    values = game(n, value)
    exact = exact_shapley(n, values)
    orders = random_orders(n, 400, seed=3)
    needed = orders_masks(orders)
    sampled = sampled_shapley(orders, {m: values[m] for m in needed})
    assert not sampled.exact and sampled.orders == 400
    assert (sampled.mc_se > 0).all()
    gap = np.abs(sampled.phi.mean(axis=1) - exact.phi.mean(axis=1))
    assert (gap <= 4 * sampled.mc_se).all()
    # every order's marginals add up to the total: efficiency holds exactly when sampled
    total = values[(1 << n) - 1] - values[0]
    assert np.allclose(sampled.phi.sum(axis=0), total, atol=1e-12)
    # few orders: a larger error, still honest
    few = sampled_shapley(orders[:20], values)
    assert (few.mc_se.mean() > sampled.mc_se.mean()) and np.isfinite(few.mc_se).all()


def test_interval_widens_with_monte_carlo_error():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    mean, low, high = interval(x)
    assert mean == 2.5 and low < 2.5 < high
    _, low2, high2 = interval(x, mc_se=1.0)
    assert high2 - low2 > high - low
    assert interval(np.array([2.0]))[1:] == (2.0, 2.0)


# ----------------------------------------------------------------------- components
BASE = [
    {"type": "broadcast", "day": 1, "hour": 12, "every_days": 1},
    {"type": "offer", "day": 3, "hour": 20, "params": {"price": 699, "duration_hours": 24}},
]
EXTRA = [
    {"type": "care", "day": 1, "hour": 10, "every_days": 1, "target": {"top_k": 10}},
    {"type": "event", "day": 2, "hour": 20},
    {"type": "teaser", "day": 2, "hour": 12},
    # does nothing: stage 6 means "shared", which only buyers reach; bought: false
    {"type": "care", "day": 1, "hour": 9, "target": {"min_stage": 6, "bought": False}},
]


def strategy(entries, name="plan", labels=None) -> Strategy:
    plan = plan_from_data({"name": name, "touchpoints": copy.deepcopy(entries)}, name)
    return Strategy(plan, {}, name, labels or [None] * len(entries))


def test_default_components_are_the_types_that_differ_from_the_baseline():
    s = strategy(BASE + EXTRA)
    base = strategy(BASE, "base").plan
    comps = default_components(s, base)
    assert [(c.name, c.entries) for c in comps] == [
        ("care", [2, 5]),
        ("event", [3]),
        ("teaser", [4]),
    ]
    layered, sop = load_labelled("layered"), load_labelled("sop")
    names = {c.name for c in default_components(layered, sop.plan)}
    assert "shills" not in names  # switched off in layered: never runs, no component
    assert "offer" in names  # layered's offers differ from sop's


def test_labels_and_named_components(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(
        "name: labelled\ntouchpoints:\n"
        "  - {type: broadcast, day: 1, hour: 12, component: noise}\n"
        "  - {type: care, day: 1, hour: 10, component: warmth}\n"
        "  - {type: event, day: 2, hour: 20, component: warmth}\n"
        "  - {type: offer, day: 3, hour: 20}\n",
        encoding="utf-8",
    )
    s = load_labelled(str(path))
    assert s.labels == ["noise", "warmth", "warmth", None]
    comps = default_components(s, strategy(BASE, "base").plan)
    assert [(c.name, c.entries) for c in comps] == [
        ("noise", [0]),
        ("warmth", [1, 2]),
        ("offer", [3]),
    ]
    named = named_components(s, {"w": ["warmth"], "deal": ["offer"], "first": [0]})
    assert [(c.name, c.entries) for c in named] == [("w", [1, 2]), ("deal", [3]), ("first", [0])]
    with pytest.raises(ConfigError, match=r"explain.components.x: 'kol' is no entry index"):
        named_components(s, {"x": ["kol"]})
    with pytest.raises(ConfigError, match="already in component 'a'"):
        named_components(s, {"a": ["care"], "b": [1]})
    with pytest.raises(ConfigError, match="no running entry 9"):
        named_components(s, {"a": ["9"]})


def test_coalition_plans_keep_every_entry_in_its_place():
    s = strategy(BASE + EXTRA)
    comps = [Component("care", [2, 5]), Component("event", [3])]
    plan = coalition_plan(s.plan, comps, 0b10)
    assert len(plan.touchpoints) == len(s.plan.touchpoints)
    assert plan.switches == {"explain:0": False, "explain:1": True}
    assert [t.when for t in plan.touchpoints] == ["", "", "explain:0", "explain:1", "", "explain:0"]
    assert not s.plan.switches  # the plan itself is not changed


# ----------------------------------------------------------------------- runs
def small(plan: PlanParams) -> ModelParams:
    p = ModelParams(days=4, population=PopulationParams(members=60, group_capacity=60))
    p.strategy = plan
    return p


def test_shared_prefix_tree_equals_separate_runs():
    s = strategy(BASE + EXTRA)
    comps = default_components(s, strategy(BASE, "base").plan)
    plans = {m: coalition_plan(s.plan, comps, m) for m in range(8)}
    template = template_engine(small(s.plan), seed=5, replicates=2)
    tree = run_tree(template, plans, 3)
    for mask, plan in plans.items():
        assert np.array_equal(tree[mask], run_coalition(template, plan))
    # a fresh engine of the full plan gives the same run as the template's copy
    from sim.engine import Engine
    from sim.explain.run import outcomes

    fresh = outcomes(Engine(small(plans[7]), seed=5, replicates=2).run())
    assert np.array_equal(fresh, tree[7])
    parallel = evaluate(small(s.plan), 5, 2, {m: plans[m] for m in (0, 3, 6, 7)}, 3, jobs=2)
    assert all(np.array_equal(parallel[m], tree[m]) for m in (0, 3, 6, 7))


def test_decomposition_identities_on_the_engine():
    s = strategy(BASE + EXTRA)
    base = strategy(BASE, "base").plan
    comps = default_components(s, base)
    x = explain(s, comps, small(s.plan), small(base), 2, 3, Settings(jobs=1))
    # plan = baseline + components: removing every component gives the baseline's run
    assert np.array_equal(x.stripped, x.baseline) and not x.residual.any()
    summed = x.attribution.phi.sum(axis=0) + x.residual
    assert np.allclose(summed, x.difference, atol=1e-9)
    assert np.abs(x.difference).sum() > 0  # the plan does something
    # the care entry that reaches nobody changes nothing; alone as a component it gets 0
    comps = named_components(s, {"nobody": [5], "event": ["event"], "warm": [2, 4]})
    x = explain(s, comps, small(s.plan), small(base), 2, 3, Settings(jobs=1))
    assert np.abs(x.attribution.phi[0]).max() == 0.0
    # sampled orders (max_exact below the components) keep efficiency exactly
    y = explain(s, comps, small(s.plan), small(base), 2, 3, Settings(jobs=1, max_exact=2, orders=8))
    assert not y.attribution.exact
    assert np.allclose(y.attribution.phi.sum(axis=0), x.attribution.phi.sum(axis=0), atol=1e-9)


# ----------------------------------------------------------------------- the app
def test_app_writes_the_decomposition(tmp_path):
    plan = tmp_path / "plan.yaml"
    entries = "\n".join(f"  - {e}" for e in map(str, BASE + EXTRA[:2]))
    plan.write_text(f"name: mine\ntouchpoints:\n{entries}\n".replace("'", '"'), encoding="utf-8")
    base = tmp_path / "base.yaml"
    entries = "\n".join(f"  - {e}" for e in map(str, BASE))
    base.write_text(f"name: base\ntouchpoints:\n{entries}\n".replace("'", '"'), encoding="utf-8")
    out = tmp_path / "run"
    result = run_module(
        "sim.explain",
        f"plan={plan}",
        f"baseline={base}",
        "days=4",
        "population.members=40",
        "population.group_capacity=40",
        "replicates=3",
        "explain.jobs=1",
        f"hydra.run.dir={out}",
    )
    assert result.returncode == 0, result.stderr
    for name in ("explain.csv", "explain.md", "waterfall.png", "coalitions.csv"):
        assert (out / name).stat().st_size > 0
    table = pd.read_csv(out / "explain.csv")
    for metric, rows in table.groupby("metric"):
        at = rows.set_index("row")
        assert set(rows.loc[rows["row"] == "component", "name"]) == {"care", "event"}
        assert at.loc["sum", "mean"] == pytest.approx(at.loc["difference", "mean"], abs=1e-9)
        coal = pd.read_csv(out / "coalitions.csv")
        full = coal[coal["components"] == "care+event"][metric].mean()
        assert at.loc["plan", "mean"] == pytest.approx(full)
    assert "| care |" in (out / "explain.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan=nope"], "error: strategy 'nope': no such strategy"),
        (["+explain.components.a=[kol_x]"], "error: explain.components.a: 'kol_x' is no"),
        (["explain.max_exact=20"], "error: explain.max_exact = 20: must be from 0 to 12"),
    ],
)
def test_bad_input_is_one_error_line_and_nothing_written(tmp_path, args, message):
    out = tmp_path / "run"
    result = run_module("sim.explain", *args, f"hydra.run.dir={out}")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert not out.exists()


def test_orders_cover_each_prefix():
    orders = random_orders(4, 10, seed=0)
    masks = set(orders_masks(orders))
    for order in orders:
        for i in range(5):
            assert sum(1 << int(k) for k in order[:i]) in masks
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders)
    assert len(list(itertools.permutations(range(4)))) == 24
