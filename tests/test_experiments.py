"""Named experiments (``configs/experiment/<name>.yaml``) and ``python -m sim.experiment``.

Composition is checked with Hydra's compose API (``+experiment=<name>``, the Hydra config
included, so the sweeper's parameters can be read); every point of every sweep is built into
an engine (not run). One experiment runs end to end on a tiny group.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from factories import run_module
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.config import to_model_params
from sim.engine import Engine
from sim.experiment import experiment_files, listing, main
from sim.plans import load_plan
from sim.sweep.read import parse_override

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = str(ROOT / "configs")
SWEEPS = ("herd_strength", "time_vs_quantity", "shills_exposure", "peak_timing")
TINY = ["population.members=60", "replicates=1"]


def _compose(overrides: list[str], name: str = "config", *, hydra: bool = False):
    """The composed config; with ``hydra``, Hydra's own node too (sweeper, sweep dir)."""
    with initialize_config_dir(config_dir=CONFIGS, version_base="1.3"):
        return compose(config_name=name, overrides=overrides, return_hydra_config=hydra)


def _points(params) -> list[list[str]]:
    """Every job's overrides of a sweep (``hydra.sweeper.params``), as the basic sweeper."""
    parser = OverridesParser.create()
    lists = []
    for o in parser.parse_overrides([f"{k}={v}" for k, v in params.items()]):
        key = o.get_key_element()
        lists.append([f"{key}={v}" for v in o.sweep_string_iterator()])
    return [list(p) for p in itertools.product(*lists)]


@pytest.mark.parametrize("name", SWEEPS)
def test_sweep_experiment_composes_and_every_point_builds(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # plan files are named relative to the project root
    cfg = _compose([f"+experiment={name}"], hydra=True)
    exp = cfg.experiment
    assert exp.name == name and exp.question.endswith("?")
    assert exp.output == f"results/{name}"
    assert cfg.hydra.sweep.dir == f"results/{name}"
    assert cfg.replicates == 20 and cfg.population.members == 500 and cfg.figures is False
    params = cfg.hydra.sweeper.params
    assert params
    points = _points(params)
    assert 4 <= len(points) <= 10
    baseline = parse_override(exp.baseline)  # a key=value of the sweep, parsed as Hydra does
    parsed = [[parse_override(o) for o in point] for point in points]
    values = [v for point in parsed for k, v in point if k == baseline[0]]
    assert baseline[1] in values
    assert sum(baseline in point for point in parsed) == len(points) // len(set(values))
    for point in points:
        params, seed, replicates = to_model_params(_compose([f"+experiment={name}", *point, *TINY]))
        Engine(params, seed=seed, replicates=replicates)  # the engine accepts every point


def test_sweep_parameters_reach_the_model():
    herd = _compose(["+experiment=herd_strength", "strategy=layered", "purchase.herd=1.25"])
    params, _, _ = to_model_params(herd)
    assert params.purchase.herd == 1.25 and params.strategy.name == "layered"
    shills = _compose(
        [
            "+experiment=shills_exposure",
            "+plan_edit.switches.shills=true",
            "+plan_edit.touchpoints.13.params.detect_prob=0.1",
        ]
    )
    params, _, _ = to_model_params(shills)
    entry = params.strategy.touchpoints[13]
    assert entry.type == "shills" and entry.when == "shills"  # the swept entry is the shills'
    assert entry.params["detect_prob"] == 0.1 and params.strategy.switches["shills"] is True


def test_plan_variants_differ_from_layered_only_in_their_entry():
    layered = load_plan("layered").touchpoints
    offer = next(i for i, tp in enumerate(layered) if tp.type == "offer")
    peak = offer - 1
    assert layered[peak].type == "event" and layered[peak].day == layered[offer].day == 20
    plans = ROOT / "configs" / "plans" / "experiments"
    expected = {
        "offer_neither": (0, 0),
        "offer_time": (48, 0),
        "offer_quantity": (0, 200),
        "offer_both": (48, 200),
    }
    for stem, (hours, quota) in expected.items():
        variant = load_plan(str(plans / f"{stem}.yaml")).touchpoints
        assert variant[:offer] == layered[:offer] and variant[offer + 1 :] == layered[offer + 1 :]
        terms = variant[offer].params
        assert (terms["duration_hours"], terms["quota"]) == (hours, quota), stem
        assert "ladder" not in terms and terms["price"] == layered[offer].params["price"]
    for stem, day in {
        "peak_day17": 17,
        "peak_before": 20,
        "peak_during": 21,
        "peak_after": 23,
    }.items():
        variant = load_plan(str(plans / f"{stem}.yaml")).touchpoints
        assert variant[:peak] == layered[:peak] and variant[peak + 1 :] == layered[peak + 1 :]
        assert variant[peak].day == day and variant[peak].params == layered[peak].params, stem


def test_plain_runs_and_the_comparison_keep_working():
    plain = _compose([], hydra=True)
    assert plain.experiment.name == "" and not plain.hydra.sweeper.params
    cmp = _compose([], name="compare")
    assert cmp.experiment.name == "sop_vs_layered" and list(cmp.experiment.strategies) == [
        "sop",
        "layered",
    ]
    assert cmp.experiment.baseline == "sop" and cmp.experiment.question


def test_runner_lists_experiments_and_refuses_unknown_names(capsys):
    assert set(SWEEPS) | {"sop_vs_layered"} <= set(experiment_files())
    table = listing()
    for name in SWEEPS:
        assert f"| {name} | sweep |" in table
    assert "| sop_vs_layered | comparison |" in table
    assert main(["no_such_experiment"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: experiment 'no_such_experiment': no such file")
    assert "herd_strength" in err


def test_an_experiment_runs_end_to_end_on_a_tiny_group(tmp_path):
    out = tmp_path / "tvq"
    r = run_module(
        "sim.experiment",
        "time_vs_quantity",
        "population.members=60",
        "replicates=2",
        f"hydra.sweep.dir={out}",
    )
    assert r.returncode == 0, r.stderr
    for name in ("comparison.csv", "comparison.md", "failed.csv", "daily.png", "metrics.png"):
        assert (out / "report" / name).is_file(), name
    table = pd.read_csv(out / "report" / "comparison.csv")
    stems = [Path(p).stem for p in dict.fromkeys(table["plan_file"])]
    assert stems == ["offer_neither", "offer_time", "offer_quantity", "offer_both"]
    base = table[table["pairing"] == "baseline"]
    assert set(base["job"]) == {"0_offer_neither"}
    assert (table[table["job"] != "0_offer_neither"]["pairing"] == "paired").all()
    assert "# Experiment time_vs_quantity" in r.stdout
    assert "Baseline: `plan_file=offer_neither` (the baseline of experiment" in r.stdout
    assert len(pd.read_parquet(out / "runs.parquet")) == 4 * 2


def test_compare_refuses_a_sweep_experiment_with_a_pointer_to_the_runner(tmp_path):
    out = tmp_path / "cmp"
    r = run_module(
        "sim.compare",
        "experiment=herd_strength",
        "population.members=60",
        "replicates=1",
        f"experiment.output={out}",
    )
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "error: experiment herd_strength is a sweep (hydra.sweeper.params), not a comparison; "
        "run it with python -m sim.experiment herd_strength"
    )
    assert not out.exists()
