"""Time a parameter sweep of ``python -m sim -m`` and its collection.

Usage::

    .venv/bin/python benchmarks/sweep.py [--grid 10] [--replicates 20] [--members 500]
        [--n-jobs -1] [--sweep-dir DIR] [--profile]

Runs ``layered`` over a grid of ``--grid`` x ``--grid`` parameter points (``herd.group_weight``
by ``purchase.herd``), each job one batch of ``--replicates`` replicates of the
``--members``-member group without figures, with the default joblib launcher, into a fresh
sweep directory; then ``python -m sim.collect <sweep dir>`` if that module exists. Prints the
command, the wall time of the sweep, of collect and in total, jobs per minute and the load
average before and after (other work on the machine slows a sweep down). Target for the
default 100 points x 20 replicates on a 2-core machine: under 5 minutes in total.

``--profile`` times, in this process, where one job's time goes (imports, Hydra composition,
engine set-up and run, tables, writing) instead of running the sweep.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's sim, as `python -m sim` from ROOT sees it


def grid_overrides(grid: int) -> list[str]:
    """Two swept parameters of ``grid`` values each (clean decimals, no float drift)."""
    weights = ",".join(f"{(i + 0.5) / grid:.3g}" for i in range(grid))  # 0.05 ... 0.95
    herd = ",".join(f"{0.5 * (i + 1):g}" for i in range(grid))  # 0.5 ... 5
    return [f"herd.group_weight={weights}", f"purchase.herd={herd}"]


def sweep_command(args: argparse.Namespace, sweep_dir: Path) -> list[str]:
    """The ``python -m sim -m`` command of the benchmark."""
    cmd = [sys.executable, "-m", "sim", "-m", "strategy=layered", *grid_overrides(args.grid)]
    cmd += [f"replicates={args.replicates}", f"population.members={args.members}"]
    cmd += ["figures=false", f"hydra.sweep.dir={sweep_dir}"]
    if args.n_jobs is not None:
        cmd.append(f"hydra.launcher.n_jobs={args.n_jobs}")
    return cmd


def timed(cmd: list[str], log: Path) -> tuple[float, int]:
    """Run ``cmd`` from the project root, its output into ``log``; (seconds, exit code)."""
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
    return time.perf_counter() - t0, code.returncode


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def profile(args: argparse.Namespace) -> None:
    """Time the parts of one job in this process (what a joblib worker does per job)."""
    steps: list[tuple[str, float]] = []
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        steps.append((name, now - t))
        t = now

    from hydra import compose, initialize_config_dir

    from sim import config

    lap("import hydra, sim.config, engine")
    import matplotlib.pyplot  # noqa: F401
    import pandas  # noqa: F401

    import sim.outputs  # noqa: F401

    lap("import pandas, matplotlib, sim.outputs (once per worker)")
    overrides = ["strategy=layered", f"replicates={args.replicates}"]
    overrides += [f"population.members={args.members}", "figures=false"]
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    lap("Hydra composition of one job's config")
    from sim.engine import Engine
    from sim.outputs import daily_table, hourly_table, replicate_metrics, write_run

    params, seed, replicates = config.to_model_params(cfg)
    engine = Engine(params, seed=seed, replicates=replicates)
    lap("engine set-up (population, graphs)")
    engine.run()
    lap("engine run (792 hourly steps)")
    replicate_metrics(engine), daily_table(engine), hourly_table(engine)
    lap("tables and metrics (pandas)")
    out = Path(args.sweep_dir or ROOT / "results" / "sweeps" / "profile_job")
    write_run(engine, out, config.run_config(params, seed, replicates, "layered"), figures=False)
    lap("write_run without figure (tables again, CSV, JSON)")
    total = sum(s for _, s in steps)
    for name, seconds in steps:
        print(f"{seconds:7.2f} s  {name}")
    print(f"{total:7.2f} s  total ({args.replicates} replicates x {args.members} members)")


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=10, help="values per swept parameter")
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--n-jobs", type=int, default=None, help="joblib n_jobs (default -1)")
    parser.add_argument("--sweep-dir", default=None, help="default results/sweeps/bench_<time>")
    parser.add_argument("--profile", action="store_true", help="time the parts of one job")
    args = parser.parse_args()
    if args.profile:
        profile(args)
        return
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    sweep_dir = Path(args.sweep_dir or ROOT / "results" / "sweeps" / f"bench_{stamp}")
    if sweep_dir.exists():
        sys.exit(f"error: --sweep-dir {sweep_dir} exists; a benchmark needs a fresh directory")
    sweep_dir.parent.mkdir(parents=True, exist_ok=True)
    cmd = sweep_command(args, sweep_dir)
    jobs = args.grid * args.grid
    print("command:", shlex.join(["python", *cmd[1:]]))
    print(f"load average before: {load()} ({os.cpu_count()} cores)")
    sweep_s, code = timed(cmd, sweep_dir.parent / f"{sweep_dir.name}.log")
    print(
        f"sweep:   {sweep_s:7.1f} s  ({jobs} jobs, {jobs / sweep_s * 60:.1f} jobs/min, exit {code})"
    )
    if code != 0:
        print(f"sweep log: {sweep_dir.parent / f'{sweep_dir.name}.log'}")
    collect_s = 0.0
    if importlib.util.find_spec("sim.collect") is None:
        print("collect: skipped (sim.collect is not in this checkout)")
    else:
        collect_cmd = [sys.executable, "-m", "sim.collect", str(sweep_dir)]
        collect_s, ccode = timed(collect_cmd, sweep_dir.parent / f"{sweep_dir.name}.collect.log")
        print(f"collect: {collect_s:7.1f} s  (exit {ccode}: {shlex.join(collect_cmd[1:])})")
    total = sweep_s + collect_s
    print(f"total:   {total:7.1f} s  ({total / 60:.1f} min; target under 5 min)")
    print(f"load average after: {load()}")
    print(f"sweep directory: {sweep_dir}")


if __name__ == "__main__":
    main()
