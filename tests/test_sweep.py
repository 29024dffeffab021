"""Sweeps (``python -m sim -m ...``): job directories, failures, resume, progress, launchers.

Sweeps run in a subprocess on tiny settings (60 members, 2 replicates, no figures) with the
default joblib launcher, except the test marked ``cluster``, which uses submitit's local
launcher the way a SLURM sweep uses ``submitit_slurm``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

import sim.config  # noqa: F401  (registers the config schemas with Hydra)
from sim.sweep import count_jobs, is_complete, progress_line, summary_line, tally
from sim.sweep.jobs import clear_results
from sim.sweep.ledger import Tally, begin, mark

ROOT = Path(__file__).resolve().parents[1]
TINY = ["population.members=60", "replicates=2", "figures=false"]
RESULTS = ("summary.json", "daily.csv", "hourly.csv", "replicates.csv")
PROGRESS = re.compile(
    r"^sweep: (\d+)/(\d+) jobs done \((\d+) failed, (\d+) skipped\), \S+ elapsed(, ~\S+ left)?$"
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _sweep(
    sweep_dir: Path | None, *args: str, cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``python -m sim -m *args`` into ``sweep_dir`` (None: the default folder under ``cwd``)."""
    where = [] if sweep_dir is None else [f"hydra.sweep.dir={sweep_dir}"]
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *args, *where],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _progress(stderr: str) -> list[tuple[int, int, int, int]]:
    found = (PROGRESS.match(line) for line in stderr.splitlines())
    return [tuple(int(g) for g in m.groups()[:4]) for m in found if m]


def _overrides(job_dir: Path) -> list[str]:
    lines = (job_dir / ".hydra" / "overrides.yaml").read_text().splitlines()
    return [line.removeprefix("- ") for line in lines]


def _complete(job_dir: Path) -> bool:
    return (
        all((job_dir / name).is_file() for name in RESULTS)
        and not (job_dir / "error.json").exists()
    )


# ----------------------------------------------------------------------- a grid sweep
@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    sweep_dir = tmp_path_factory.mktemp("grid") / "sweep"
    args = ["strategy=sop,layered", "herd.group_weight=range(0,1,0.5)", *TINY]
    return sweep_dir, _sweep(sweep_dir, *args)


def test_multirun_writes_one_complete_job_dir_per_point(grid):
    sweep_dir, r = grid
    assert r.returncode == 0, r.stderr
    assert (sweep_dir / "multirun.yaml").is_file()
    jobs = sorted(p for p in sweep_dir.iterdir() if not p.name.startswith("."))
    jobs.remove(sweep_dir / "multirun.yaml")
    assert [p.name for p in jobs] == [  # each job's folder names its swept values
        "0_sop_group_weight=0.0",
        "1_sop_group_weight=0.5",
        "2_layered_group_weight=0.0",
        "3_layered_group_weight=0.5",
    ]
    points = set()
    for job in jobs:
        assert _complete(job), sorted(os.listdir(job))
        overrides = _overrides(job)
        summary = json.loads((job / "summary.json").read_text())
        strategy = next(o.split("=")[1] for o in overrides if o.startswith("strategy="))
        weight = next(o.split("=")[1] for o in overrides if o.startswith("herd.group_weight="))
        assert summary["strategy"] == strategy == job.name.split("_")[1]
        assert summary["config"]["herd"]["group_weight"] == float(weight)
        assert summary["config"]["population"]["members"] == 60
        assert not (job / "run.png").exists()  # figures=false
        points.add((strategy, float(weight)))
    assert points == {(s, w) for s in ("sop", "layered") for w in (0.0, 0.5)}  # range expanded


def test_progress_lines_and_summary_line(grid):
    sweep_dir, r = grid
    progress = _progress(r.stderr)
    assert len(progress) == 4, r.stderr
    assert sorted(p[0] for p in progress) == [1, 2, 3, 4]
    assert all(
        total == 4 and failed == 0 and skipped == 0 for _, total, failed, skipped in progress
    )
    assert f"sweep: 4 jobs -> {sweep_dir}" in r.stderr
    assert r.stderr.strip().splitlines()[-1] == f"sweep: 4 done, 0 failed, 0 skipped -> {sweep_dir}"
    markers = sorted(p.name.split(".")[-1] for p in sweep_dir.glob("*/.hydra/outcome-*"))
    assert markers == ["done"] * 4
    assert r.stdout.count("conversion") == 4  # each job's result line


def test_joblib_is_the_default_launcher_and_progress_the_callback():
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose(config_name="config", return_hydra_config=True)
    assert cfg.hydra.launcher._target_.endswith("joblib_launcher.JoblibLauncher")
    assert cfg.hydra.launcher.n_jobs == -1  # every core
    assert cfg.hydra.callbacks.progress._target_ == "sim.sweep.progress.SweepProgress"
    # the contract: <num>_<label><swept values>
    subdir = OmegaConf.to_container(cfg.hydra.sweep)["subdir"]
    assert subdir == "${hydra.job.num}_${sim_label:${plan_file},${strategy}}${sim_swept:}"


# ----------------------------------------------------------------------- failures
def test_out_of_range_swept_value_is_refused_before_any_job(tmp_path):
    r = _sweep(None, "population.members=60,-5", "replicates=2", "figures=false", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "population.members = -5" in errors[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "results").exists()  # nothing written


def test_job_breaking_a_cross_field_rule_fails_alone_and_exit_code_is_1(tmp_path):
    """Each value is in range, but 10 days cut the plan (its offer is on day 20): that job
    fails with its error recorded, the other completes."""
    r = _sweep(
        None, "population.members=60", "days=33,10", "replicates=2", "figures=false", cwd=tmp_path
    )
    assert r.returncode == 1, r.stderr
    (sweep_dir,) = (tmp_path / "results" / "sweeps").iterdir()  # both jobs in one default dir
    sweep_dir = sweep_dir.relative_to(tmp_path)  # as the lines show it
    good, bad = tmp_path / sweep_dir / "0_sop_days=33", tmp_path / sweep_dir / "1_sop_days=10"
    assert _complete(good)
    record = json.loads((bad / "error.json").read_text())
    assert set(record) == {
        "job",
        "num",
        "overrides",
        "error_type",
        "message",
        "traceback",
        "created",
    }
    assert (record["job"], record["num"], record["error_type"]) == (
        "1_sop_days=10",
        1,
        "ConfigError",
    )
    assert "days=10" in record["overrides"]
    assert "day" in record["message"] and "\n" not in record["message"]
    assert record["traceback"] == ""
    assert not any((bad / name).exists() for name in RESULTS)
    assert not list(bad.glob(".*.tmp"))
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith("error: job 1 (population.members=60 days=10 replicates=2")
    assert errors[0].endswith(record["message"])
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1] == (
        f"sweep: 1 done, 1 failed (see error.json in: 1_sop_days=10), 0 skipped -> {sweep_dir}"
    )
    assert f"sweep: 2 jobs -> {sweep_dir}" in r.stderr


# ----------------------------------------------------------------------- resume
PLAN = (
    "name: {name}\ntouchpoints:\n  - {{type: broadcast, day: 1, hours: [8, 20], every_days: 2}}\n"
)


def test_resume_skips_complete_jobs_and_reruns_failed_and_unfinished(tmp_path):
    plans = {n: tmp_path / f"{n}.yaml" for n in ("a", "b", "c")}
    plans["a"].write_text(PLAN.format(name="a"))
    plans["c"].write_text(PLAN.format(name="c"))  # b.yaml is missing: job 1 fails
    sweep_dir = tmp_path / "sweep"
    args = [f"plan_file={','.join(str(p) for p in plans.values())}", *TINY]
    first = _sweep(sweep_dir, *args)
    assert first.returncode == 1, first.stderr
    a, b, c = (sweep_dir / name for name in ("0_a", "1_b", "2_c"))
    assert _complete(a) and _complete(c)
    assert "no such file" in json.loads((b / "error.json").read_text())["message"]
    # job 2 killed while writing: results renamed into place, summary.json still a temp file
    (c / "summary.json").rename(c / ".summary.json.4242.deadbeef.tmp")
    before = (a / "summary.json").stat().st_mtime_ns, (a / "summary.json").read_bytes()
    plans["b"].write_text(PLAN.format(name="b"))

    again = _sweep(sweep_dir, *args)
    assert again.returncode == 0, again.stderr
    assert f"0_a: already complete with this config, skipped -> {a}" in again.stdout
    assert ((a / "summary.json").stat().st_mtime_ns, (a / "summary.json").read_bytes()) == before
    assert _complete(b) and not (b / "error.json").exists()
    assert _complete(c) and not list(c.glob(".*.tmp"))
    assert json.loads((b / "summary.json").read_text())["strategy"] == "b"
    assert again.stderr.strip().splitlines()[-1] == (
        f"sweep: 2 done, 0 failed, 1 skipped -> {sweep_dir}"
    )
    assert (3, 3, 0, 1) in _progress(again.stderr)


def test_killed_sweep_leaves_nothing_that_looks_finished_then_resumes(tmp_path):
    sweep_dir = tmp_path / "sweep"
    args = ["population.members=1000", "population.group_capacity=1000", "replicates=2"]
    args.append("figures=false")
    cmd = [sys.executable, "-m", "sim", "-m", *args, f"hydra.sweep.dir={sweep_dir}"]
    pipe = subprocess.DEVNULL
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=_env(), stdout=pipe, stderr=pipe, start_new_session=True
    )
    job = sweep_dir / "0_sop"
    deadline = time.monotonic() + 60
    try:
        while not (job / ".hydra" / "overrides.yaml").exists():  # the job has started
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its joblib workers
        proc.wait(timeout=30)
    assert not (job / "summary.json").exists() and not (job / "error.json").exists()
    assert not is_complete(job, {"seed": 0, "replicates": 2})
    r = _sweep(sweep_dir, *args)
    assert r.returncode == 0, r.stderr
    assert _complete(job)
    assert "sweep: 1 done, 0 failed, 0 skipped" in r.stderr


def test_is_complete_compares_the_recorded_config(tmp_path):
    config = {"seed": 1, "replicates": 2, "herd": {"group_weight": 0.5}, "plan_source": "x"}
    assert not is_complete(tmp_path, config)  # no summary.json
    (tmp_path / "summary.json").write_text(
        json.dumps({"config": config, "seed": 1, "replicates": 2})
    )
    assert is_complete(tmp_path, config)
    assert not is_complete(tmp_path, {**config, "herd": {"group_weight": 0.25}})
    assert not is_complete(tmp_path, {**config, "seed": 2})
    assert not is_complete(tmp_path, config, figures=True)  # run.png missing
    (tmp_path / "run.png").write_bytes(b"png")
    assert is_complete(tmp_path, config, figures=True)
    code = {"version": "0.1.0", "git_commit": "abc"}
    summary = {"config": config, "seed": 1, "replicates": 2, **code}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    assert is_complete(tmp_path, config, code=code)
    assert not is_complete(tmp_path, config, code={**code, "git_commit": "def"})  # newer code
    (tmp_path / "summary.json").write_text('{"config": ')  # cut short
    assert not is_complete(tmp_path, config)


# ----------------------------------------------------------------------- ledger
def test_count_jobs_expands_range_and_choice():
    overrides = [
        "strategy=sop,layered",
        "purchase.herd=0.5,1,2",
        "herd.group_weight=range(0,1,0.25)",
    ]
    assert count_jobs(overrides) == 24
    assert count_jobs(["a=choice(x,y,z)", "b=1"]) == 3
    assert count_jobs(["a=1,2"], {"b": "1,2,3"}) == 6
    assert count_jobs([]) == 1
    assert count_jobs(["a=interval(0,1)"]) is None  # not a grid: no count


def test_progress_and_summary_lines(tmp_path):
    run = begin(tmp_path, total=100, started=1000.0)
    outcomes = ["done"] * 31 + ["failed"] + ["skipped"] * 5
    for i, outcome in enumerate(outcomes):
        mark(tmp_path / f"{i}_sop", run.run_id, outcome)
    mark(tmp_path / "40_sop", "an-earlier-run", "failed")  # not this multirun's
    t = tally(run)
    assert (t.total, t.done, t.failed, t.skipped, t.finished) == (100, 31, ("31_sop",), 5, 37)
    # 32 jobs ran in 72 s: 2.25 s each, 63 to go: 141.75 s (tqdm shows whole seconds)
    assert progress_line(t, now=1072.0) == (
        "sweep: 37/100 jobs done (1 failed, 5 skipped), 01:12 elapsed, ~02:21 left"
    )
    assert summary_line(t, "d") == (
        "sweep: 31 done, 1 failed (see error.json in: 31_sop), 5 skipped -> d"
    )
    mark(tmp_path / "31_sop", run.run_id, "done")  # launched again: the latest outcome counts
    assert tally(run).failed == ()
    assert [p.name for p in (tmp_path / "31_sop" / ".hydra").iterdir()] == [
        f"outcome-{run.run_id}.done"
    ]
    failed = tuple(f"{i}_x" for i in range(12))
    many = Tally(total=None, started=None, done=0, failed=failed, skipped=0)
    assert summary_line(many, "d", shown=2).endswith(
        "(see error.json in: 0_x, 1_x and 10 more), 0 skipped -> d"
    )
    assert progress_line(many, now=5.0) == (
        "sweep: 12/? jobs done (12 failed, 0 skipped), 00:00 elapsed"
    )
    hours = Tally(total=3, started=0.0, done=1, failed=(), skipped=1)
    assert progress_line(hours, now=3725.0) == (
        "sweep: 2/3 jobs done (0 failed, 1 skipped), 1:02:05 elapsed, ~1:02:05 left"
    )


def test_a_rerun_job_clears_every_file_a_run_writes(tmp_path):
    """One list of a run's files: what the writer writes, a job's cleanup removes."""
    from sim.outputs.write import INCOMPLETE, RUN_FILES

    job = tmp_path / "0_sop"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text("[]\n")
    for name in (*RUN_FILES, INCOMPLETE, "error.json", ".daily.csv.1.x.tmp"):
        (job / name).write_text("old")
    clear_results(job)
    assert sorted(p.name for p in job.iterdir()) == [".hydra"]
    assert {"groups.csv", "trust_sources.csv", "summary.json"} <= set(RUN_FILES)


# ----------------------------------------------------------------------- cluster launcher
@pytest.mark.cluster
def test_submitit_local_launcher_runs_the_same_sweep(tmp_path):
    """What ``hydra/launcher=submitit_slurm`` does on a cluster, with local processes."""
    sweep_dir = tmp_path / "sweep"
    r = _sweep(sweep_dir, "hydra/launcher=submitit_local", "seed=1,2", *TINY, timeout=120)
    assert r.returncode == 0, r.stderr
    assert _complete(sweep_dir / "0_sop_seed=1") and _complete(sweep_dir / "1_sop_seed=2")
    assert "seed=1" in _overrides(sweep_dir / "0_sop_seed=1")
    assert "seed=2" in _overrides(sweep_dir / "1_sop_seed=2")
    assert r.stderr.strip().splitlines()[-1] == f"sweep: 2 done, 0 failed, 0 skipped -> {sweep_dir}"
    logs = sorted((sweep_dir / ".submitit").glob("*/*_log.err"))
    assert len(logs) == 2  # each job's stderr: its own log file
    assert all(_progress(log.read_text()) for log in logs)


@pytest.mark.cluster
def test_submitit_local_spreads_large_runs_one_per_job(tmp_path):
    """The README's sweep of large campaigns: one multi-group run per (local) submitit job."""
    sweep_dir = tmp_path / "large"
    r = _sweep(
        sweep_dir,
        "hydra/launcher=submitit_local",
        "population.members=1500,3000",
        "population.group_capacity=500",
        "replicates=1",
        "figures=false",
        timeout=180,
    )
    assert r.returncode == 0, r.stderr
    jobs = sorted(p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert [j.name for j in jobs] == ["0_sop_members=1500", "1_sop_members=3000"]
    for job, groups in zip(jobs, (3, 6), strict=True):
        assert _complete(job)
        table = (job / "groups.csv").read_text().splitlines()
        assert len(table) == 1 + groups  # header plus one row per group of the one replicate
    logs = sorted((sweep_dir / ".submitit").glob("*/*_log.err"))
    assert len(logs) == 2  # two submitted jobs, one run each


FAKE_SBATCH = """#!/bin/sh
# stands in for SLURM's sbatch: keeps the submission script, refuses to submit
cp "$1" "$FAKE_SBATCH_COPY"
echo "sbatch: error: not a cluster (test stand-in)" >&2
exit 1
"""


@pytest.mark.cluster
def test_slurm_launcher_builds_the_readme_submission_script(tmp_path):
    """The README's SLURM settings compose and reach sbatch (a stand-in: no cluster here)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(FAKE_SBATCH)
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 1\n")  # submitit looks for srun first
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    script = tmp_path / "submitted.sh"
    sweep_dir = tmp_path / "sweep"
    settings = [
        "hydra/launcher=submitit_slurm",
        "hydra.launcher.partition=cpu",
        "hydra.launcher.timeout_min=20",
        "hydra.launcher.cpus_per_task=1",
        "hydra.launcher.mem_gb=2",
        "hydra.launcher.array_parallelism=50",
        'hydra.launcher.setup=["source /path/to/project/.venv/bin/activate",'
        '"export OMP_NUM_THREADS=1"]',
        "strategy=sop,layered",
        "figures=false",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    env = _env()
    env["PATH"] = os.pathsep.join([str(bin_dir), env["PATH"]])
    env["FAKE_SBATCH_COPY"] = str(script)
    r = subprocess.run(
        [sys.executable, "-m", "sim", "-m", *settings],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "not a cluster (test stand-in)" in r.stderr  # it got as far as sbatch
    text = script.read_text()
    for line in (
        "#SBATCH --array=0-1%2",  # one array task per job, at most array_parallelism at once
        "#SBATCH --partition=cpu",
        "#SBATCH --time=20",
        "#SBATCH --cpus-per-task=1",
        "#SBATCH --mem=2GB",
        "#SBATCH --job-name=sim",
        f"#SBATCH --output={sweep_dir}/.submitit/%A_%a/%A_%a_0_log.out",
        f"#SBATCH --error={sweep_dir}/.submitit/%A_%a/%A_%a_0_log.err",
        "source /path/to/project/.venv/bin/activate",
        "export OMP_NUM_THREADS=1",
    ):
        assert line in text.splitlines(), line
    assert f"{sys.executable} -u -m submitit.core._submit" in text
