"""Tests of the outputs face: tables, metrics, summary, figures and run files."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.engine import LAYERS, Engine, ModelParams, PlanParams
from sim.engine.params import PopulationParams
from sim.outputs import (
    FIELD_DOCS,
    RUN_FILES,
    daily_table,
    field_doc,
    hourly_table,
    mean_ci95,
    paired_difference,
    peak_window_share,
    plot_comparison,
    plot_run,
    replicate_metrics,
    stages_table,
    summarize,
    window_shares,
    write_run,
)
from sim.outputs import write as write_module

DAYS, MEMBERS, REPLICATES = 5, 120, 3

PLAN = PlanParams(
    name="t",
    touchpoints=[
        {"type": "broadcast", "day": 1, "hours": [8, 20], "every_days": 1},
        {
            "type": "offer",
            "day": 3,
            "hour": 9,
            "params": {"price": 500, "anchor": 900, "duration_hours": 24},
        },
    ],
)


def _params(**kw) -> ModelParams:
    return ModelParams(days=DAYS, population=PopulationParams(members=MEMBERS), **kw)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(_params(strategy=PLAN), seed=7, replicates=REPLICATES).run()


@pytest.fixture(scope="module")
def daily(engine: Engine) -> pd.DataFrame:
    return daily_table(engine)


@pytest.fixture(scope="module")
def metrics(engine: Engine) -> pd.DataFrame:
    return replicate_metrics(engine)


# ------------------------------------------------------------------ tables
def test_daily_shape_and_documented_columns(daily: pd.DataFrame, engine: Engine) -> None:
    assert len(daily) == REPLICATES * DAYS
    assert list(daily["day"].unique()) == list(range(1, DAYS + 1))
    required = (
        "replicate day members active status_active dormant left purchases buyers conversion "
        "revenue operator_minutes money_spent messages_operator messages_members "
        "messages_shills joins"
    ).split()
    required += [f"stage_{k}" for k in range(7)]
    required += [f"stage_{k}_{layer}" for layer in LAYERS for k in range(7)]
    assert set(required) <= set(daily.columns)
    for column in daily.columns:
        assert field_doc("daily.csv", column)
    for column in hourly_table(engine).columns:
        assert field_doc("hourly.csv", column)


def test_stages_table_is_the_long_form_of_the_daily_stage_columns(
    daily: pd.DataFrame, engine: Engine
) -> None:
    from sim.outputs.tables import STAGES_COLUMNS

    stages = stages_table(engine)
    assert tuple(stages.columns) == STAGES_COLUMNS
    assert len(stages) == len(daily) * len(LAYERS) * 7
    for column in stages.columns:
        assert field_doc("stages.csv", column)
    wide = stages.pivot_table(
        index=["replicate", "day"], columns=["stage", "layer"], values="members"
    )
    for layer in LAYERS:
        for k in range(7):
            got = wide[(k, layer)].to_numpy()
            assert (got == daily[f"stage_{k}_{layer}"].to_numpy()).all(), (k, layer)
    per_day = stages.groupby(["replicate", "day"])["members"].sum().to_numpy()
    assert (per_day == daily["members"].to_numpy()).all()


def test_daily_counts_add_up(daily: pd.DataFrame) -> None:
    stages = daily[[f"stage_{k}" for k in range(7)]].sum(axis=1)
    assert (stages == daily["members"]).all()
    for k in range(7):
        by_layer = sum(daily[f"stage_{k}_{layer}"] for layer in LAYERS)
        assert (by_layer == daily[f"stage_{k}"]).all()
    assert (daily["status_active"] + daily["dormant"] == daily["members"]).all()
    ever = MEMBERS + daily.groupby("replicate")["joins"].cumsum()
    assert (daily["members"] + daily["left"] == ever).all()
    assert (daily["ever_members"] == ever).all()
    assert (daily["active"] <= daily["ever_members"]).all()
    assert (daily["active"] > 0).all()


def test_buyers_are_cumulative_purchases(daily: pd.DataFrame, engine: Engine) -> None:
    cum = daily.groupby("replicate")["purchases"].cumsum()
    assert (daily["buyers"] == cum).all()
    last = daily[daily["day"] == DAYS].set_index("replicate")
    s = engine.state
    np.testing.assert_array_equal(last["buyers"].to_numpy(), (s.bought & s.ever_member).sum(1))
    np.testing.assert_allclose(last["conversion"], last["buyers"] / last["ever_members"])
    by_rep = daily.groupby("replicate")
    np.testing.assert_allclose(by_rep["revenue"].sum(), s.revenue)
    np.testing.assert_allclose(by_rep["operator_minutes"].sum(), s.minutes)
    np.testing.assert_allclose(by_rep["money_spent"].sum(), s.money)
    np.testing.assert_allclose(last["cum_operator_minutes"], s.minutes)


def test_hourly_agrees_with_daily(engine: Engine, daily: pd.DataFrame) -> None:
    hourly = hourly_table(engine)
    assert len(hourly) == REPLICATES * DAYS * 24
    assert (hourly["hour"] == (hourly["day"] - 1) * 24 + hourly["hour_of_day"]).all()
    flows = ["purchases", "joins", "messages_operator", "messages_members", "messages_shills"]
    summed = hourly.groupby(["replicate", "day"])[flows].sum().reset_index()
    pd.testing.assert_frame_equal(summed, daily[["replicate", "day", *flows]], check_dtype=False)
    end = hourly[hourly["hour_of_day"] == 23].reset_index(drop=True)
    stocks = ["members", "status_active", "dormant", "left", *[f"stage_{k}" for k in range(7)]]
    pd.testing.assert_frame_equal(end[stocks], daily[stocks], check_dtype=False)
    assert (end["active_today"].to_numpy() == daily["active"].to_numpy()).all()
    stages = hourly[[f"stage_{k}" for k in range(7)]].sum(axis=1)
    assert (stages == hourly["members"]).all()


def test_partial_run_tables() -> None:
    e = Engine(_params(strategy=PLAN), seed=3, replicates=2)
    empty = daily_table(e)
    assert empty.empty
    e.run(30)
    d = daily_table(e)
    assert list(d.columns) == list(empty.columns)
    assert len(d) == 2 * 2  # day 2 is partial
    assert (d[[f"stage_{k}" for k in range(7)]].sum(axis=1) == d["members"]).all()
    assert len(hourly_table(e)) == 2 * 30


# ----------------------------------------------------------------- metrics
def test_replicate_metrics(engine: Engine, metrics: pd.DataFrame) -> None:
    s = engine.state
    assert len(metrics) == REPLICATES
    for column in metrics.columns:
        assert field_doc("replicates.csv", column)
    np.testing.assert_array_equal(metrics["members_ever"], s.ever_member.sum(1))
    np.testing.assert_array_equal(metrics["buyers"], (s.bought & s.ever_member).sum(1))
    np.testing.assert_allclose(
        metrics["conversion_rate"], metrics["buyers"] / metrics["members_ever"]
    )
    # layer conversions recombine into the overall rate
    layer = engine.traits.layer
    ever_by_layer = np.stack([(s.ever_member & (layer == i)).sum(1) for i in range(3)], axis=1)
    rates = metrics[[f"conversion_{name}" for name in LAYERS]].to_numpy()
    recombined = np.nansum(rates * ever_by_layer, axis=1) / ever_by_layer.sum(1)
    np.testing.assert_allclose(recombined, metrics["conversion_rate"])
    assert metrics["peak48_share"].between(0, 1).all()
    expected = peak_window_share(engine.recorder.purchases, 48)
    np.testing.assert_allclose(metrics["peak48_share"], expected)
    assert metrics["offer_window_share"].between(0, 1).all()
    assert (metrics["offer_window_day"] == 3).all()
    wage = engine.params.operator.wage_per_minute
    np.testing.assert_allclose(
        metrics["cost"], metrics["staff_minutes"] * wage + metrics["money_spent"]
    )
    np.testing.assert_allclose(
        metrics["roi"], (metrics["revenue"] - metrics["cost"]) / metrics["cost"]
    )
    assert metrics["churn_rate"].between(0, 1).all()
    first = engine.recorder.purchases
    for r in range(REPLICATES):
        hours = np.flatnonzero(first[:, r])
        if hours.size:
            assert metrics["days_to_first_purchase"][r] == pytest.approx(hours[0] / 24)
        else:
            assert math.isnan(metrics["days_to_first_purchase"][r])


def test_peak_window_share_by_hand() -> None:
    x = np.zeros(100)
    x[0], x[48] = 1, 1  # 49 hours apart: never in one 48-hour window
    assert peak_window_share(x) == pytest.approx(0.5)
    x[47] = 2  # hours 0..47 hold 3 of 4
    assert peak_window_share(x) == pytest.approx(0.75)
    y = np.zeros(100)
    y[[10, 57]] = [3, 2]  # hours 10..57 span exactly 48 hours
    y[90] = 5  # 57..90 also fit: 7 of 10
    assert peak_window_share(y) == pytest.approx(0.7)
    assert peak_window_share(np.zeros(100)) == 0.0
    assert peak_window_share(np.array([0, 2, 0, 1])) == 1.0  # shorter than the window
    both = peak_window_share(np.stack([x, y], axis=1))
    np.testing.assert_allclose(both, [0.75, 0.7])
    assert peak_window_share(np.array([1, 0, 0, 1, 0]), window=3) == pytest.approx(0.5)


def test_window_shares_by_hand() -> None:
    x = np.zeros((72, 2))
    x[5, 0], x[30, 0], x[31, 0], x[60, 0] = 1, 1, 1, 1
    x[60, 1] = 2
    share, day = window_shares(x, [(24, 48), (48, 72)])
    np.testing.assert_allclose(share, [0.5, 1.0])
    np.testing.assert_allclose(day, [2, 3])
    share, day = window_shares(np.zeros((72, 1)), [(24, 48)])
    assert share[0] == 0.0 and day[0] == 2
    share, day = window_shares(x, [])
    assert np.isnan(share).all() and np.isnan(day).all()


def test_no_limited_offer_gives_nan() -> None:
    plan = PlanParams(name="b", touchpoints=[{"type": "broadcast", "day": 1, "hour": 9}])
    e = Engine(
        ModelParams(days=2, population=PopulationParams(members=40), strategy=plan),
        seed=1,
        replicates=1,
    ).run()
    m = replicate_metrics(e)
    assert math.isnan(m["offer_window_share"][0]) and math.isnan(m["offer_window_day"][0])
    summary = summarize(e, m)
    assert summary["offer_window_share"] is None and summary["offer_window_day"] is None
    assert summary["conversion_rate"]["ci95"] == [summary["conversion_rate"]["mean"]] * 2
    assert "note" in summary
    json.dumps(summary, allow_nan=False)


# ----------------------------------------------------------------- summary
def test_mean_ci95() -> None:
    out = mean_ci95([1.0, 2.0, 3.0])
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)
    assert out["mean"] == pytest.approx(2.0)
    np.testing.assert_allclose(out["ci95"], [2 - half, 2 + half])
    assert mean_ci95([4.0]) == {"mean": 4.0, "ci95": [4.0, 4.0]}
    assert mean_ci95([1.0, float("nan"), 3.0])["mean"] == pytest.approx(2.0)
    assert mean_ci95([]) == {"mean": None, "ci95": [None, None]}
    assert mean_ci95(np.array([2.0, 2.0]))["ci95"] == [2.0, 2.0]


def test_intervals_stay_within_the_bounds_of_what_they_estimate() -> None:
    from sim.outputs.intervals import (
        difference_bounds,
        difference_columns,
        interval_columns,
        metric_bounds,
    )

    revenue = [0.0, 0.0, 900.0]  # three replicates: t-interval reaches below 0
    free = mean_ci95(revenue)["ci95"]
    assert free[0] < 0
    cut = interval_columns(revenue, "revenue")
    assert cut["ci95_low"] == 0.0 and cut["ci95_high"] == free[1]
    assert interval_columns([-3.0, 4.0, 8.0], "roi")["ci95_low"] == -1.0
    a, b = [0.9, 0.1, 0.8], [0.1, 0.9, 0.2]  # shares: a difference of +-0.8 each
    assert paired_difference(a, b)["ci95"][1] > 1.0
    diff = difference_columns(a, b, "conversion_rate")
    assert diff["diff_ci95_low"] == -1.0 and diff["diff_ci95_high"] == 1.0
    assert diff["diff_mean"] == pytest.approx(np.mean(a) - np.mean(b))
    # away from the bounds nothing moves
    assert (
        interval_columns([5.0, 6.0, 7.0], "revenue")["ci95_low"]
        == mean_ci95([5.0, 6.0, 7.0])["ci95"][0]
    )
    assert metric_bounds("conversion_rate") == (0.0, 1.0) and metric_bounds("x")[0] < -1e300
    assert difference_bounds("revenue")[0] < -1e300


def test_paired_difference() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(10, 3, size=40)
    a = base + 1 + rng.normal(0, 0.1, size=40)
    b = base
    out = paired_difference(a, b)
    d = a - b
    assert out["n"] == 40
    assert out["mean"] == pytest.approx(d.mean())
    assert out["sd_paired"] == pytest.approx(d.std(ddof=1))
    assert out["sd_unpaired"] == pytest.approx(math.sqrt(a.var(ddof=1) + b.var(ddof=1)))
    assert out["sd_paired"] < 0.1 * out["sd_unpaired"]  # pairing removes the shared noise
    lo, hi = out["ci95"]
    half = stats.t.ppf(0.975, 39) * d.std(ddof=1) / math.sqrt(40)
    assert lo == pytest.approx(d.mean() - half) and hi == pytest.approx(d.mean() + half)
    assert lo < 1 < hi
    nan_pair = paired_difference([1.0, float("nan"), 3.0], [0.0, 5.0, 1.0])
    assert nan_pair["n"] == 2 and nan_pair["mean"] == pytest.approx(1.5)
    with pytest.raises(ValueError):
        paired_difference([1.0, 2.0], [1.0])


def test_summarize(engine: Engine, metrics: pd.DataFrame) -> None:
    summary = summarize(engine, metrics)
    json.dumps(summary, allow_nan=False)
    assert summary["strategy"] == "t"
    assert summary["replicates"] == REPLICATES and summary["members"] == MEMBERS
    for key in ("conversion_rate", "peak48_share", "revenue", "roi", "churn_rate"):
        assert set(summary[key]) == {"mean", "ci95"}
    conv = summary["conversion_rate"]
    assert conv["mean"] == pytest.approx(metrics["conversion_rate"].mean())
    assert conv["ci95"][0] <= conv["mean"] <= conv["ci95"][1]
    assert set(summary["conversion_by_layer"]) == set(LAYERS)
    assert "note" not in summary
    for key in summary:
        assert field_doc("summary.json", key)
    assert summary == summarize(engine)


# ----------------------------------------------------------------- figures and files
def test_plots(tmp_path, daily: pd.DataFrame) -> None:
    run = plot_run(daily, tmp_path / "run.png", title="t")
    assert run.stat().st_size > 10_000
    other = daily.assign(conversion=daily["conversion"] / 2)
    dailies = {"a": daily, "b": other, "c": daily, "d": other, "e": daily}
    cmp = plot_comparison(dailies, tmp_path / "cmp.png", title="cmp")
    assert cmp.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        plot_comparison({}, tmp_path / "none.png")


def test_write_run(tmp_path, engine: Engine) -> None:
    run_dir = tmp_path / "run"
    config = {"strategy": {"name": "t"}, "seed": 7, "path": tmp_path, "ratio": float("nan")}
    summary = write_run(engine, run_dir, config, extra={"elapsed_seconds": 1.5})
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(RUN_FILES)
    loaded = json.loads((run_dir / "summary.json").read_text())
    assert loaded == summary
    required = (
        "strategy seed replicates members conversion_rate conversion_by_layer peak48_share "
        "offer_window_share days_to_first_purchase revenue cost roi cost_per_buyer churn_rate "
        "config version git_commit created"
    ).split()
    for key in required:
        assert key in loaded, key
    assert loaded["config"]["path"] == str(tmp_path) and loaded["config"]["ratio"] is None
    assert loaded["elapsed_seconds"] == 1.5
    assert loaded["seed"] == 7 and isinstance(loaded["git_commit"], str)
    png = (run_dir / "run.png").read_bytes()
    assert len(png) > 10_000 and png[:4] == b"\x89PNG"
    daily = pd.read_csv(run_dir / "daily.csv")
    assert daily.shape == daily_table(engine).shape
    assert len(pd.read_csv(run_dir / "hourly.csv")) == REPLICATES * DAYS * 24
    assert len(pd.read_csv(run_dir / "replicates.csv")) == REPLICATES
    write_run(engine, run_dir, config)  # overwriting a run leaves the same files
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(RUN_FILES)


def test_write_run_failure_leaves_nothing(tmp_path, engine: Engine, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(write_module, "plot_run", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_run(engine, tmp_path, {})
    assert list(tmp_path.iterdir()) == []


def test_field_docs_cover_every_file() -> None:
    assert set(FIELD_DOCS) == {
        "comparison.csv",
        "daily.csv",
        "groups.csv",
        "hourly.csv",
        "replicates.csv",
        "stages.csv",
        "summary.json",
        "trust_sources.csv",
    }
    assert field_doc("daily.csv", "stage_3_core")
    with pytest.raises(KeyError):
        field_doc("daily.csv", "no_such_column")


def test_engine_stays_free_of_pandas_and_matplotlib() -> None:
    code = "import sys, sim.engine; print('pandas' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ----------------------------------------------------------------------- intervals and markers
def test_share_intervals_stay_between_0_and_1_and_amounts_keep_the_t_interval():
    from sim.outputs.intervals import is_share, mean_ci95

    few = [0.0, 0.04, 0.02]  # a t-interval would go below 0 here
    t_low = mean_ci95(few)["ci95"][0]
    assert t_low < 0
    stat = mean_ci95(few, share=True)
    low, high = stat["ci95"]
    assert 0 < low < stat["mean"] < high < 1
    assert mean_ci95([0.0, 0.0], share=True)["ci95"] == [0.0, 0.0]
    same = mean_ci95([0.1, 0.1, 0.1], share=True)  # no spread (up to rounding)
    low, high = same["ci95"]
    assert low <= same["mean"] <= high and high - low < 1e-9  # error bars never negative
    high_share = mean_ci95([0.9, 1.0, 0.97], share=True)["ci95"]
    assert high_share[1] < 1
    assert is_share("conversion_rate") and is_share("peak48_share") and not is_share("roi")


def test_a_run_folder_is_marked_until_complete_and_stale_temps_are_cleaned(tmp_path):
    import os

    from sim.outputs import INCOMPLETE, begin_run, clean_stale, end_run, fail_run

    folder = tmp_path / "run"
    folder.mkdir()
    dead = folder / ".summary.json.999999999.abcd.tmp"  # no such process
    dead.write_text("half")
    alive = folder / f".daily.csv.{os.getppid()}.abcd.tmp"  # a running process's temp
    alive.write_text("busy")
    begin_run(folder)
    assert (folder / INCOMPLETE).is_file() and not dead.exists() and alive.exists()
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        fail_run(folder, exc)
    text = (folder / INCOMPLETE).read_text()
    assert "failed" in text and "RuntimeError: boom" in text
    end_run(folder)
    assert not (folder / INCOMPLETE).exists()
    alive.unlink()
    assert clean_stale(folder) == []


def test_money_fields_name_their_unit():
    from sim.outputs.fields import FIELD_DOCS

    for table, fields in FIELD_DOCS.items():
        for name, doc in fields.items():
            if name in ("revenue", "cost", "cost_per_buyer", "money_spent"):
                assert "money units" in doc, (table, name)
            if name == "roi":
                assert "ratio" in doc and "100%" in doc, (table, name)


def test_write_atomic_leaves_an_ordinary_file_and_no_temp(tmp_path) -> None:
    from sim.outputs.write import FILE_MODE, temp_path, write_atomic

    made = write_atomic(tmp_path / "a.csv", lambda p: p.write_text("x\n"))
    assert made.read_text() == "x\n" and not list(tmp_path.glob(".*.tmp"))
    assert made.stat().st_mode & 0o777 == FILE_MODE  # not the 0600 of a bare mkstemp
    with pytest.raises(ZeroDivisionError):
        write_atomic(tmp_path / "b.csv", lambda p: 1 / 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
    temp = temp_path(tmp_path, "c.csv")  # named so clean_stale can tell its writer's pid
    assert temp.name.startswith(f".c.csv.{os.getpid()}.") and temp.name.endswith(".tmp")
