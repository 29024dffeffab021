"""The classic limits (``purchase.model = threshold | cascade``) checked against NDlib.

- Linear threshold: deterministic once thresholds and first adopters are fixed, so the
  engine and NDlib's ``ThresholdModel`` must give the same adopters member for member, and
  in the same round, on the same graph (the members' graph of each replicate).
- Independent cascade: random, so the final sizes of 400 engine replicates and 400 NDlib
  ``IndependentCascadesModel`` runs on one fixed graph (an edge-list file) must be
  indistinguishable: two-sided Kolmogorov-Smirnov and Mann-Whitney tests, each at level 0.01.
  The same tests must reject a cascade run with another probability (they have power).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from factories import run_module
from ndlib.models import ModelConfig  # ndlib is in the dev extra: these checks never skip
from ndlib.models.epidemics import IndependentCascadesModel, ThresholdModel
from scipy import stats

from sim.engine import ConfigError, Engine, ModelParams
from sim.engine.params import ClassicParams, GraphParams, PopulationParams, PurchaseParams

ALPHA = 0.01  # level of the two-sample tests


def classic_params(model: str, members: int = 150, days: int = 2, **kw) -> ModelParams:
    graph = kw.pop("graph", GraphParams())
    return ModelParams(
        days=days,
        population=PopulationParams(members=members, group_capacity=members),
        graph=graph,
        purchase=PurchaseParams(model=model),
        classic=ClassicParams(**kw),
    )


def member_graph(e: Engine, r: int) -> nx.Graph:
    return e.graphs[r].subgraph(range(e.members)).copy()


def ndlib_threshold_rounds(
    g: nx.Graph, theta: np.ndarray, seeds: list[int], rounds: int
) -> dict[int, int]:
    """Round at which each node adopts under NDlib's ThresholdModel (seeds: round 0)."""
    model = ThresholdModel(g, seed=0)
    config = ModelConfig.Configuration()
    config.add_model_initial_configuration("Infected", seeds)
    for node in g.nodes:
        config.add_node_configuration("threshold", node, float(theta[node]))
    model.set_initial_status(config)
    adopted = {n: 0 for n in seeds}
    model.iteration()  # iteration 0: the initial status
    for k in range(1, rounds + 1):
        result = model.iteration()
        for node, status in result["status"].items():
            if status == 1 and node not in adopted:
                adopted[node] = k
    return adopted


def engine_rounds(e: Engine, r: int) -> dict[int, int]:
    s = e.state
    every = e.params.classic.round_hours
    buyers = np.flatnonzero(s.bought[r, : e.members])
    return {int(m): int(s.buy_hour[r, m]) // every for m in buyers}


def write_edgelist(path: Path, g: nx.Graph) -> None:
    lines = ["source,target"] + [f"n{a:03d},n{b:03d}" for a, b in g.edges]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------- threshold
@pytest.mark.parametrize(
    ("graph", "thresholds", "seeding"),
    [
        (GraphParams(kind="holme_kim"), "uniform", "degree"),
        (GraphParams(kind="small_world", mean_degree=6), "beta", "random"),
        (GraphParams(kind="sbm", blocks=4, mixing=0.2), "fixed", "degree"),
        (GraphParams(kind="complete"), "uniform", "random"),
    ],
)
def test_threshold_matches_ndlib_member_for_member(graph, thresholds, seeding):
    params = classic_params(
        "threshold",
        graph=graph,
        thresholds=thresholds,
        threshold_mean=0.25,
        seeding=seeding,
        seed_count=8,
    )
    e = Engine(params, seed=3, replicates=3).run()
    rounds = e.hours - 1  # hour 0 seeds, one round per later hour
    spread = 0
    for r in range(e.replicates):
        theta = e.classic_state.theta[r]
        seeds = [int(m) for m in np.flatnonzero(e.state.buy_hour[r, : e.members] == 0)]
        assert len(seeds) == 8
        ours = engine_rounds(e, r)
        theirs = ndlib_threshold_rounds(member_graph(e, r), theta, seeds, rounds)
        assert ours == theirs  # the same adopters, each in the same round
        spread += len(ours) - len(seeds)
    assert spread > 0  # the comparison is not trivial: adoption spread beyond the seeds


def test_threshold_from_files_on_an_edge_list_matches_ndlib(tmp_path):
    g = nx.powerlaw_cluster_graph(120, 3, 0.4, seed=5)
    write_edgelist(tmp_path / "edges.csv", g)
    rng = np.random.default_rng(11)
    theta = rng.uniform(0.05, 0.6, 120)
    rows = ["member,threshold"] + [f"{m},{float(t)!r}" for m, t in enumerate(theta)]
    (tmp_path / "theta.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "seeds.csv").write_text("member\n0\n7\n42\n99\n", encoding="utf-8")
    params = classic_params(
        "threshold",
        members=120,
        graph=GraphParams(kind="edgelist", edgelist_path=str(tmp_path / "edges.csv")),
        thresholds="file",
        threshold_file=str(tmp_path / "theta.csv"),
        seeding="file",
        seed_file=str(tmp_path / "seeds.csv"),
        round_hours=2,
    )
    params.population.outside_ratio = 0.0
    e = Engine(params, seed=0, replicates=1).run()
    assert np.array_equal(e.classic_state.theta[0, :120], theta)
    ours = engine_rounds(e, 0)
    theirs = ndlib_threshold_rounds(member_graph(e, 0), theta, [0, 7, 42, 99], e.hours // 2)
    assert ours == theirs
    assert len(ours) > 4
    # round_hours = 2: adoptions happen on even hours only
    assert set(np.unique(e.state.buy_hour[0][e.state.bought[0]]) % 2) == {0}


# ----------------------------------------------------------------------- cascade
def ndlib_cascade_sizes(g: nx.Graph, seeds: list[int], p: float, runs: int) -> np.ndarray:
    sizes = []
    edges = {edge: p for edge in g.edges}
    for run in range(runs):
        model = IndependentCascadesModel(g, seed=run)  # NDlib seeds numpy's global generator
        config = ModelConfig.Configuration()
        config.add_model_initial_configuration("Infected", seeds)
        config.add_edge_set_configuration("threshold", edges)
        model.set_initial_status(config)
        while True:
            result = model.iteration()
            if result["node_count"].get(1, 0) == 0 and result["iteration"] > 0:
                break
        sizes.append(sum(1 for s in model.status.values() if s != 0))
    return np.asarray(sizes)


def cascade_engine(edges: Path, p: float, runs: int, seed: int = 1) -> Engine:
    params = classic_params(
        "cascade",
        members=100,
        graph=GraphParams(kind="edgelist", edgelist_path=str(edges)),
        cascade_prob=p,
        seeding="degree",
        seed_count=3,
    )
    params.population.outside_ratio = 0.0
    return Engine(params, seed=seed, replicates=runs).run()


def test_cascade_final_sizes_match_ndlib(tmp_path):
    g = nx.powerlaw_cluster_graph(100, 2, 0.3, seed=2)
    write_edgelist(tmp_path / "edges.csv", g)
    runs, p = 400, 0.15
    e = cascade_engine(tmp_path / "edges.csv", p, runs)
    ours = e.state.bought[:, : e.members].sum(axis=1)
    seeds = [int(m) for m in np.flatnonzero(e.state.buy_hour[0, : e.members] == 0)]
    assert len(seeds) == 3
    # the same first adopters in every replicate (same graph, top 3 by degree)
    assert (e.state.buy_hour[:, seeds] == 0).all()
    # every cascade ended well before the campaign's last round
    assert e.recorder.purchases[-24:].sum() == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ndlib_cascade_sizes(member_graph(e, 0), seeds, p, runs)
    assert np.std(ours) > 0 and np.std(theirs) > 0
    assert stats.ks_2samp(ours, theirs).pvalue > ALPHA
    assert stats.mannwhitneyu(ours, theirs).pvalue > ALPHA
    # power: the same tests tell a cascade with p = 0.22 from NDlib's with p = 0.15
    other = cascade_engine(tmp_path / "edges.csv", 0.22, runs)
    louder = other.state.bought[:, : other.members].sum(axis=1)
    assert stats.ks_2samp(louder, theirs).pvalue < ALPHA
    assert stats.mannwhitneyu(louder, theirs).pvalue < ALPHA


def test_cascade_extremes_are_exact():
    params = classic_params("cascade", cascade_prob=1.0, seed_count=2, seeding="random")
    e = Engine(params, seed=4, replicates=2).run()
    for r in range(2):
        g = member_graph(e, r)
        seeds = np.flatnonzero(e.state.buy_hour[r, : e.members] == 0)
        reach = set().union(*(nx.node_connected_component(g, int(m)) for m in seeds))
        assert set(np.flatnonzero(e.state.bought[r])) == reach
        # p = 1: adoption round = graph distance to the nearest first adopter
        dist = nx.multi_source_dijkstra_path_length(g, {int(m) for m in seeds})
        assert engine_rounds(e, r) == dist
    params.classic.cascade_prob = 0.0
    e = Engine(params, seed=4, replicates=2).run()
    assert (e.state.bought.sum(axis=1) == 2).all()


def test_outside_contacts_never_adopt_and_revenue_is_adopters_at_list_price():
    params = classic_params("threshold", thresholds="fixed", threshold_mean=0.0)
    e = Engine(params, seed=0, replicates=2).run()
    assert e.slots > e.members
    assert not e.state.bought[:, e.members :].any()
    buyers = e.state.bought.sum(axis=1)
    assert np.allclose(e.recorder.revenue.sum(axis=0), buyers * params.product.list_price)
    # threshold 0: every member with a member neighbour adopts in round 1
    has_tie = e.state.neighbours_member[:, : e.members] > 0
    assert np.array_equal(
        e.state.bought[:, : e.members], has_tie | (e.state.buy_hour[:, : e.members] == 0)
    )


def test_same_seed_same_thresholds_and_first_adopters():
    a = Engine(classic_params("threshold", seeding="random"), seed=9, replicates=2).run()
    b = Engine(classic_params("threshold", seeding="random"), seed=9, replicates=2).run()
    c = Engine(classic_params("threshold", seeding="random"), seed=10, replicates=2).run()
    assert np.array_equal(a.classic_state.theta, b.classic_state.theta)
    assert np.array_equal(a.state.bought, b.state.bought)
    assert not np.array_equal(a.classic_state.theta, c.classic_state.theta)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"seeding": "best"}, "classic.seeding = 'best': allowed values are degree, random, file"),
        ({"seed_count": 999}, "classic.seed_count = 999"),
        ({"round_hours": 0}, "classic.round_hours = 0: must be at least 1"),
        ({"thresholds": "file", "threshold_file": "nope.csv"}, "threshold_file='nope.csv': no"),
        ({"threshold_mean": 1.5, "thresholds": "fixed"}, "classic.threshold_mean = 1.5"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Engine(classic_params("threshold", **settings))


def test_bad_threshold_file_is_one_clear_error_and_nothing_written(tmp_path):
    bad = tmp_path / "theta.csv"
    bad.write_text("member,threshold\n0,0.2\n1,1.7\n", encoding="utf-8")
    out = tmp_path / "run"
    result = run_module(
        "sim",
        "strategy=threshold",
        "classic.thresholds=file",
        f"classic.threshold_file={bad}",
        f"hydra.run.dir={out}",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: classic.threshold_file=")
    assert "line 3: threshold = '1.7': must be a number from 0 to 1" in lines[0]
    assert not out.exists()
