"""Plans are data, never config (issue 12), and the Hydra entry points' idioms (issue 13).

``strategy`` is the name of a shipped plan, read with the safe loader when the run starts: a
path or an unknown name is refused before anything is written, and ``${...}`` in a plan is
plain text. A named experiment runs as ``python -m sim -m +experiment=<name>`` and is
collected at the end of its multirun; its jobs are counted as Hydra's basic sweeper makes
them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from factories import run_module
from hydra import compose, initialize_config_dir

from sim.config import to_model_params
from sim.engine import ConfigError
from sim.plans import STRATEGY_DIR, available_strategies, edited, load_strategy
from sim.sweep import count_jobs

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["population.members=40", "replicates=1"]


def _error_line(r) -> str:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    return lines[0]


# ----------------------------------------------------------------------- a name, never a path
@pytest.mark.parametrize(
    "value",
    [
        "nope",
        "configs/plans/strategies/sop.yaml",
        "../plans/strategies/sop",
        str(STRATEGY_DIR / "sop.yaml"),
        "sop.yaml",
    ],
)
def test_a_strategy_that_is_a_path_or_unknown_is_refused(tmp_path, value):
    run_dir = tmp_path / "run"
    line = _error_line(run_module("sim", f"strategy={value}", *SMALL, f"hydra.run.dir={run_dir}"))
    assert "strategy" in line and "not a shipped plan" in line
    assert all(name in line for name in available_strategies())  # the allowed names listed
    assert not run_dir.exists()


def test_a_swept_strategy_is_checked_too(tmp_path):
    out = tmp_path / "sweep"
    r = run_module("sim", "-m", "strategy=sop,../evil", *SMALL, f"hydra.sweep.dir={out}")
    assert "'../evil': not a shipped plan" in _error_line(r)
    assert not out.exists()


def test_a_config_file_naming_a_path_is_refused_when_the_run_starts(tmp_path):
    """Past the command line's check: the name is checked again when the plan is read."""
    (tmp_path / "mine.yaml").write_text("defaults:\n  - config\n  - _self_\nstrategy: ../../x\n")
    run_dir = tmp_path / "run"
    r = run_module(
        "sim", "--config-dir", str(tmp_path), "--config-name", "mine", *SMALL,
        f"hydra.run.dir={run_dir}",
    )  # fmt: skip
    assert "strategy = '../../x': not a shipped plan" in _error_line(r)
    assert not run_dir.exists()


@pytest.mark.parametrize(
    ("override", "must_say"),
    [
        ("strategy.switches.shills=true", "+plan_edit.switches.shills=VALUE"),
        ("+plans/strategies=sop", "never composed as config"),
        ("plan_edit.switches.shills=true", "write +plan_edit.switches.shills=true"),
    ],
)
def test_plan_data_is_never_composed_as_config(tmp_path, override, must_say):
    run_dir = tmp_path / "run"
    line = _error_line(run_module("sim", override, *SMALL, f"hydra.run.dir={run_dir}"))
    assert must_say in line
    assert not run_dir.exists()


def test_a_plan_is_never_interpolated(tmp_path):
    plan = tmp_path / "env.yaml"
    plan.write_text(
        "name: ${oc.env:HOME}\n"
        "switches: {'${oc.env:HOME}': true}\n"
        "touchpoints:\n  - {type: broadcast, day: 1, hours: [9], every_days: 1}\n"
    )
    run_dir = tmp_path / "run"
    r = run_module("sim", f"plan_file={plan}", *SMALL, f"hydra.run.dir={run_dir}")
    assert r.returncode == 0, r.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["strategy"] == "${oc.env:HOME}"
    assert summary["config"]["strategy"]["switches"] == {"${oc.env:HOME}": True}
    home = os.environ.get("HOME") or "/"
    assert home not in json.dumps(summary["config"]["strategy"])


def test_an_operators_plan_file_given_as_plan_file_points_to_check_and_forecast(tmp_path):
    run_dir = tmp_path / "run"
    template = ROOT / "configs" / "plans" / "fission-group.yaml"
    line = _error_line(
        run_module("sim", f"plan_file={template}", *SMALL, f"hydra.run.dir={run_dir}")
    )
    assert "operator's plan file" in line
    assert "python -m sim.check" in line and "python -m sim.forecast plan=" in line
    assert not run_dir.exists()


def test_plan_edit_changes_the_plans_data_before_it_is_checked():
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=["strategy=layered", "+plan_edit.touchpoints.0.hour=7"],
        )
    params, _, _ = to_model_params(cfg)
    shipped = load_strategy("layered")[0]
    assert params.strategy.touchpoints[0].hour == 7 != shipped.touchpoints[0].hour
    assert params.strategy.touchpoints[1:] == shipped.touchpoints[1:]
    with pytest.raises(ConfigError, match=r"plan_edit\.touchpoints\.99: not an entry"):
        edited({"touchpoints": [{}, {}]}, {"touchpoints": {"99": {"day": 1}}})
    with pytest.raises(ConfigError, match=r"layered\.yaml with plan_edit: touchpoints\[0\]"):
        load_strategy("layered", {"touchpoints": {"0": {"day": -3}}})


def test_a_shipped_strategy_keeps_the_settings_its_file_makes():
    """bass.yaml sets purchase.model besides its plan; the command line still wins."""
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        bass = compose(config_name="config", overrides=["strategy=bass"])
        mine = compose(
            config_name="config",
            overrides=["strategy=bass", "purchase.bass_q=0.45"],
            return_hydra_config=True,
        )
    params, _, _ = to_model_params(bass)
    settings = load_strategy("bass")[1]
    assert params.purchase.model == settings["purchase"]["model"] == "bass"
    assert params.purchase.bass_q == settings["purchase"]["bass_q"]
    params, _, _ = to_model_params(mine)
    assert params.purchase.bass_q == 0.45 and params.purchase.model == "bass"


# ----------------------------------------------------------------------- experiments, jobs
def test_count_jobs_matches_the_basic_sweeper_with_several_swept_keys():
    # the private sweeper is only the oracle here; the code counts with the public parser
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    cases = [
        (["a=1,2", "b=x,y,z", "c=range(0,1,0.25)"], None),
        (["+d=1,2", "a=choice(3,4)"], {"a": "1,2,3", "b": "5,6"}),  # a is replaced: 2 x 2 x 2
        (["seed=1"], {"strategy": "sop,layered", "purchase.herd": "0,1,2"}),
        (["a=1,2", "a=3"], None),  # the later override wins: one job
    ]
    for overrides, params in cases:
        lines = [f"{k}={v}" for k, v in (params or {}).items()] + overrides
        parsed = OverridesParser.create().parse_overrides(lines)
        batches = BasicSweeper.split_arguments(parsed, max_batch_size=None)
        assert count_jobs(overrides, params) == sum(len(b) for b in batches), overrides
    assert count_jobs(["a=1,2", "b=1,2,3", "c=1,2"]) == 12


def test_an_experiment_runs_and_is_collected_with_plus_experiment(tmp_path):
    out = tmp_path / "herd"
    r = run_module(
        "sim", "-m", "+experiment=herd_strength", *SMALL, "purchase.herd=0,2.5",
        "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={out}",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    jobs = sorted(p.name for p in out.iterdir() if (p / "summary.json").is_file())
    announced = re.search(r"sweep: (\d+) jobs", r.stderr)
    assert announced and int(announced.group(1)) == len(jobs) == 4, r.stderr
    assert {j.split("_", 1)[1].split("_")[0] for j in jobs} == {"sop", "layered"}
    assert (out / "report" / "comparison.csv").is_file()  # collected at the multirun's end
    assert "# Experiment herd_strength" in r.stdout
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(set(runs["purchase.herd"])) == [0, 2.5] and len(runs) == 4


def test_an_unknown_experiment_is_refused(tmp_path):
    out = tmp_path / "x"
    line = _error_line(run_module("sim", "-m", "+experiment=nope", f"hydra.sweep.dir={out}"))
    assert "experiment = 'nope': no such experiment" in line and "herd_strength" in line
    assert not out.exists()
