"""Calibration (``python -m sim.calibrate``): the target loss, the campaign CSV checks, common
random numbers, recovery of known parameters from model-generated data, and the command end
to end (its best parameters run by ``python -m sim``).

Everything runs a tiny plan written here (broadcasts, content, one offer) on small groups over
10 days. No model output is hard-coded: the "truth" is a parameter value chosen here, the
data are what the model makes with it, and the tests check that the fit finds it again.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import run_module

from sim.calibration import (
    CalibrationSettings,
    CampaignSpec,
    FitParameter,
    TargetSpec,
    evaluate,
    history_table,
    prepare,
    read_campaign,
    run_study,
    spread,
)
from sim.calibration.campaign import campaign_rows, nb_nll, write_campaign_csv
from sim.calibration.make_campaign import make_params
from sim.calibration.targets import NAN_LOSS, target_loss
from sim.engine import ConfigError, Engine

DAYS = 10
MEMBERS = 200
PLAN = """\
name: tiny
touchpoints:
  - {type: broadcast, day: 1, hours: [9, 20], every_days: 1}
  - {type: content, day: 2, hour: 19, every_days: 2}
  - {type: offer, day: 8, hour: 20, params: {price: 699, anchor: 999, duration_hours: 48}}
"""
# Recovery: DAU decay is set by the novelty time, and a campaign's daily active counts (about a
# hundred a day) pin it down; the fit must land within a factor 1.5 of the truth.
TRUE_NOVELTY = 6.0
NOVELTY_FACTOR = 1.5


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "tiny.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def campaign(plan_file, tmp_path_factory) -> Path:
    """One model-generated campaign with a known novelty time (seed 101, not the fit's)."""
    params = make_params(
        str(plan_file),
        [f"activity.novelty_days={TRUE_NOVELTY}", f"days={DAYS}", f"population.members={MEMBERS}"],
    )
    engine = Engine(params, seed=101, replicates=1).run()
    path = tmp_path_factory.mktemp("data") / "campaign.csv"
    write_campaign_csv(campaign_rows(engine), path, ["model-generated for the tests"])
    return path


def _base(plan_file: Path):
    return make_params(str(plan_file), [f"days={DAYS}", f"population.members={MEMBERS}"])


def _campaign_settings(plan_file: Path, data: Path, **kw) -> CalibrationSettings:
    kw.setdefault("parameters", [FitParameter("activity.novelty_days", 1.5, 15.0, log=True)])
    kw.setdefault("n_jobs", 1)
    return CalibrationSettings(
        campaign=CampaignSpec(data=str(data), plan=str(plan_file), members=MEMBERS), **kw
    )


# ----------------------------------------------------------------------- target loss
def test_target_loss_is_zero_inside_and_squared_scaled_outside():
    t = TargetSpec(metric="a.conversion_rate", min=0.08, max=0.12)
    assert target_loss(t, 0.08) == target_loss(t, 0.1) == target_loss(t, 0.12) == 0.0
    assert target_loss(t, 0.16) == pytest.approx(1.0)  # one range width above
    assert target_loss(t, 0.06) == pytest.approx(0.25)
    one_sided = TargetSpec(metric="a.x", over="b.x", min=2.0, weight=3.0)
    assert target_loss(one_sided, 1.0) == pytest.approx(3.0 * (1.0 / 2.0) ** 2)
    assert target_loss(one_sided, math.nan) == 3.0 * NAN_LOSS
    assert target_loss(one_sided, math.inf) == 0.0  # x / 0 with x > 0 is above any minimum
    assert target_loss(TargetSpec(metric="a.x", over="b.x", max=2.0), math.inf) == NAN_LOSS
    exact = TargetSpec(metric="a.x", value=0.1, scale=0.01)
    assert target_loss(exact, 0.12) == pytest.approx(4.0)


def test_negative_binomial_likelihood_prefers_the_mean_that_made_the_data():
    rng = np.random.default_rng(0)
    sim = rng.poisson(20.0, size=(30, 8)).astype(float)
    y = sim.mean(axis=1).round()
    assert nb_nll(y, sim) < nb_nll(y, sim * 1.5) and nb_nll(y, sim) < nb_nll(y, sim * 0.6)


# ----------------------------------------------------------------------- the CSV
GOOD_HEADER = "day,purchases,active,left"


def _csv(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows(n: int = DAYS) -> list[str]:
    return [f"{d},{d % 3},{100 - d},0" for d in range(1, n + 1)]


MALFORMED = {
    "missing column": (
        ["day,active,left", *[r.split(",", 2)[0] + ",1,0" for r in _rows()]],
        ["missing column 'purchases'", "required: day, purchases"],
    ),
    "negative count": (
        [GOOD_HEADER, *_rows()[:-1], f"{DAYS},-2,90,0"],
        ["column 'purchases'", "negative", "whole numbers >= 0"],
    ),
    "wrong number of days": (
        [GOOD_HEADER, *_rows(DAYS - 2)],
        ["column 'day'", f"expected one per day 1..{DAYS}", "missing"],
    ),
    "non-numeric": (
        [GOOD_HEADER, *_rows()[:-1], f"{DAYS},3,many,0"],
        ["column 'active'", "'many'", "not a number"],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_read_campaign_refuses_malformed_csv_with_one_clear_message(tmp_path, case):
    lines, must = MALFORMED[case]
    path = _csv(tmp_path, lines)
    with pytest.raises(ConfigError) as info:
        read_campaign(path, DAYS)
    text = str(info.value)
    assert "bad.csv" in text
    for part in must:
        assert part in text, (case, text)


def test_read_campaign_reads_comments_and_optional_columns(tmp_path):
    path = _csv(
        tmp_path, ["# a comment", "day,purchases", *[f"{d},{d}" for d in range(DAYS, 0, -1)]]
    )
    obs = read_campaign(path, DAYS)
    assert list(obs.series) == ["purchases"]
    assert obs.series["purchases"].tolist() == list(range(1, DAYS + 1))  # sorted by day


@pytest.mark.parametrize("case", list(MALFORMED))
def test_calibrate_command_malformed_csv_exit_2_nothing_written(tmp_path, plan_file, case):
    lines, must = MALFORMED[case]
    data = _csv(tmp_path, lines)
    out = tmp_path / "out"
    done = run_module(
        "sim.calibrate",
        "calibration=example_campaign",
        f"calibration.campaign.data={data}",
        f"calibration.campaign.plan={plan_file}",
        f"calibration.campaign.members={MEMBERS}",
        f"days={DAYS}",
        f"calibration.output={out}",
    )
    assert done.returncode == 2, done.stderr
    lines_err = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines_err) == 1 and lines_err[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    for part in must:
        assert part in lines_err[0]
    assert not out.exists()


# ----------------------------------------------------------------------- trials
def test_same_values_same_loss_common_random_numbers(plan_file, campaign):
    problem = prepare(_base(plan_file), 0, 3, _campaign_settings(plan_file, campaign))
    a, b = evaluate(problem, [5.0]), evaluate(problem, [5.0])
    assert a.loss == b.loss
    for k in a.series:
        assert np.array_equal(a.series[k], b.series[k])
    assert evaluate(problem, [12.0]).loss != a.loss


def test_study_is_reproducible_and_starts_at_the_base_values(plan_file, campaign):
    settings = _campaign_settings(plan_file, campaign, trials=3, sampler_seed=4)
    base = _base(plan_file)
    base.activity.novelty_days = 5.0  # inside the bounds, whatever the default
    problem = prepare(base, 0, 2, settings)
    runs = [history_table(problem, run_study(problem, progress=False)[1]) for _ in range(2)]
    pd.testing.assert_frame_equal(runs[0].drop(columns="seconds"), runs[1].drop(columns="seconds"))
    assert runs[0].loc[0, "activity.novelty_days"] == 5.0


def test_recovers_novelty_time_from_model_generated_campaign(plan_file, campaign):
    settings = _campaign_settings(plan_file, campaign, trials=20, sampler_seed=1)
    problem = prepare(_base(plan_file), 0, 8, settings)
    _, outcomes = run_study(problem, progress=False)
    history = history_table(problem, outcomes)
    table = spread(problem, history).set_index("parameter")
    best = float(table.loc["activity.novelty_days", "best"])
    assert TRUE_NOVELTY / NOVELTY_FACTOR <= best <= TRUE_NOVELTY * NOVELTY_FACTOR, best
    row = table.loc["activity.novelty_days"]
    assert row["set_low"] <= TRUE_NOVELTY <= row["set_high"]  # the LR set covers the truth
    assert row["share_of_range"] < 0.7  # and the data pin it down to part of the range


def test_recovers_intercept_from_model_made_pattern_target(plan_file, tmp_path):
    """A target set to the figure the model gives at a chosen intercept is met there again."""
    base = _base(plan_file)
    true = base.purchase.intercept + 1.0
    at_truth = make_params(
        str(plan_file),
        [f"purchase.intercept={true}", f"days={DAYS}", f"population.members={MEMBERS}"],
    )
    engine = Engine(at_truth, seed=0, replicates=4).run()
    from sim.outputs import replicate_metrics

    value = float(replicate_metrics(engine)["conversion_rate"].mean())
    settings = CalibrationSettings(
        parameters=[FitParameter("purchase.intercept", true - 2.5, true + 2.5)],
        targets=[TargetSpec(metric="tiny.conversion_rate", value=value, scale=0.01)],
        strategies={"tiny": str(plan_file)},
        trials=16,
        n_jobs=1,
    )
    problem = prepare(base, 0, 4, settings)
    _, outcomes = run_study(problem, progress=False)
    history = history_table(problem, outcomes)
    best = history.loc[history["loss"].idxmin()]
    assert abs(best["purchase.intercept"] - true) <= 0.3, best
    assert best["target0_figure"] == pytest.approx(value, abs=0.01)


def test_prepare_refuses_unknown_figure_and_strategy(plan_file):
    def settings(metric: str) -> CalibrationSettings:
        return CalibrationSettings(
            parameters=[FitParameter("purchase.intercept", -9, -6)],
            targets=[TargetSpec(metric=metric, min=0.1)],
            strategies={"tiny": str(plan_file)},
        )

    with pytest.raises(ConfigError, match="unknown figure 'conversoin'"):
        prepare(_base(plan_file), 0, 1, settings("tiny.conversoin"))
    with pytest.raises(ConfigError, match="no such strategy"):
        prepare(_base(plan_file), 0, 1, settings("nope.conversion_rate"))
    with pytest.raises(ConfigError, match="outside the campaign"):
        prepare(_base(plan_file), 0, 1, settings(f"tiny.dau_day{DAYS + 1}"))


# ----------------------------------------------------------------------- end to end
def test_calibrate_command_writes_a_config_python_m_sim_runs(tmp_path, plan_file, campaign):
    out = tmp_path / "fit"
    done = run_module(
        "sim.calibrate",
        "calibration=example_campaign",
        f"calibration.campaign.data={campaign}",
        f"calibration.campaign.plan={plan_file}",
        f"calibration.campaign.members={MEMBERS}",
        "calibration.parameters=[{name: activity.novelty_days, low: 2, high: 12}]",
        "calibration.trials=4",
        "calibration.n_jobs=1",
        "replicates=2",
        f"days={DAYS}",
        f"calibration.output={out}",
    )
    assert done.returncode == 0, done.stderr
    for name in (
        "history.csv",
        "spread.csv",
        "profile.png",
        "fit.csv",
        "fit.png",
        "report.md",
        "config.yaml",
        "calibrated/best.yaml",
    ):
        assert (out / name).is_file(), name
    history = pd.read_csv(out / "history.csv")
    assert len(history) == 4
    best = float(history.loc[history["loss"].idxmin(), "activity.novelty_days"])
    fit = pd.read_csv(out / "fit.csv")
    observed = read_campaign(campaign, DAYS)
    for series, y in observed.series.items():
        assert fit[fit["series"] == series]["observed"].tolist() == y.astype(int).tolist()
    sim = fit[fit["series"] == "active"]
    assert (sim["band_low"] <= sim["simulated_mean"]).all()
    assert (sim["simulated_mean"] <= sim["band_high"]).all()
    run = tmp_path / "run"
    done = run_module(
        "sim",
        "--config-dir",
        str(out),
        "+calibrated=best",
        f"population.members={MEMBERS}",
        f"days={DAYS}",
        f"plan_file={plan_file}",
        "replicates=1",
        "figures=false",
        f"hydra.run.dir={run}",
    )
    assert done.returncode == 0, done.stderr
    config = json.loads((run / "summary.json").read_text())["config"]
    assert config["activity"]["novelty_days"] == pytest.approx(best)
