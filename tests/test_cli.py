"""The entry points: config composition, plan files, clean errors, run and compare apps.

Config-only tests use Hydra's compose API; app tests run ``python -m sim`` and
``python -m sim.compare`` in a subprocess on small settings (the shipped plans reach day 31,
so runs keep the default 33 days and shrink the group and the replicates instead).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from factories import run_module
from hydra import compose, initialize_config_dir
from omegaconf import Container

from sim.collect import main as collect_main
from sim.config import SimConfig, to_model_params
from sim.engine import ConfigError, Engine, ModelParams, PlanParams, TargetSpec, TouchpointSpec
from sim.outputs.fields import field_doc
from sim.plans import load_plan, load_strategy

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = str(ROOT / "configs")
SMALL = ["population.members=100", "replicates=2"]


def _compose(overrides: list[str] | None = None, name: str = "config"):
    with initialize_config_dir(config_dir=CONFIGS, version_base="1.3"):
        return compose(config_name=name, overrides=overrides or [])


def _assert_plain(value, path="params"):
    """No OmegaConf container anywhere inside ``value``."""
    assert not isinstance(value, Container), path
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            _assert_plain(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, dict):
        for k, v in value.items():
            _assert_plain(v, f"{path}[{k!r}]")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _assert_plain(v, f"{path}[{i}]")


# ----------------------------------------------------------------------- config only
def test_default_config_converts_to_plain_model_params():
    cfg = _compose()
    params, seed, replicates = to_model_params(cfg)
    assert type(params) is ModelParams
    assert (seed, replicates) == (0, 20)
    assert params.population.members == 500
    assert params.strategy.name == "sop"
    assert isinstance(params.strategy, PlanParams)
    assert params.strategy.touchpoints
    for tp in params.strategy.touchpoints:
        assert isinstance(tp, TouchpointSpec)
        assert isinstance(tp.target, TargetSpec)
        assert isinstance(tp.params, dict)
    assert all(isinstance(x, float) for x in params.population.layer_shares)
    _assert_plain(params)
    defaults = ModelParams()
    assert params.herd == defaults.herd and params.purchase == defaults.purchase
    Engine(params, seed=seed, replicates=1)  # the engine accepts it as is


def test_every_model_field_is_in_the_schema():
    names = {f.name for f in dataclasses.fields(SimConfig)}
    assert {f.name for f in dataclasses.fields(ModelParams)} <= names
    assert {"seed", "replicates", "plan_file"} <= names


def test_override_by_path_reaches_the_engine_parameters():
    cfg = _compose(
        [
            "strategy=layered",
            "herd.group_weight=0.7",
            "population.members=300",
            "seed=3",
            "population.layer_shares=[0.1,0.2,0.7]",
            "+plan_edit.touchpoints.0.hour=19",
        ]
    )
    params, seed, _ = to_model_params(cfg)
    assert params.strategy.name == "layered"
    assert params.herd.group_weight == 0.7
    assert params.population.members == 300
    assert params.population.layer_shares == [0.1, 0.2, 0.7]
    assert params.strategy.touchpoints[0].hour == 19
    assert seed == 3
    layered = load_plan("layered")
    assert params.strategy.touchpoints[5] == layered.touchpoints[5]


def test_bass_strategy_switches_to_the_bass_process():
    params, _, _ = to_model_params(_compose(["strategy=bass", "purchase.bass_q=0.5"]))
    assert params.purchase.model == "bass"
    assert params.purchase.bass_q == 0.5
    assert params.purchase.bass_p == 0.01
    assert params.strategy.name == "bass"
    assert params.strategy.touchpoints == []


def test_plan_file_replaces_the_strategy(tmp_path):
    plan = tmp_path / "mine.yaml"
    plan.write_text("name: mine\ntouchpoints:\n  - {type: broadcast, day: 2, hours: [9, 21]}\n")
    params, _, _ = to_model_params(_compose([f"plan_file={plan}"]))
    assert params.strategy.name == "mine"
    assert params.strategy.touchpoints[0].hours == [9, 21]


def test_compare_config_uses_the_default_experiment():
    cfg = _compose(name="compare")
    assert list(cfg.experiment.strategies) == ["sop", "layered"]
    assert cfg.experiment.baseline == "sop"
    assert cfg.replicates == 20 and cfg.seed == 0 and cfg.population.members == 500


# ----------------------------------------------------------------------- plans
def test_load_plan_by_name_and_path(tmp_path):
    layered = load_plan("layered")
    assert layered.name == "layered" and len(layered.touchpoints) > 5
    assert all(isinstance(tp, TouchpointSpec) for tp in layered.touchpoints)
    copy = tmp_path / "copy.yaml"
    copy.write_text((ROOT / "configs/plans/strategies/layered.yaml").read_text())
    assert load_plan(str(copy)) == layered


def test_load_strategy_returns_global_settings():
    plan, settings, source = load_strategy("bass")
    assert plan.name == "bass" and plan.touchpoints == []
    assert settings["purchase"]["model"] == "bass"
    assert source.endswith("configs/plans/strategies/bass.yaml")


def test_load_plan_errors_name_file_and_field(tmp_path):
    with pytest.raises(ConfigError, match=r"available: .*layered.*sop"):
        load_plan("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntouchpoints:\n  - {type: broadcast, dya: 3}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: touchpoints\[0\]: unknown field\(s\) dya"):
        load_plan(str(bad))


# ----------------------------------------------------------------------- bad input
def _bad_plan(tmp_path: Path, text: str) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return f"plan_file={path}"


BAD_INPUTS = {
    "unknown touchpoint type": (
        lambda tmp: [_bad_plan(tmp, "name: x\ntouchpoints:\n  - {type: brodcast, day: 1}\n")],
        ["plan.yaml", "touchpoints[0].type", "brodcast", "allowed: broadcast"],
    ),
    "plan day outside the campaign": (
        lambda tmp: [_bad_plan(tmp, "name: x\ntouchpoints:\n  - {type: broadcast, day: 40}\n")],
        ["plan.yaml", "touchpoints[0]", "day = 40", "from 1 to 33"],
    ),
    "shipped plan day outside a short campaign": (
        lambda tmp: ["days=10"],
        ["configs/plans/strategies/sop.yaml", "day = 20", "from 1 to 10"],
    ),
    "plan file not YAML": (
        lambda tmp: [_bad_plan(tmp, "name: x\ntouchpoints: [\n")],
        ["plan.yaml", "not valid YAML"],
    ),
    "missing plan file": (lambda tmp: ["plan_file=/nope/plan.yaml"], ["/nope/plan.yaml"]),
    "negative price": (lambda tmp: ["product.list_price=-5"], ["product.list_price"]),
    "layer shares above 1": (
        lambda tmp: ["population.layer_shares=[0.5,0.6,0.1]"],
        ["population.layer_shares"],
    ),
    "share above 1": (
        lambda tmp: ["herd.group_weight=1.5"],
        ["herd.group_weight", "between 0 and 1"],
    ),
    "unknown purchase model": (
        lambda tmp: ["purchase.model=foo"],
        ["purchase.model", "logistic, bass"],
    ),
    "missing edge list": (
        lambda tmp: ["graph.kind=edgelist", "graph.edgelist_path=/nope.csv"],
        ["graph.edgelist_path", "/nope.csv", "no such file"],
    ),
    "malformed edge list": (
        lambda tmp: [
            "graph.kind=edgelist",
            f"graph.edgelist_path={(tmp / 'edges.csv').as_posix()}",
        ],
        ["graph.edgelist_path", "source", "target"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_stops_with_one_message_and_writes_nothing(tmp_path, case):
    (tmp_path / "edges.csv").write_text("from,to\n1,2\n")
    make_args, must_name = BAD_INPUTS[case]
    run_dir = tmp_path / "run"
    r = run_module("sim", *SMALL, *make_args(tmp_path), f"hydra.run.dir={run_dir}")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    for text in must_name:
        assert text in lines[0]
    assert "Traceback" not in r.stderr + r.stdout
    assert not run_dir.exists()


@pytest.mark.parametrize(
    ("override", "key"), [("foo=1", "foo"), ("seed=abc", "seed"), ("strategy=nope", "strategy")]
)
def test_hydra_rejects_unknown_or_mistyped_overrides(tmp_path, override, key):
    run_dir = tmp_path / "run"
    r = run_module("sim", override, f"hydra.run.dir={run_dir}")
    assert r.returncode != 0
    assert key in r.stderr
    assert "Traceback" not in r.stderr
    assert not run_dir.exists()


def test_compare_bad_baseline_stops_cleanly(tmp_path):
    out = tmp_path / "cmp"
    r = run_module("sim.compare", *SMALL, "experiment.baseline=foo", f"experiment.output={out}")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "error: experiment.baseline = 'foo': must be one of experiment.strategies (sop, layered)"
    ]
    assert not out.exists()


# ----------------------------------------------------------------------- running
def test_small_run_writes_its_files(tmp_path):
    run_dir = tmp_path / "run"
    r = run_module("sim", *SMALL, "strategy=layered", "seed=3", f"hydra.run.dir={run_dir}")
    assert r.returncode == 0, r.stderr
    for name in ("summary.json", "daily.csv", "run.png", ".hydra/config.yaml"):
        assert (run_dir / name).is_file(), name
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["config"]["seed"] == 3
    assert summary["config"]["plan_source"] == "configs/plans/strategies/layered.yaml"
    assert summary["config"]["population"]["members"] == 100
    assert "layered: conversion" in r.stdout


def test_concurrent_runs_get_their_own_directories(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    args = [sys.executable, "-m", "sim", "population.members=50", "replicates=1"]
    pipe = subprocess.PIPE
    procs = [
        subprocess.Popen(args, cwd=tmp_path, env=env, stdout=pipe, stderr=pipe) for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    runs = sorted((tmp_path / "results" / "runs").iterdir())
    assert len(runs) == 2
    for run in runs:
        assert run.name.split("_")[2] == "sop"
        assert (run / "summary.json").is_file()


def test_compare_writes_the_comparison(tmp_path):
    out = tmp_path / "cmp"
    r = run_module(
        "sim.compare", "population.members=100", "replicates=3", f"experiment.output={out}"
    )
    assert r.returncode == 0, r.stderr
    for name in ("comparison.csv", "comparison.md", "comparison.png"):
        assert (out / name).is_file(), name
    for strategy in ("sop", "layered"):
        assert (out / strategy / "summary.json").is_file()
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["strategy"]) == {"sop", "layered"}
    shown = {"conversion_rate", "peak48_share", "offer_window_share", "revenue", "cost", "roi"}
    assert shown <= set(table["metric"])
    layered = table[(table["strategy"] == "layered") & (table["metric"] == "conversion_rate")]
    assert layered["diff_mean"].notna().all() and layered["ratio"].notna().all()
    assert "| sop |" in r.stdout and "| layered |" in r.stdout
    assert "layered - sop" in r.stdout and "layered / sop" in r.stdout
    assert (out / "comparison.md").read_text() in r.stdout
    for column in table.columns:
        assert field_doc("comparison.csv", column)
    # one schema: sim.collect reads the comparison's folder as a sweep over strategy and
    # writes the same table (job numbers aside: it orders strategies by time written)
    args = [str(out), "--no-figures", "--quiet", "--baseline", "strategy=sop"]
    assert collect_main([*args, "--metric", ",".join(table["metric"].unique())]) == 0
    collected = pd.read_csv(out / "report" / "comparison.csv")
    assert list(collected.columns) == list(table.columns)
    keys = ["job", "metric"]
    mine, theirs = (t.drop(columns="job_num").sort_values(keys) for t in (table, collected))
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), theirs.reset_index(drop=True))


def test_same_seed_same_files_byte_for_byte(tmp_path):
    """Two runs with the same seed write identical tables; only the summary's time differs."""
    common = ["strategy=layered", "replicates=2", "population.members=100"]
    dirs = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    for run_dir, seed in zip(dirs, ["seed=5", "seed=5", "seed=6"], strict=True):
        result = run_module("sim", *common, seed, f"hydra.run.dir={run_dir}")
        assert result.returncode == 0, result.stderr
    a, b, c = dirs
    for name in ("daily.csv", "hourly.csv", "replicates.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "daily.csv").read_bytes() != (c / "daily.csv").read_bytes()
    summary_a, summary_b = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    summary_a.pop("created"), summary_b.pop("created")
    assert summary_a == summary_b


# ----------------------------------------------------------------------- robustness
@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("strategy=../../somewhere/file", "strategy"),
        ("+experiment=../../somewhere/file", "experiment"),
        ("hydra/launcher=../../somewhere/file", "hydra/launcher"),
        ("+purchase.herds=3", "purchase.herds"),
        ("=1", "no key"),
        ("seed=-1", "seed"),
        ("graph.mean_degree=nan", "graph.mean_degree"),
        ("population.members=1e23", "population.members"),
        ("operator.staff=99999999999999999999", "operator.staff"),
    ],
)
def test_bad_overrides_stop_before_hydra_with_one_line(tmp_path, override, named):
    run_dir = tmp_path / "run"
    r = run_module("sim", override, f"hydra.run.dir={run_dir}")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], r.stderr
    assert not run_dir.exists()


def test_a_run_too_big_for_the_memory_is_refused_at_once(tmp_path):
    run_dir = tmp_path / "run"
    r = run_module("sim", "graph.kind=sbm", "graph.blocks=100000", f"hydra.run.dir={run_dir}")
    assert r.returncode == 2, r.stderr
    assert "memory" in r.stderr and "graph.blocks = 100000" in r.stderr
    assert not run_dir.exists()


def test_an_error_never_deletes_a_folder_that_existed(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (mine, empty):
        # days=3: the plan's day-20 offer is refused after Hydra made the folder
        r = run_module("sim", "days=3", *SMALL, f"hydra.run.dir={folder}")
        assert r.returncode == 2, r.stderr
        assert folder.is_dir() and not (folder / ".hydra").exists()
    assert (mine / "notes.txt").read_text() == "keep me"
    fresh = tmp_path / "fresh"
    r = run_module("sim", "days=3", *SMALL, f"hydra.run.dir={fresh}")
    assert r.returncode == 2 and not fresh.exists()


def test_plan_file_keeps_the_settings_its_file_makes():
    path = ROOT / "configs" / "plans" / "strategies" / "bass.yaml"
    params, _, _ = to_model_params(_compose([f"plan_file={path}"]))
    assert params.purchase.model == "bass"
    cfg = _compose([f"plan_file={path}", "purchase.model=logistic"])
    params, _, _ = to_model_params(cfg, keep={"purchase.model"})
    assert params.purchase.model == "logistic"  # what the command line sets wins


def test_compare_keeps_every_file_inside_its_folder(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: ../../escaped\ntouchpoints: []\n")
    env_plan = tmp_path / "env.yaml"
    env_plan.write_text("name: ${oc.env:HOME}\ntouchpoints: []\n")
    out = tmp_path / "a" / "b" / "cmp"
    r = run_module(
        "sim.compare",
        f"experiment.strategies=[sop,{evil},{env_plan}]",
        "population.members=40",
        "replicates=2",
        f"experiment.output={out}",
    )
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "a" / "escaped").exists()
    assert (out / "escaped" / "summary.json").is_file()
    assert not (out / "INCOMPLETE.txt").exists()
    summary = json.loads((out / "oc.env-HOME" / "summary.json").read_text())
    assert summary["strategy"] == "${oc.env:HOME}"  # plan data is never interpolated
    assert os.environ.get("HOME", "/") not in json.dumps(summary["config"]["strategy"])


def test_sweep_workers_exit_when_the_main_process_is_killed():
    import signal
    import time

    child = "import time, sim.sweep.jobs as j; assert j.watch_main_process(0.1); time.sleep(60)"
    parent = (
        "import os, socket, subprocess, sys, time; "
        "os.environ['SIM_SWEEP_MAIN_PID'] = f'{socket.gethostname()}:{os.getpid()}'; "
        f"c = subprocess.Popen([sys.executable, '-c', {child!r}]); "
        "print(c.pid, flush=True); time.sleep(60)"
    )
    main = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True)
    worker = int(main.stdout.readline())
    time.sleep(3)  # the worker imports and starts watching
    os.kill(main.pid, signal.SIGKILL)
    main.wait()
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived the main process")
