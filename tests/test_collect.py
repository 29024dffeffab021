"""``python -m sim.collect``: a sweep directory into parquet tables and a report.

One small real sweep (``python -m sim -m``, 4 jobs of 60 members and 2 replicates) is run
once per module; tests that break it (failed, unfinished, unpaired jobs) work on a copy, with
job directories fabricated by hand as the sweep-directory contract describes them.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import run_module
from scipy import stats

from sim.collect import main
from sim.sweep.fields import COLLECT_FIELD_DOCS, collect_field_doc
from sim.sweep.read import read_sweep

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ["strategy=sop,layered", "herd.group_weight=0.3,0.8"]
TINY = ["population.members=60", "replicates=2", "figures=false"]
JOBS = {
    "0_sop_group_weight=0.3": ("sop", 0.3),
    "1_sop_group_weight=0.8": ("sop", 0.8),
    "2_layered_group_weight=0.3": ("layered", 0.3),
}
JOBS["3_layered_group_weight=0.8"] = ("layered", 0.8)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished sweep: strategy (sop, layered) x herd.group_weight (0.3, 0.8)."""
    out = tmp_path_factory.mktemp("sweeps") / "sweep"
    r = run_module("sim", "-m", *SWEEP, *TINY, f"hydra.sweep.dir={out}")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(JOBS)
    return out


@pytest.fixture
def sweep(finished, tmp_path) -> Path:
    """A fresh copy of the finished sweep, free to break."""
    return Path(shutil.copytree(finished, tmp_path / "sweep"))


def _fail(job: Path, message: str = "boom: the engine refused") -> None:
    """Turn a finished job into a failed one (error.json per the contract, no summary.json)."""
    overrides = (job / ".hydra" / "overrides.yaml").read_text().splitlines()
    (job / "summary.json").unlink()
    error = {
        "job": job.name,
        "num": int(job.name.split("_")[0]),
        "overrides": [line[2:] for line in overrides],
        "error_type": "ConfigError",
        "message": message,
        "traceback": "",
        "created": "2026-01-01T00:00:00+00:00",
    }
    (job / "error.json").write_text(json.dumps(error))


def _unfinish(job: Path) -> None:
    """Leave only Hydra's ``.hydra/`` (a job killed half-way)."""
    for p in job.iterdir():
        if p.name != ".hydra":
            p.unlink()


def _comparison(sweep: Path) -> pd.DataFrame:
    return pd.read_csv(sweep / "report" / "comparison.csv")


def _row(table: pd.DataFrame, job: str, metric: str = "conversion_rate") -> pd.Series:
    rows = table[(table["job"] == job) & (table["metric"] == metric)]
    assert len(rows) == 1
    return rows.iloc[0]


# ----------------------------------------------------------------------- finished sweeps
def test_runs_and_daily_tables_hold_every_job_and_replicate(sweep, capsys):
    assert main([str(sweep), "--no-figures"]) == 0
    runs = pd.read_parquet(sweep / "runs.parquet")
    assert len(runs) == 4 * 2
    assert list(runs.columns[:6]) == [
        "job",
        "job_num",
        "strategy",
        "herd.group_weight",
        "seed",
        "replicate",
    ]
    for job, (strategy, weight) in JOBS.items():
        rows = runs[runs["job"] == job]
        assert sorted(rows["replicate"]) == [0, 1]
        assert set(rows["strategy"]) == {strategy}
        assert set(rows["herd.group_weight"]) == {weight}
        assert set(rows["job_num"]) == {int(job[0])}
        own = pd.read_csv(sweep / job / "replicates.csv")
        assert np.allclose(rows.sort_values("replicate")["revenue"], own["revenue"])
    assert runs["herd.group_weight"].dtype == float and set(runs["seed"]) == {0}
    daily = pd.read_parquet(sweep / "daily.parquet")
    assert len(daily) == 4 * 2 * 33
    assert {"job", "strategy", "herd.group_weight", "day", "conversion"} <= set(daily.columns)
    printed = capsys.readouterr().out
    assert "Baseline: `strategy=sop` (default: the first value of strategy)" in printed
    assert (sweep / "report" / "comparison.md").read_text() in printed


def test_paired_difference_equals_a_hand_computation(sweep):
    assert main([str(sweep), "--no-figures", "--quiet"]) == 0
    table = _comparison(sweep)
    layered = pd.read_csv(sweep / "2_layered_group_weight=0.3" / "replicates.csv")[
        "conversion_rate"
    ]
    sop = pd.read_csv(sweep / "0_sop_group_weight=0.3" / "replicates.csv")["conversion_rate"]
    d = (layered - sop).to_numpy()
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    row = _row(table, "2_layered_group_weight=0.3")
    assert row["baseline_job"] == "0_sop_group_weight=0.3" and row["pairing"] == "paired"
    assert row["diff_mean"] == pytest.approx(d.mean())
    assert row["diff_ci95_low"] == pytest.approx(d.mean() - half)
    assert row["diff_ci95_high"] == pytest.approx(d.mean() + half)
    assert row["mean"] == pytest.approx(layered.mean())
    assert row["ratio"] == pytest.approx(layered.mean() / sop.mean())
    assert _row(table, "3_layered_group_weight=0.8")["baseline_job"] == "1_sop_group_weight=0.8"
    base = _row(table, "0_sop_group_weight=0.3")
    assert base["pairing"] == "baseline" and base["baseline_job"] == "0_sop_group_weight=0.3"
    assert base["diff_mean"] == 0 and base["diff_ci95_low"] == base["diff_ci95_high"] == 0
    headline = {"conversion_rate", "peak48_share", "revenue", "cost", "roi", "churn_rate"}
    assert set(table["metric"]) == headline
    shares = table[table["metric"].str.endswith(("_rate", "_share"))]
    assert (shares["diff_ci95_low"].dropna() >= -1).all()
    assert (shares["diff_ci95_high"].dropna() <= 1).all()
    amounts = table[table["metric"].isin(["revenue", "cost"])]
    assert (amounts["ci95_low"] >= 0).all()
    assert (table.loc[table["metric"] == "roi", "ci95_low"] >= -1).all()


def test_baseline_and_metrics_can_be_chosen(sweep):
    args = [str(sweep), "--no-figures", "--quiet", "--baseline", "herd.group_weight=0.8"]
    assert main([*args, "--metric", "revenue", "--metric", "buyers,roi"]) == 0
    table = _comparison(sweep)
    assert list(dict.fromkeys(table["metric"])) == ["revenue", "buyers", "roi"]
    assert (
        _row(table, "0_sop_group_weight=0.3", "revenue")["baseline_job"] == "1_sop_group_weight=0.8"
    )
    assert (
        _row(table, "2_layered_group_weight=0.3", "revenue")["baseline_job"]
        == "3_layered_group_weight=0.8"
    )
    assert (
        "Baseline: `herd.group_weight=0.8` (given)"
        in (sweep / "report" / "comparison.md").read_text()
    )


def test_figures_are_written(sweep):
    assert main([str(sweep), "--quiet"]) == 0
    for name in ("daily.png", "metrics.png"):
        data = (sweep / "report" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, name
    assert not [p for p in (sweep / "report").iterdir() if p.name.startswith(".")]


def test_every_written_column_is_documented(sweep):
    _fail(sweep / "3_layered_group_weight=0.8")
    assert main([str(sweep), "--no-figures", "--quiet"]) == 0
    keys = read_sweep(sweep).keys
    files = {
        "runs.parquet": pd.read_parquet(sweep / "runs.parquet"),
        "daily.parquet": pd.read_parquet(sweep / "daily.parquet"),
        "report/comparison.csv": _comparison(sweep),
        "report/failed.csv": pd.read_csv(sweep / "report" / "failed.csv"),
    }
    assert set(files) == set(COLLECT_FIELD_DOCS)
    for file, table in files.items():
        for column in table.columns:
            assert collect_field_doc(file, column, keys), (file, column)
    with pytest.raises(KeyError):
        collect_field_doc("runs.parquet", "no_such_column", keys)


# ----------------------------------------------------------------------- partly finished
def test_failed_and_unfinished_jobs_are_reported_and_the_rest_collected(sweep, capsys):
    _fail(
        sweep / "3_layered_group_weight=0.8",
        "strategy.touchpoints[2].day = 40: outside the campaign",
    )
    _unfinish(sweep / "1_sop_group_weight=0.8")
    assert main([str(sweep), "--no-figures"]) == 0
    captured = capsys.readouterr()
    assert "3_layered_group_weight=0.8" in captured.err and "1_sop_group_weight=0.8" in captured.err
    runs = pd.read_parquet(sweep / "runs.parquet")
    assert sorted(set(runs["job"])) == ["0_sop_group_weight=0.3", "2_layered_group_weight=0.3"]
    failed = pd.read_csv(sweep / "report" / "failed.csv")
    assert list(failed["job"]) == ["3_layered_group_weight=0.8"]
    assert failed["message"][0] == "strategy.touchpoints[2].day = 40: outside the campaign"
    assert "strategy=layered" in failed["overrides"][0]
    text = (sweep / "report" / "comparison.md").read_text()
    assert "## Failed jobs" in text and "| 3_layered_group_weight=0.8 |" in text
    assert "outside the campaign" in text
    assert "Unfinished jobs" in text and "1 (1_sop_group_weight=0.8)" in text
    assert "4 jobs: 2 finished, 1 failed, 1 unfinished" in text
    assert _row(_comparison(sweep), "2_layered_group_weight=0.3")["pairing"] == "paired"


def test_a_point_whose_baseline_is_unfinished_or_has_another_seed_is_not_paired(sweep):
    _unfinish(sweep / "1_sop_group_weight=0.8")
    summary = sweep / "2_layered_group_weight=0.3" / "summary.json"
    data = json.loads(summary.read_text())
    summary.write_text(json.dumps({**data, "seed": 7}))
    assert main([str(sweep), "--no-figures", "--quiet"]) == 0
    table = _comparison(sweep)
    seed = _row(table, "2_layered_group_weight=0.3")
    assert (
        seed["pairing"] == "not paired: seed 7 against 0 of its baseline job 0_sop_group_weight=0.3"
    )
    assert math.isnan(seed["diff_mean"]) and not math.isnan(seed["mean"])
    missing = _row(table, "3_layered_group_weight=0.8")["pairing"]
    assert (
        missing.startswith("not paired: its baseline job 1_sop_group_weight=0.8")
        and "unfinished" in missing
    )
    text = (sweep / "report" / "comparison.md").read_text()
    assert "- 2_layered_group_weight=0.3: not paired: seed 7" in text


def test_replicates_that_differ_are_not_paired(sweep):
    table = pd.read_csv(sweep / "2_layered_group_weight=0.3" / "replicates.csv")
    table.iloc[:1].to_csv(sweep / "2_layered_group_weight=0.3" / "replicates.csv", index=False)
    assert main([str(sweep), "--no-figures", "--quiet"]) == 0
    pairing = _row(_comparison(sweep), "2_layered_group_weight=0.3")["pairing"]
    assert (
        pairing == "not paired: replicates 0 against 0-1 of its baseline job 0_sop_group_weight=0.3"
    )


# ----------------------------------------------------------------------- unusable input
def _nothing_written(path: Path) -> bool:
    return not path.exists() or not {"runs.parquet", "report"} & {p.name for p in path.iterdir()}


def test_unusable_directories_stop_with_exit_2(tmp_path, finished, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    foreign = tmp_path / "foreign"
    (foreign / "photos").mkdir(parents=True)
    (foreign / "notes.txt").write_text("hello")
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(finished / "multirun.yaml", half)
    for job in ("0_sop_group_weight=0.3", "1_sop_group_weight=0.8"):
        shutil.copytree(finished / job / ".hydra", half / job / ".hydra")
    started = tmp_path / "started"
    started.mkdir()
    shutil.copy(finished / "multirun.yaml", started)
    cases = {
        tmp_path / "missing": "no such directory",
        empty: "empty: no multirun.yaml and no job directories",
        foreign: "not a sweep: no multirun.yaml and no job directories",
        half: (
            "no finished job to collect (2 unfinished: 0_sop_group_weight=0.3, "
            "1_sop_group_weight=0.8"
        ),
        started: "the sweep has not started any job yet",
    }
    for path, message in cases.items():
        assert main([str(path)]) == 2, path
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"error: {path}: "), err
        assert message in err[0]
        assert _nothing_written(path)


def test_bad_baseline_or_metric_stops_before_writing(sweep, capsys):
    for args, message in (
        (["--baseline", "purchase.herd=1"], "purchase.herd is not swept; swept: strategy, herd"),
        (["--baseline", "strategy=bass"], "strategy takes the values sop, layered"),
        (["--metric", "conversion,revenue"], "--metric conversion: not a per-replicate figure"),
    ):
        assert main([str(sweep), *args]) == 2
        assert message in capsys.readouterr().err
        assert _nothing_written(sweep)


def test_command_line_exit_codes(tmp_path, finished):
    r = run_module("sim.collect", str(tmp_path / "nowhere"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'nowhere'}: no such directory"
    assert "Traceback" not in r.stderr


def test_a_crash_while_writing_leaves_no_half_written_parquet(sweep, monkeypatch):
    def crash(self, path, **kwargs):
        Path(path).write_bytes(b"PAR1 half")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    with pytest.raises(OSError, match="disk full"):
        main([str(sweep), "--no-figures", "--quiet"])
    assert not (sweep / "runs.parquet").exists()
    assert not [p for p in sweep.iterdir() if p.name.startswith(".") and p.name != ".hydra"]


def test_a_compare_directory_reads_as_a_sweep_over_strategy(finished, tmp_path):
    """Folders with summary.json and no .hydra/ (``sim.compare`` output), baseline first."""
    out = tmp_path / "cmp"
    for job, name in (("0_sop_group_weight=0.3", "sop"), ("2_layered_group_weight=0.3", "layered")):
        shutil.copytree(finished / job, out / name, ignore=shutil.ignore_patterns(".hydra"))
    summary = out / "layered" / "summary.json"
    data = json.loads(summary.read_text())
    summary.write_text(json.dumps({**data, "created": "2999-01-01T00:00:00+00:00"}))
    assert main([str(out), "--no-figures", "--quiet"]) == 0
    row = _row(_comparison(out), "layered")
    assert row["strategy"] == "layered" and row["baseline_job"] == "sop"
    assert row["pairing"] == "paired"


def test_a_folder_of_single_runs_is_refused_with_a_hint(tmp_path):
    runs = tmp_path / "runs"
    for seed in (1, 2):
        r = run_module(
            "sim",
            "population.members=40",
            "replicates=2",
            "figures=false",
            f"seed={seed}",
            f"hydra.run.dir={runs / f'run{seed}'}",
        )
        assert r.returncode == 0, r.stderr
    r = run_module("sim.collect", str(runs))
    assert r.returncode == 2, r.stderr
    assert "single runs" in r.stderr and "python -m sim -m" in r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in runs.iterdir()) == ["run1", "run2"]


def test_metric_figure_draws_the_report_intervals(sweep, monkeypatch):
    """metrics.png (seaborn) draws, for each point, the interval comparison.csv gives."""
    import matplotlib.pyplot as plt

    from sim.sweep import figures

    drawn = {}

    def keep(fig, path, fmt):
        drawn["metrics" if "metrics.png" in Path(path).name else "daily"] = fig
        return Path(path)

    monkeypatch.setattr(figures, "save_figure", keep)
    assert main([str(sweep), "--quiet", "--metric", "revenue,conversion_rate"]) == 0
    table = _comparison(sweep)
    for ax, metric, scale in zip(
        drawn["metrics"].axes, ("revenue", "conversion_rate"), (1.0, 100.0), strict=False
    ):
        bars = sorted(  # an error bar with its caps: one line broken by NaN
            (np.nanmin(line.get_ydata()), np.nanmax(line.get_ydata()))
            for line in ax.lines
            if np.isnan(line.get_xdata()).any()
        )
        rows = table[table["metric"] == metric]
        expected = sorted(zip(rows["ci95_low"] * scale, rows["ci95_high"] * scale, strict=True))
        assert np.ravel(bars) == pytest.approx(np.ravel(expected)), metric
    plt.close("all")
