"""``python -m sim.collect SWEEP_DIR``: gather a sweep into tables and a report.

Reads a finished or partly finished sweep directory (``python -m sim -m key=a,b ...``) and
writes, all atomically (a crash leaves no half-written file)::

    SWEEP_DIR/runs.parquet          one row per finished job and replicate
    SWEEP_DIR/daily.parquet         one row per finished job, replicate and day
    SWEEP_DIR/report/comparison.csv per point and metric: mean, 95% interval, paired difference
    SWEEP_DIR/report/comparison.md  the same as tables, with failed and unfinished jobs
    SWEEP_DIR/report/failed.csv     the failed jobs with their overrides and error messages
    SWEEP_DIR/report/daily.png      cumulative conversion, purchases, active members by day
    SWEEP_DIR/report/metrics.png    each metric's mean and 95% interval per point

Examples::

    python -m sim.collect results/sweeps/2026-01-01_12-00-00_ab12cd
    python -m sim.collect results/herd_strength --baseline strategy=sop
    python -m sim.collect DIR --metric conversion_rate --metric revenue,roi

Failed jobs (``error.json``) and unfinished ones (neither ``summary.json`` nor
``error.json``) are reported by name; what is finished is collected. A directory that cannot
be collected (missing, empty, not a sweep, no finished job) gives one ``error:`` line and
exit code 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim.engine.validation import one_line
from sim.sweep.read import DONE, FAILED, UNFINISHED, SweepError
from sim.sweep.report import collect, state_text
from sim.sweep.tables import HEADLINE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sim.collect",
        description="Gather a sweep directory into runs.parquet, daily.parquet and report/.",
    )
    parser.add_argument("sweep_dir", help="the sweep directory (hydra.sweep.dir)")
    parser.add_argument(
        "--baseline",
        metavar="KEY=VALUE",
        help="the point the others are compared with, e.g. strategy=sop (default: the "
        "experiment's baseline, else the first value of strategy, else of the first swept key)",
    )
    parser.add_argument(
        "--metric",
        action="append",
        metavar="NAME",
        help="a column of replicates.csv to report (repeatable or comma-separated; default: "
        + ", ".join(HEADLINE)
        + ")",
    )
    parser.add_argument("--no-figures", action="store_true", help="skip daily.png, metrics.png")
    parser.add_argument("--quiet", action="store_true", help="do not print the report")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for input that cannot be collected)."""
    args = _parser().parse_args(argv)
    try:
        done = collect(args.sweep_dir, args.baseline, args.metric, figures=not args.no_figures)
    except SweepError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(done.markdown)
    sweep = done.sweep
    incomplete = len(sweep.with_status(FAILED)) + len(sweep.with_status(UNFINISHED))
    if incomplete or sweep.not_started:
        print(
            f"warning: {sweep.path}: collected {len(sweep.with_status(DONE))} finished jobs; "
            f"{state_text(sweep)}"
            + (f"; {sweep.not_started} not started" if sweep.not_started else ""),
            file=sys.stderr,
        )
    print(f"wrote {', '.join(str(p) for p in done.written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
