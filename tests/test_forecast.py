"""``sim.forecast``: common random numbers, CELF, the report's figures, bad input."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from factories import run_module

from sim.engine import Engine
from sim.engine.schedule import touchpoint_spec
from sim.forecast.care import kinds, with_care, without_care
from sim.forecast.celf import celf, greedy
from sim.forecast.loading import baseline_params, load_plan
from sim.forecast.runs import Scenario, fork, run_chunk, run_engine, run_scenarios
from sim.forecast.scenarios import counterfactuals, deadline_not_real

DATA = Path(__file__).parent / "data"
TINY = str(DATA / "forecast_tiny.yaml")
TINY_BASE = str(DATA / "forecast_tiny_base.yaml")


@pytest.fixture(scope="module")
def tiny():
    plan = load_plan(TINY)
    base, source, _ = baseline_params(plan.params, TINY_BASE)
    scenarios = [
        Scenario("plan", plan.params.strategy, plan.source),
        Scenario("baseline", base.strategy, source),
    ]
    return plan.params, scenarios


# ------------------------------------------------------------------ common random numbers
def test_fork_runs_like_a_fresh_engine(tiny):
    params, scenarios = tiny
    base = Engine(params, seed=4, replicates=2)
    other = scenarios[1].strategy
    forked = run_engine(fork(base, other))
    fresh_params = baseline_params(params, TINY_BASE)[0]
    fresh = run_engine(Engine(fresh_params, seed=4, replicates=2))
    for key in ("buyers", "revenue", "cost"):
        assert np.array_equal(forked.metrics[key], fresh.metrics[key])
    assert np.array_equal(forked.daily_purchases, fresh.daily_purchases)


def test_replicate_k_of_a_batch_equals_replicate_k_alone(tiny):
    params, scenarios = tiny
    batch = run_chunk(params, scenarios, 2, (0, 3))
    alone = run_chunk(params, scenarios, 2, (2, 1))
    for name in ("plan", "baseline"):
        a, b = batch[name], alone[name]
        assert a.metrics["buyers"][2] == b.metrics["buyers"][0]
        assert a.metrics["revenue"][2] == b.metrics["revenue"][0]
        assert np.array_equal(a.daily_purchases[:, 2], b.daily_purchases[:, 0])
        assert np.array_equal(a.care_demand[:, 2], b.care_demand[:, 0])


def test_results_do_not_depend_on_the_split(tiny):
    params, scenarios = tiny
    one = run_scenarios(params, scenarios, seed=1, replicates=4, n_jobs=1, chunk=4)
    ticks: list[int] = []
    two = run_scenarios(
        params, scenarios, seed=1, replicates=4, n_jobs=2, chunk=1, progress=ticks.append
    )
    assert sum(ticks) == 4 * len(scenarios) * params.days  # every campaign-day reported
    for name in one:
        for key, values in one[name].metrics.items():
            assert np.array_equal(values, two[name].metrics[key], equal_nan=True), (name, key)
        assert np.array_equal(one[name].funnel, two[name].funnel)
        assert np.array_equal(one[name].sold_out_hour, two[name].sold_out_hour)


def test_care_meter_counts_what_capacity_drops(tiny):
    params, scenarios = tiny
    run = run_chunk(params, scenarios[:1], 0, (0, 2))["plan"]
    cap = params.operator.staff * params.operator.care_per_staff_per_day
    assert (run.care_used <= cap).all()
    assert (run.care_demand >= run.care_used).all()
    assert (run.care_demand[:8] > cap).any()  # the tiny plan asks for more than 5 a day
    assert (run.care_used[8:] == 0).all()  # no care after day 8


# ------------------------------------------------------------------ scenarios and targets
def test_counterfactuals_of_the_tiny_plan():
    plan = load_plan(TINY).params.strategy
    extra = counterfactuals(plan, 12)
    assert set(extra) == {"no_shills", "shills_exposed", "no_deadline", "no_quota"}
    assert not any(t.type == "shills" for t in extra["no_shills"].touchpoints)
    offers = [t for t in extra["no_quota"].touchpoints if t.type == "offer"]
    assert all(t.params["quota"] == 0 for t in offers)
    assert not deadline_not_real(load_plan("sop").params.strategy, 33)


def test_ids_and_kind_targets_select_only_those_members(tiny):
    params, _ = tiny
    engine = Engine(params, seed=0, replicates=2)
    bare = without_care(params.strategy)
    cands = kinds(engine)
    assert cands
    from sim.engine.params import TargetSpec
    from sim.engine.targeting import select

    chosen = select(engine, TargetSpec(member_slots=[3, 7]), 0)
    assert set(np.flatnonzero(chosen.any(axis=0))) <= {3, 7}
    for cand in cands[:3]:
        mask = select(engine, TargetSpec(**cand.target), 0)
        degree, need = engine.degree[mask], engine.traits.need[mask]
        t = cand.target
        assert (degree >= t["min_degree"]).all()
        assert t["max_degree"] == 0 or (degree <= t["max_degree"]).all()
        assert ((need >= t["min_need"]) & (need <= t["max_need"])).all()
    plan = with_care(bare, [], [])
    assert not any(t.type == "care" for t in plan.touchpoints)


# ------------------------------------------------------------------ CELF
def _coverage(seed: int, n: int = 7, items: int = 15):
    rng = np.random.default_rng(seed)
    covers = [set(np.flatnonzero(rng.random(items) < 0.3)) for _ in range(n)]
    weight = rng.random(items)  # distinct weights: no ties
    calls = []

    def value(s):
        covered = set().union(*(covers[c] for c in s)) if s else set()
        return np.array([sum(weight[i] for i in covered)] * 3)  # 3 identical "replicates"

    def evaluate(sets):
        calls.append(len(sets))
        return [value(s) for s in sets]

    return value, evaluate, calls


@pytest.mark.parametrize("seed", range(8))
def test_celf_picks_what_brute_force_greedy_picks(seed):
    n, k = 7, 4
    value, evaluate, _ = _coverage(seed, n)
    lazy = celf(n, evaluate, k)
    plain = greedy(n, _coverage(seed, n)[1], k)
    # The same picks while they gain anything (once all is covered, every candidate ties
    # at 0 and either may come first), and the same value after every pick.
    for a, b in zip(lazy.picks, plain.picks, strict=True):
        assert a.total == pytest.approx(b.total)
        if b.gain > 1e-12:
            assert a.candidate == b.candidate
    assert lazy.evaluations <= plain.evaluations
    # Brute force: the first pick is the best single candidate, and each reported gain is
    # the set's value after the pick minus before.
    best_single = max(range(n), key=lambda c: value((c,)).mean())
    assert lazy.picks[0].candidate == best_single
    chosen = ()
    for p in lazy.picks:
        before = value(chosen).mean()
        chosen = (*chosen, p.candidate)
        assert p.gain == pytest.approx(value(chosen).mean() - before)
    # Greedy on coverage is within 1 - 1/e of the best set of k (checked by brute force).
    best = max(value(s).mean() for s in itertools.combinations(range(n), k))
    assert lazy.picks[-1].total >= (1 - 1 / np.e) * best - 1e-9


# ------------------------------------------------------------------ the command
@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("forecast") / "run"
    done = run_module(
        "sim.forecast",
        f"plan={TINY}",
        f"baseline={TINY_BASE}",
        "replicates=6",
        "chunk=3",
        "seed=5",
        "care.top=2",
        "care.replicates=3",
        "progress=false",
        f"hydra.run.dir={out}",
    )
    assert done.returncode == 0, done.stderr
    return out, json.loads((out / "forecast.json").read_text()), (out / "report.html").read_text()


def test_forecast_figures_match_the_runs(forecast_run, tiny):
    _, f, _ = forecast_run
    params, scenarios = tiny
    runs = run_scenarios(params, scenarios, seed=5, replicates=6, n_jobs=1, chunk=6)
    for who in ("plan", "baseline"):
        buyers = runs[who].metrics["buyers"]
        assert f["per_replicate"][who]["buyers"] == buyers.tolist()
        stat = f["outcomes"][who]["buyers"]
        assert stat["mean"] == pytest.approx(buyers.mean())
        assert stat["pi80"] == pytest.approx(np.quantile(buyers, [0.1, 0.9]).tolist())
        assert stat["pi95"] == pytest.approx(np.quantile(buyers, [0.025, 0.975]).tolist())
        revenue = runs[who].metrics["revenue"]
        assert f["outcomes"][who]["revenue"]["mean"] == pytest.approx(revenue.mean())
        daily = f["daily_purchases"][who]["mean"]
        assert daily == pytest.approx(runs[who].daily_purchases.mean(axis=1).tolist())
        assert sum(daily) == pytest.approx(buyers.mean())  # no referral joins in the tiny plan
    plan_b, base_b = runs["plan"].metrics["buyers"], runs["baseline"].metrics["buyers"]
    assert f["beats_baseline"]["share"] == pytest.approx(float(np.mean(plan_b > base_b)))
    lo, hi = f["beats_baseline"]["ci95"]
    assert lo <= f["beats_baseline"]["share"] <= hi
    w = f["workload"]["plan"]
    assert w["care_capacity_per_day"] == 5
    assert w["care_held_mean"] == pytest.approx(runs["plan"].care_used.mean(axis=1).tolist())
    kinds_ = {x["kind"] for x in f["warnings"]}
    assert {"capacity", "shills", "deadline"} <= kinds_
    cap = next(x for x in f["warnings"] if x["kind"] == "capacity")
    dropped = np.maximum(runs["plan"].care_demand - runs["plan"].care_used, 0).mean(axis=1)
    assert cap["days"] == [d + 1 for d in np.flatnonzero(dropped >= 0.5)]
    funnel = f["funnel"]["plan"]
    for layer in funnel.values():
        assert all(a >= b for a, b in itertools.pairwise(layer))  # a funnel narrows


def test_report_shows_the_forecast_figures(forecast_run):
    _, f, page = forecast_run
    for who in ("plan", "baseline"):
        stat = f["outcomes"][who]["buyers"]
        assert f"{stat['mean']:,.1f}" in page
        assert f"{stat['pi80'][0]:,.1f} to {stat['pi80'][1]:,.1f}" in page
    assert f"{100 * f['beats_baseline']['share']:.0f}%" in page
    for w in f["warnings"]:
        assert w["text"].replace("'", "&#x27;") in page
    assert len(re.findall(r'<img alt="figure" src="data:image/png;base64,', page)) >= 4
    # Self-contained: nothing loaded from anywhere.
    assert not re.search(r'(src|href)=["\'](?!data:)', page)
    assert "<script" not in page
    assert 'name="viewport"' in page or "name='viewport'" in page
    ranking = f["care_ranking"]
    assert len(ranking["picks"]) == 2
    for pick in ranking["picks"]:
        assert pick["label"].replace("·", "·") in page
        lo, hi = pick["gain_ci95"]
        assert lo <= pick["gain"] <= hi
    total = sum(p["gain"] for p in ranking["picks"])
    assert ranking["picks"][-1]["cumulative_gain"] == pytest.approx(total)


def _no_output(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("plan", ["missing/plan.yaml", "BROKEN", "UNKNOWN_TYPE", ""])
def test_bad_input_is_one_error_line_exit_2_and_nothing_written(tmp_path, plan):
    # What each message must name (the loader's wording may change; the culprit may not).
    expected = {"missing/plan.yaml": "missing/plan.yaml", "": "plan"}.get(plan)
    if plan == "BROKEN":
        path = tmp_path / "broken.yaml"
        path.write_text("name: x\ntouchpoints: [ {type: broadcast\n")
        plan, expected = str(path), path.name
    elif plan == "UNKNOWN_TYPE":
        path = tmp_path / "typo.yaml"
        path.write_text("name: x\ncalendar:\n  - {what: broadcst, day: 1}\n")
        plan, expected = str(path), "broadcst"
    out = tmp_path / "out"
    done = run_module(
        "sim.forecast", f"plan={plan}", "progress=false", f"hydra.run.dir={out}", timeout=120
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in done.stderr
    assert _no_output(out)


def test_a_bad_baseline_stops_before_anything_runs(tmp_path):
    out = tmp_path / "out"
    done = run_module(
        "sim.forecast",
        f"plan={TINY}",
        "baseline=nosuchplan",
        "progress=false",
        f"hydra.run.dir={out}",
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "nosuchplan" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert _no_output(out)


def test_the_baseline_runs_for_the_plans_days_and_says_what_it_leaves_out():
    plan = load_plan(TINY)
    plan.params.days = 10
    base, _, warnings = baseline_params(plan.params, "sop")  # sop's offer is on day 20
    kinds_left = [touchpoint_spec(tp, "").type for tp in base.strategy.touchpoints]
    assert "offer" not in kinds_left and {"broadcast", "content"} <= set(kinds_left)
    assert warnings == [
        "baseline sop runs for the plan's 10 days; left out, as they would start later: "
        "offer on day 20"
    ]
    base, _, warnings = baseline_params(plan.params, "layered")  # repeats past day 10 stop
    assert all(touchpoint_spec(tp, "").until_day <= 10 for tp in base.strategy.touchpoints)
    assert len(warnings) == 2 and "stopped on day 10: care until day 24" in warnings[1]
    plan.params.days = 33
    base, _, warnings = baseline_params(plan.params, "sop")
    assert "offer" in [touchpoint_spec(tp, "").type for tp in base.strategy.touchpoints]
    assert warnings == []


@pytest.mark.parametrize(
    "template",
    sorted(p.stem for p in (Path(__file__).parents[1] / "configs" / "plans").glob("*.yaml")),
)
def test_every_shipped_template_can_be_forecast_against_the_default_baseline(template):
    from sim.forecast.__main__ import ForecastConfig, prepare

    root = Path(__file__).parents[1]
    ready = prepare(ForecastConfig(plan=str(root / "configs" / "plans" / f"{template}.yaml")))
    assert [sc.name for sc in ready["scenarios"][:2]] == ["plan", "baseline"]
    days = ready["params"].days
    for sc in ready["scenarios"]:
        assert all(touchpoint_spec(tp, "").day <= days for tp in sc.strategy.touchpoints)


def test_forecast_intervals_stay_within_what_a_figure_can_take():
    from sim.forecast.figures import spread

    few = np.array([0.0, 0.0, 30.0])  # three campaigns: a t-interval reaches far below 0
    assert spread(few, "buyers")["ci95"][0] == 0.0
    assert spread(few, "revenue")["ci95"][0] == 0.0
    assert spread(np.array([-1.0, -1.0, 5.0]), "roi")["ci95"][0] == -1.0
    assert spread(np.array([0.0, 0.0, 0.9]), "conversion_rate")["ci95"][0] == 0.0
    unbounded = spread(few, "something_else")["ci95"][0]
    assert unbounded < 0  # a figure without known bounds keeps its t-interval


# ------------------------------------------------------------------ the ranking, simulated
def test_simulated_ranking_matches_brute_force(tiny):
    from sim.forecast.care import Evaluator, care_slots, rank_care

    params, _ = tiny
    ranking = rank_care(params, seed=3, replicates=2, top=2, n_jobs=1)
    assert ranking["by"] == "kinds"
    engine = Engine(params, seed=3, replicates=min(2, 4))
    cands = kinds(engine)
    bare, slots = without_care(params.strategy), care_slots(params.strategy)
    evaluate = Evaluator(params, 3, 2, n_jobs=1)
    empty, *singles = evaluate(
        [with_care(bare, slots, [])] + [with_care(bare, slots, [c.target]) for c in cands]
    )
    gains = [float(np.mean(v - empty)) for v in singles]
    first = ranking["picks"][0]
    assert first["gain"] == pytest.approx(max(gains))
    assert first["label"] == cands[gains.index(max(gains))].label
    # The second pick's reported gain is the simulated gain of adding it to the first.
    picked = [next(c for c in cands if c.label == p["label"]) for p in ranking["picks"]]
    (both,) = evaluate([with_care(bare, slots, [c.target for c in picked])])
    (one,) = evaluate([with_care(bare, slots, [picked[0].target])])
    assert ranking["picks"][1]["gain"] == pytest.approx(float(np.mean(both - one)))
    assert ranking["no_care_buyers"] == pytest.approx(float(np.mean(empty)))


def test_ranking_by_member_id_on_an_edge_list(tiny, tmp_path):
    import dataclasses

    from sim.forecast.care import rank_care

    params, _ = tiny
    edges = tmp_path / "ties.csv"
    rows = ["source,target"] + [f"m{i},m{(i + 1) % 60}" for i in range(60)]
    rows += [f"m{i},m{(i * 7) % 60}" for i in range(0, 60, 3) if (i * 7) % 60 != i]
    edges.write_text("\n".join(rows) + "\n")
    graph = dataclasses.replace(params.graph, kind="edgelist", edgelist_path=str(edges))
    ranking = rank_care(
        dataclasses.replace(params, graph=graph), seed=0, replicates=2, top=2, n_jobs=1, pool=4
    )
    assert ranking["by"] == "members" and ranking["candidates"] == 4
    assert len(ranking["picks"]) == 2
    ids = [p["target"]["member_slots"] for p in ranking["picks"]]
    assert all(len(i) == 1 and 0 <= i[0] < 60 for i in ids) and ids[0] != ids[1]
    assert ranking["picks"][0]["label"] == f"member {ids[0][0]}"
