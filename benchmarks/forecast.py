"""Time ``sim.forecast``: 200 replicates of a 500-member plan against its baseline, and the
who-to-care-for ranking (top 20).

Usage::

    .venv/bin/python benchmarks/forecast.py [--plan layered] [--baseline sop]
        [--replicates 200] [--top 20] [--care-replicates 12] [--n-jobs 2]

Prints the wall time of the forecast runs (plan, baseline and any counterfactual runs,
split across ``--n-jobs`` processes) and of the ranking, the processor time their workers
used, and the load average: other work on a shared machine only ever adds wall time, so
CPU-seconds / n_jobs is what the same work takes on free cores. Targets (issue 11): forecast
under 20 s, ranking under 2 minutes, on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import time

from sim.forecast.__main__ import CareSettings, ForecastConfig, prepare
from sim.forecast.care import rank_care
from sim.forecast.runs import run_scenarios


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default="layered")
    parser.add_argument("--baseline", default="sop")
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--care-replicates", type=int, default=CareSettings().replicates)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cfg = ForecastConfig(
        plan=args.plan,
        baseline=args.baseline,
        replicates=args.replicates,
        seed=args.seed,
        n_jobs=args.n_jobs,
        care=CareSettings(top=args.top, replicates=args.care_replicates),
    )
    ready = prepare(cfg)
    params, scenarios = ready["params"], ready["scenarios"]
    print(
        f"plan {args.plan} vs {args.baseline}: {params.population.members} members, "
        f"{params.days} days, {args.replicates} replicates, {len(scenarios)} scenarios "
        f"({', '.join(s.name for s in scenarios)}), {args.n_jobs} processes; "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )
    t0 = time.perf_counter()
    runs = run_scenarios(
        params,
        scenarios,
        seed=args.seed,
        replicates=args.replicates,
        n_jobs=args.n_jobs,
        chunk=cfg.chunk,
    )
    t1 = time.perf_counter()
    cpu = sum(r.cpu_seconds for r in runs.values())
    print(
        f"  forecast runs:           {t1 - t0:6.1f} s wall (target < 20 s); {cpu:.1f} CPU-s "
        f"in the workers, so about {cpu / args.n_jobs:.1f} s on {args.n_jobs} free cores"
    )
    if args.top > 0:
        ranking = rank_care(
            params,
            seed=args.seed,
            replicates=args.care_replicates,
            top=args.top,
            n_jobs=args.n_jobs,
        )
        t2 = time.perf_counter()
        print(
            f"  care ranking (top {args.top}):  {t2 - t1:6.1f} s   (target < 120 s; "
            f"{ranking['evaluations']} CELF evaluations of {ranking['candidates']} candidates, "
            f"plain greedy would need {ranking['plain_greedy_evaluations']}); "
            f"{ranking['cpu_seconds']:.1f} CPU-s in the workers, so about "
            f"{ranking['cpu_seconds'] / args.n_jobs:.1f} s on {args.n_jobs} free cores"
        )
    print(f"  load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
