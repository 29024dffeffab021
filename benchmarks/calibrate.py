"""Time a 50-trial calibration (``python -m sim.calibrate``) on the default group.

Usage::

    .venv/bin/python benchmarks/calibrate.py [--calibration default] [--trials 50]
        [--replicates 10] [--n-jobs -1] [--output DIR] [override ...]

Runs ``python -m sim.calibrate calibration=<name>`` (``default``: the calibration patterns'
patterns, ``sop`` and ``layered`` per trial; ``example_campaign``: the example campaign CSV,
``sop`` per trial) on the default 500-member group with ``--trials`` trials and
``--replicates`` replicates per strategy and trial, ``--n-jobs`` trials at once (worker
processes), into a fresh output folder. Prints the command, the wall time, seconds per trial,
the best loss and the load average before and after (other work on the machine slows it
down). Target on a 2-core machine: under 10 minutes for 50 trials.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", default="default")
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--output", default="")
    parser.add_argument("overrides", nargs="*", help="more overrides for sim.calibrate")
    args = parser.parse_args()
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out = args.output or str(ROOT / "results" / "benchmarks" / f"calibrate_{stamp}")
    command = [
        sys.executable,
        "-m",
        "sim.calibrate",
        f"calibration={args.calibration}",
        f"calibration.trials={args.trials}",
        f"replicates={args.replicates}",
        f"calibration.n_jobs={args.n_jobs}",
        f"calibration.output={out}",
        *args.overrides,
    ]
    print("$", shlex.join(command[1:]), flush=True)
    load_before = os.getloadavg()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, check=False)
    seconds = time.perf_counter() - start
    load_after = os.getloadavg()
    if done.returncode != 0:
        raise SystemExit(f"sim.calibrate failed with exit code {done.returncode}")
    history = (Path(out) / "history.csv").read_text().splitlines()[1:]
    best = min(float(line.split(",")[1]) for line in history)
    print(
        f"calibration={args.calibration}: {args.trials} trials x {args.replicates} replicates "
        f"in {seconds:.0f} s ({seconds / 60:.1f} min, {seconds / args.trials:.1f} s per trial, "
        f"n_jobs {args.n_jobs}, {os.cpu_count()} cores); best loss {best:.4g}; target < 600 s: "
        f"{'met' if seconds < 600 else 'NOT met'}"
    )
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}; results in {out}")


if __name__ == "__main__":
    main()
