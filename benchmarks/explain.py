"""Time ``python -m sim.explain`` on the default group: ``layered`` against ``sop``.

Usage::

    .venv/bin/python benchmarks/explain.py [--jobs 2] [--replicates 12] [--members 500] \
        [--output results/explain/benchmark]

Runs the command as a user would (a subprocess, results in a temporary folder) and prints its
wall time, the number of engine runs (2^n coalitions and the baseline), the engine-hours the
shared-prefix tree actually stepped against running every coalition on its own and the load
average of the machine (other work on a shared machine only ever adds time). The issue's
target: under 3 minutes on a 2-core machine for up to 8 components.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.explain.components import coalition_plan, default_components, load_labelled
from sim.explain.run import first_hours


def stepped_hours(plan: str, baseline: str, days: int = 33) -> tuple[int, int, int]:
    """Components, engine-hours of the tree, engine-hours of separate runs."""
    from sim.engine import Engine, ModelParams

    s, b = load_labelled(plan), load_labelled(baseline)
    comps = default_components(s, b.plan)
    n = len(comps)
    params = ModelParams(days=days)
    params.strategy = s.plan
    template = Engine(params, seed=0, replicates=1)
    plans = {0: coalition_plan(s.plan, comps, 0)}
    first = sorted(first_hours(template, plans, n))
    hours = template.hours
    bounds = [0, *first, hours]
    tree = sum((1 << k) * (bounds[k + 1] - bounds[k]) for k in range(n + 1))
    return n, tree, (1 << n) * hours


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--replicates", type=int, default=12)  # the command's default
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--plan", default="layered")
    parser.add_argument("--baseline", default="sop")
    parser.add_argument("--output", default="", help="keep the run's folder here")
    args = parser.parse_args()
    n, tree, separate = stepped_hours(args.plan, args.baseline)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.output or Path(tmp) / "run")
        start = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sim.explain",
                f"plan={args.plan}",
                f"baseline={args.baseline}",
                f"replicates={args.replicates}",
                f"population.members={args.members}",
                f"explain.jobs={args.jobs}",
                f"hydra.run.dir={out}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        if result.returncode:
            print(result.stderr, file=sys.stderr)
            raise SystemExit(result.returncode)
        runs = pd.read_csv(out / "coalitions.csv")["mask"].nunique() + 1
    load = os.getloadavg()
    print(
        f"sim.explain {args.plan} vs {args.baseline}: {n} components, {runs} runs of "
        f"{args.replicates} x {args.members} members x 33 days, {args.jobs} processes"
    )
    print(
        f"engine-hours stepped: {tree:,} (shared prefixes) instead of {separate:,} "
        f"({tree / separate:.0%})"
    )
    print(
        f"wall time: {wall:.1f} s (target < 180 s); load average {load[0]:.1f} on "
        f"{os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
