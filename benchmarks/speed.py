"""Time the default campaign: 20 replicates of the 500-member, 33-day hourly ``layered`` run.

Usage::

    .venv/bin/python benchmarks/speed.py [--replicates 20] [--strategy layered] [--repeat 3]
    .venv/bin/python benchmarks/speed.py --against ../older-checkout [--rounds 8]

Prints the set-up time (population and graphs), the model time (the 792 hourly steps), their
sum, and the time per member-hour (model time / (members x replicates x hours)). The target
of the simulator issue is under 2 seconds of model time on one core; the best of ``--repeat``
runs is reported, since other load on the machine only ever adds time.

``--against DIR`` compares with another checkout of the project (e.g. a ``git worktree`` of
an older commit): this script and the other checkout's ``benchmarks/speed.py`` run in
alternation, ``--rounds`` times each, each in a fresh process; it prints both model times'
best and median and their ratios. On a shared machine only such side-by-side figures compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sim.engine import Engine, ModelParams
from sim.plans import load_plan


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--strategy", default="layered")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=8, help="alternations with --against")
    args = parser.parse_args()
    if args.against is not None:
        compare(args)
        return
    params = ModelParams(strategy=load_plan(args.strategy))
    best = None
    for i in range(args.repeat):
        t0 = time.perf_counter()
        engine = Engine(params, seed=args.seed + i, replicates=args.replicates)
        t1 = time.perf_counter()
        engine.run()
        t2 = time.perf_counter()
        if best is None or (t2 - t0) < best[0] + best[1]:
            best = (t1 - t0, t2 - t1)
    setup, model = best
    member_hours = params.population.members * args.replicates * engine.hours
    print(
        f"strategy {args.strategy}, {args.replicates} replicates x "
        f"{params.population.members} members x {engine.hours} hours (best of {args.repeat})"
    )
    print(f"  set-up (population, graphs): {setup:6.2f} s")
    print(f"  model time (hourly steps):   {model:6.2f} s")
    print(f"  total:                       {setup + model:6.2f} s")
    print(
        f"  per member-hour:             {model / member_hours * 1e9:6.1f} ns "
        f"({(setup + model) / member_hours * 1e9:.1f} ns with set-up)"
    )


def _model_time(script: Path, tree: Path, args: argparse.Namespace) -> float:
    """One fresh process of ``script`` with ``tree`` first on the path; its model time."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run(
        [
            sys.executable,
            str(script),
            "--replicates",
            str(args.replicates),
            "--strategy",
            args.strategy,
            "--repeat",
            str(args.repeat),
            "--seed",
            str(args.seed),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if "model time" in x)
    return float(line.split()[-2])


def compare(args: argparse.Namespace) -> None:
    """Alternate this checkout and ``args.against``; print best, median and ratios."""
    here = Path(__file__).resolve().parents[1]
    other = args.against.resolve()
    script = other / "benchmarks" / "speed.py"
    if not script.is_file():
        sys.exit(f"error: --against {other}: no benchmarks/speed.py there")
    times: dict[str, list[float]] = {"this": [], "other": []}
    for _ in range(args.rounds):
        times["this"].append(_model_time(Path(__file__).resolve(), here, args))
        times["other"].append(_model_time(script, other, args))
    for name, tree in (("this", here), ("other", other)):
        t = times[name]
        print(f"{name:5s} {tree}: best {min(t):.2f} s, median {statistics.median(t):.2f} s")
    best = min(times["this"]) / min(times["other"])
    median = statistics.median(times["this"]) / statistics.median(times["other"])
    print(f"this / other: best {best:.2f}, median {median:.2f} ({args.rounds} rounds each)")


if __name__ == "__main__":
    main()
