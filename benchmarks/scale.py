"""How the engine's cost grows with members: 500 to 1,000,000, one 33-day hourly run each.

Usage::

    .venv/bin/python benchmarks/scale.py                      # 500 ... 1,000,000 members
    .venv/bin/python benchmarks/scale.py --sizes 500,5000,50000 --strategy layered
    .venv/bin/python benchmarks/scale.py --no-write            # print only

Each size runs in a fresh process (so its peak memory is its own), on one core, with the
default community settings: groups of 500 (``population.groups`` = members / 500), the
default graph (Holme-Kim blocks, sparse ties across groups) and one replicate; the 500-member
group is also run with 20 replicates (the batch of the main job). For each it reports:

- set-up time (population, graph, centrality) and run time of all 792 hours;
- step time (run time / hours) and time per member-hour;
- the floor: the time of one sparse matrix-vector product over the same graph (reading
  every tie once), and the ratio step / floor;
- peak resident memory of the process.

It prints a table, the log-log slope of time against members (and against ties) from
5,000 members up, and writes ``docs/scale.md`` and ``docs/scale.png``. Targets (issue 4):
100,000 members under 15 s; 1,000,000 members under 4 GB; step / floor at most 10 from
50,000 members up; slope between 0.9 and 1.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (500, 5_000, 50_000, 100_000, 1_000_000)
ONE_CORE = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def measure(members: int, replicates: int, strategy: str, seed: int) -> dict:
    """Run one campaign in this process and return its figures."""
    import numpy as np

    from sim.engine import Engine, ModelParams
    from sim.plans import load_strategy

    params = ModelParams()
    params.population.members = members
    params.strategy = load_strategy(strategy)[0]
    t0 = time.perf_counter()
    engine = Engine(params, seed=seed, replicates=replicates)
    t1 = time.perf_counter()
    engine.run()
    t2 = time.perf_counter()
    x = np.ones(engine.adjacency.shape[0])
    products = []
    for _ in range(30):
        start = time.perf_counter()
        engine.adjacency @ x
        products.append(time.perf_counter() - start)
    spmv = float(np.median(products))
    step = (t2 - t1) / engine.hours
    return {
        "members": members,
        "replicates": replicates,
        "slots": engine.slots,
        "groups": int(engine.state.groups),
        "ties": int(engine.adjacency.nnz // 2),
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
        "total_s": t2 - t0,
        "step_ms": 1e3 * step,
        "ns_per_member_hour": 1e9 * (t2 - t1) / (members * replicates * engine.hours),
        "spmv_ms": 1e3 * spmv,
        "step_over_floor": step / spmv,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "conversion": float(engine.state.bought[:, :members].mean()),
    }


def run_child(members: int, replicates: int, strategy: str, seed: int) -> dict:
    """Measure one size in a fresh process (its own peak memory)."""
    cmd = [sys.executable, __file__, "--one", f"{members}:{replicates}"]
    cmd += ["--strategy", strategy, "--seed", str(seed)]
    env = {**os.environ, **ONE_CORE, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"size {members} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def slope(rows: list[dict], x: str, y: str = "run_s", low: int = 5_000) -> float:
    """Least-squares slope of log(y) against log(x) over one-replicate rows from ``low`` up."""
    import numpy as np

    use = [r for r in rows if r["replicates"] == 1 and r["members"] >= low]
    if len(use) < 2:
        return float("nan")
    return float(np.polyfit(np.log([r[x] for r in use]), np.log([r[y] for r in use]), 1)[0])


def table(rows: list[dict]) -> str:
    """A Markdown table of the measurements."""
    head = (
        "| members | replicates | groups | ties | set-up s | run s | total s | step ms | "
        "ns/member-hour | floor (spmv) ms | step / floor | peak MB |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = [
        f"| {r['members']:,} | {r['replicates']} | {r['groups']} | {r['ties']:,} | "
        f"{r['setup_s']:.2f} | {r['run_s']:.2f} | {r['total_s']:.2f} | {r['step_ms']:.2f} | "
        f"{r['ns_per_member_hour']:.0f} | {r['spmv_ms']:.3f} | {r['step_over_floor']:.1f} | "
        f"{r['peak_mb']:,.0f} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    """Log-log plot of run and total time against members, with a slope-1 guide."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    one = [r for r in rows if r["replicates"] == 1]
    n = [r["members"] for r in one]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.loglog(n, [r["run_s"] for r in one], "o-", label="run (792 hourly steps)")
    ax.loglog(n, [r["total_s"] for r in one], "s--", label="set-up + run")
    ax.loglog(n, [r["spmv_ms"] * 792 / 1e3 for r in one], ":", label="792 x floor (one spmv)")
    guide = one[-1]["run_s"] * (n[0] / n[-1])
    ax.loglog([n[0], n[-1]], [guide, one[-1]["run_s"]], color="grey", lw=0.8, label="slope 1")
    ax.set_xlabel("members")
    ax.set_ylabel("seconds")
    ax.set_title("Cost of a 33-day hourly run against members (one core)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    """Measure every size in its own process, print and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--strategy", default="sop")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # members:replicates, in a child
    args = ap.parse_args()
    if args.one:
        members, replicates = map(int, args.one.split(":"))
        print(json.dumps(measure(members, replicates, args.strategy, args.seed)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs = [(n, 1) for n in sizes] + ([(500, 20)] if 500 in sizes else [])
    rows = []
    for members, replicates in jobs:
        row = run_child(members, replicates, args.strategy, args.seed)
        rows.append(row)
        print(
            f"{members:>9,} members x {replicates:>2}: total {row['total_s']:7.2f} s "
            f"(set-up {row['setup_s']:.2f}), step {row['step_ms']:.2f} ms = "
            f"{row['step_over_floor']:.1f} x floor, {row['peak_mb']:,.0f} MB",
            flush=True,
        )
    s_members, s_ties = slope(rows, "members"), slope(rows, "ties")
    s_total = slope(rows, "members", "total_s")
    verdict = (
        f"Log-log slope from 5,000 members up: run time {s_members:.2f} against members, "
        f"{s_ties:.2f} against ties; set-up + run {s_total:.2f} against members."
    )
    print(table(rows) + "\n" + verdict)
    if args.no_write:
        return
    docs = ROOT / "docs"
    plot(rows, docs / "scale.png")
    load = os.getloadavg()[0]
    (docs / "scale.md").write_text(
        "# Scale benchmark\n\n"
        f"`.venv/bin/python benchmarks/scale.py --strategy {args.strategy}` on "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"one core per run (load average {load:.1f} at the end). Strategy `{args.strategy}`, "
        f"seed {args.seed}, groups of 500, default graph, 792 hourly steps.\n\n"
        + table(rows)
        + "\n"
        + verdict
        + "\n\n![time against members](scale.png)\n",
        encoding="utf-8",
    )
    print(f"wrote {docs / 'scale.md'} and {docs / 'scale.png'}")


if __name__ == "__main__":
    main()
