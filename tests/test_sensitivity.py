"""Global sensitivity analysis: parameter space checks, designs reaching the engine, noise,
reproducibility, Sobol, and ``python -m sim.sensitivity`` end to end.

Everything runs the layered plan on a tiny group (60 members, 2 replicates, few points).
``purchase.bass_p`` is a parameter with no effect by construction: only the Bass purchase
process (``purchase.model = bass``) reads it, and the layered plan uses the logistic one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import run_module, small_params

from sim.analysis import ParameterRange, SensitivitySettings, check_space, prepare, run
from sim.analysis.gsa import check_settings
from sim.analysis.gsa_report import ranked_markdown, write_report
from sim.analysis.indices import morris_noise
from sim.analysis.space import with_values
from sim.engine import ConfigError, ModelParams
from sim.engine.params import PopulationParams
from sim.plans import load_plan

ROOT = Path(__file__).resolve().parents[1]
TINY = ["population.members=60", "replicates=2", "sensitivity.n_jobs=1"]
STRONG_AND_NULL = [
    ParameterRange("purchase.intercept", -9.5, -6.5),
    ParameterRange("purchase.bass_p", 0.0, 0.05),
]


def _base(members: int = 60) -> ModelParams:
    params = ModelParams(population=PopulationParams(members=members))
    params.strategy = load_plan("layered")
    return params


def _settings(**kw) -> SensitivitySettings:
    kw.setdefault("parameters", list(STRONG_AND_NULL))
    kw.setdefault("n_jobs", 1)
    kw.setdefault("num_resamples", 200)
    return SensitivitySettings(**kw)


@pytest.fixture(scope="module")
def morris_result():
    plan = prepare(_base(), 0, 2, _settings(method="morris", trajectories=4))
    return run(plan, progress=None)


# ----------------------------------------------------------------------- the space
@pytest.mark.parametrize(
    ("ranges", "must_name"),
    [
        ([ParameterRange("purchase.hurd", 1, 2)], ["[0].name", "purchase.hurd", "herd"]),
        ([ParameterRange("nope.x", 1, 2)], ["[0].name", "'nope'", "purchase"]),
        ([ParameterRange("strategy.name", 1, 2)], ["[0].name", "not a number field"]),
        ([ParameterRange("population.layer_shares", 0, 1)], ["not a number field"]),
        ([ParameterRange("purchase.herd", 3, 1)], ["[0]", "purchase.herd", "must be below"]),
        ([ParameterRange("purchase.herd", 2, 2)], ["must be below"]),
        ([ParameterRange("herd.group_weight", 0.5, 1.5)], ["[0].high", "between 0 and 1"]),
        ([ParameterRange("fatigue.leave_prob", -0.1, 0.5)], ["[0].low", "fatigue.leave_prob"]),
        ([ParameterRange("operator.staff", 1, 2.5)], ["[0].high", "whole number"]),
        (
            [ParameterRange("purchase.herd", 1, 2), ParameterRange("purchase.herd", 2, 3)],
            ["[1].name", "already listed"],
        ),
        (
            [
                ParameterRange("population.members", 40, 70),
                ParameterRange("population.group_capacity", 65, 100),
                ParameterRange("population.groups", 1, 2),
            ],
            ["corner", "population.members=70", "population.groups = 1"],
        ),
        ([], ["empty"]),
    ],
)
def test_bad_parameter_space_is_refused_naming_the_field(ranges, must_name):
    with pytest.raises(ConfigError) as info:
        check_space(_base(), ranges, "sensitivity.parameters")
    message = str(info.value)
    assert message.startswith("sensitivity.parameters")
    for text in must_name:
        assert text in message


def test_check_space_returns_the_salib_problem():
    problem, types = check_space(
        _base(),
        [ParameterRange("purchase.herd", 1, 4), ParameterRange("operator.staff", 1, 3)],
        "x",
    )
    assert problem == {
        "num_vars": 2,
        "names": ["purchase.herd", "operator.staff"],
        "bounds": [[1.0, 4.0], [1.0, 3.0]],
    }
    assert types == [float, int]


def test_with_values_sets_fields_by_path_and_rounds_ints():
    base = _base()
    params = with_values(base, ["purchase.herd", "operator.staff"], [3.3, 2.6], [float, int])
    assert params.purchase.herd == 3.3
    assert params.operator.staff == 3 and isinstance(params.operator.staff, int)
    untouched = _base()
    assert base.purchase.herd == untouched.purchase.herd  # the base is untouched
    assert base.operator.staff == untouched.operator.staff


@pytest.mark.parametrize(
    ("change", "must_name"),
    [
        ({"method": "fast"}, "sensitivity.method = 'fast': allowed values are morris"),
        ({"levels": 3}, "sensitivity.levels = 3: must be an even number"),
        ({"trajectories": 1}, "sensitivity.trajectories = 1"),
        ({"method": "sobol", "base_samples": 48}, "sensitivity.base_samples = 48: must be a pow"),
        ({"outputs": ["conversion"]}, "sensitivity.outputs[0] = 'conversion': not a column"),
        ({"n_jobs": 0}, "sensitivity.n_jobs = 0"),
    ],
)
def test_bad_settings_are_refused(change, must_name):
    columns = ["conversion_rate", "peak48_share"]
    with pytest.raises(ConfigError, match=None) as info:
        check_settings(_settings(**change), columns)
    assert must_name in str(info.value)


# ----------------------------------------------------------------------- noise
def test_step_noise_pairs_replicates():
    """A step that shifts every replicate by the same amount has no paired noise."""
    x = np.array([[0.0, 1.0], [2 / 3, 1.0], [2 / 3, 1 / 3]])  # one trajectory, D = 2
    rng = np.random.default_rng(1)
    base = rng.normal(0.3, 0.05, size=6)  # replicate spread
    yr = np.stack([base, base + 0.1, base + 0.1 + rng.normal(0, 0.02, size=6)])
    noise = morris_noise(x, yr, 2, levels=4)  # delta = 2/3
    assert noise["ee_se"][0] == pytest.approx(0.0, abs=1e-12)
    assert noise["ee_se_unpaired"][0] > 0.02 / (2 / 3)  # independent seeds: replicate spread
    assert 0 < noise["ee_se"][1] < noise["ee_se_unpaired"][1]
    assert noise["mu_by_replicate"][0] == pytest.approx(np.full(6, 0.1 / (2 / 3)))
    # the second parameter went down: its effect is (before - after) / delta
    expected = -(yr[2] - yr[1]) / (2 / 3)
    assert noise["mu_by_replicate"][1] == pytest.approx(expected)
    assert noise["mu_se"][1] == pytest.approx(np.std(expected, ddof=1) / np.sqrt(6))


# ----------------------------------------------------------------------- Morris
def test_null_parameter_has_no_effect_and_strong_one_ranks_first(morris_result):
    table = morris_result.morris
    for output in ("conversion_rate", "peak48_share"):
        t = table[table["output"] == output].set_index("parameter")
        assert t.loc["purchase.intercept", "rank"] == 1
        assert t.loc["purchase.bass_p", "mu_star"] == 0.0
        assert not t.loc["purchase.bass_p", "distinguishable"]
    conv = table[table["output"] == "conversion_rate"].set_index("parameter")
    assert conv.loc["purchase.intercept", "mu_star"] > 0.05
    assert conv.loc["purchase.intercept", "mu"] > 0  # a higher intercept sells more
    assert conv.loc["purchase.intercept", "distinguishable"]
    # the design's values reached the engine: conversion follows the intercept
    samples = morris_result.samples
    assert len(samples) == 4 * 3 and morris_result.campaigns == 24
    assert samples["purchase.intercept"].nunique() > 1
    corr = samples["purchase.intercept"].corr(samples["conversion_rate"])
    assert corr > 0.8
    assert (samples["conversion_rate_se"] >= 0).all()


def test_replicate_effects_average_to_salib_mu(morris_result):
    """Each replicate's own mu, averaged over replicates, is SALib's mu (signs included)."""
    plan, samples = morris_result.plan, morris_result.samples
    x = samples[plan.problem["names"]].to_numpy()  # only which moved, and which way, matter
    for o, output in enumerate(plan.settings.outputs):
        yr = morris_result.values["morris"][:, :, o]
        noise = morris_noise(x, yr, 2, levels=4)
        t = morris_result.morris[morris_result.morris["output"] == output].set_index("parameter")
        mu = noise["mu_by_replicate"].mean(axis=1)
        assert mu == pytest.approx(t.loc[plan.problem["names"], "mu"].to_numpy())


# ----------------------------------------------------------------------- Sobol
def test_sobol_runs_and_writes_its_files(tmp_path):
    short = small_params(members=60)  # a 6-day plan using every touchpoint type: fast
    plan = prepare(short, 0, 2, _settings(method="sobol", base_samples=8))
    result = run(plan, progress=None)
    assert len(result.samples) == 8 * (2 + 2)
    table = result.sobol
    conv = table[table["output"] == "conversion_rate"].set_index("parameter")
    assert conv.loc["purchase.intercept", "rank"] == 1
    assert conv.loc["purchase.bass_p", "ST"] == pytest.approx(0.0, abs=1e-12)
    assert conv.loc["purchase.intercept", "ST"] > 0.1
    (tmp_path / "morris.csv").write_text("stale\n")  # left from an earlier Morris run
    written = write_report(result, tmp_path, "seed: 0\n", "configs/plans/strategies/layered.yaml")
    names = [p.name for p in written]
    assert names[-1] == "report.md"
    for name in ("samples.csv", "sobol.csv", "sobol.png", "config.yaml", "report.md"):
        assert (tmp_path / name).is_file(), name
    assert not (tmp_path / "morris.csv").exists()
    saved = pd.read_csv(tmp_path / "sobol.csv")
    assert {"S1", "S1_conf", "ST", "ST_conf", "rank"} <= set(saved.columns)
    report = (tmp_path / "report.md").read_text()
    assert "### Sobol: `conversion_rate` (ranked by ST)" in report
    assert "replicate noise is" in report
    assert not list(tmp_path.glob(".*.tmp"))


# ----------------------------------------------------------------------- the app
@pytest.mark.parametrize(
    ("override", "must_name"),
    [
        ("sensitivity.parameters.1.name=purchase.hurd", "sensitivity.parameters[1].name"),
        (
            "sensitivity.parameters=[{name: herd.group_weight, low: 0.5, high: 1.5}]",
            "sensitivity.parameters[0].high = 1.5 (herd.group_weight) is out of range",
        ),
    ],
)
def test_cli_bad_space_exits_2_and_writes_nothing(tmp_path, override, must_name):
    out = tmp_path / "sens"
    r = run_module("sim.sensitivity", *TINY, override, f"sensitivity.output={out}")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: command line: "), r.stderr
    assert must_name in lines[0]
    assert "Traceback" not in r.stderr + r.stdout
    assert not out.exists()


def test_cli_names_the_config_file_of_a_bad_space(tmp_path):
    out = tmp_path / "sens"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier file\n")
    config = tmp_path / "mine.yaml"
    config.write_text(
        "defaults:\n  - sensitivity_base\n"
        "  - override hydra/job_logging: none\n  - _self_\n"
        "strategy: layered\n"
        "sensitivity:\n  parameters:\n    - {name: purchase.herd, low: 4, high: 1}\n"
        f"hydra:\n  output_subdir: null\n  run:\n    dir: {out}\n"
    )
    r = run_module("sim.sensitivity", *TINY, "--config-dir", str(tmp_path), "--config-name", "mine")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"error: {config}: sensitivity.parameters[0] (purchase.herd): low = 4.0 must be "
        "below high = 1.0"
    ]
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]  # nothing written


def test_cli_end_to_end_in_parallel_gives_the_same_results(tmp_path, morris_result):
    """The app, with two workers, reproduces the in-process analysis of the same seed."""
    out = tmp_path / "sens"
    r = run_module(
        "sim.sensitivity",
        "population.members=60",
        "replicates=2",
        "sensitivity.n_jobs=2",
        "sensitivity.trajectories=4",
        "sensitivity.num_resamples=200",
        "sensitivity.parameters=[{name: purchase.intercept, low: -9.5, high: -6.5},"
        " {name: purchase.bass_p, low: 0, high: 0.05}]",
        f"sensitivity.output={out}",
    )
    assert r.returncode == 0, r.stderr
    for name in ("samples.csv", "morris.csv", "morris.png", "config.yaml", "report.md"):
        assert (out / name).is_file(), name
    assert not (out / "sobol.csv").exists()
    # Hydra's own record of the run, as every app keeps it (the composed config, the overrides)
    assert (out / ".hydra" / "config.yaml").is_file() and (
        out / ".hydra" / "overrides.yaml"
    ).is_file()
    assert "sensitivity.n_jobs=2" in (out / ".hydra" / "overrides.yaml").read_text()
    assert "evaluated 12/12 points" in r.stdout
    assert "### Morris: `conversion_rate` (ranked by mu*)" in r.stdout
    assert "12 model runs (sample points, one engine each) x 2 replicates = 24 campaigns" in (
        r.stdout
    )
    report = (out / "report.md").read_text()
    assert "## Replicate noise" in report and "indistinguishable from noise" in report
    assert "Seed 0 for every sample point" in report
    assert "strategy" in (out / "config.yaml").read_text()
    # same seed and design: identical samples and indices, in parallel or in process
    samples = pd.read_csv(out / "samples.csv")
    pd.testing.assert_frame_equal(samples, morris_result.samples, check_exact=False, rtol=1e-12)
    table = pd.read_csv(out / "morris.csv")
    pd.testing.assert_frame_equal(table, morris_result.morris, check_exact=False, rtol=1e-12)


def test_ranked_markdown_lists_every_parameter(morris_result):
    text = ranked_markdown(morris_result)
    assert text.count("`purchase.intercept`") == 2 and text.count("`purchase.bass_p`") == 2
    assert "12 model runs" in text
