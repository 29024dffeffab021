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
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.engine.validation import one_line
from sim.outputs.report import (
    HEADLINE,
    Baseline,
    check_metrics,
    comparison_table,
    failed_table,
    report_markdown,
    resolve_baseline,
)
from sim.outputs.sweep import (
    DONE,
    FAILED,
    REPORT_DIR,
    UNFINISHED,
    Sweep,
    SweepError,
    collect_frames,
    read_sweep,
)
from sim.outputs.sweep_figures import plot_sweep_daily, plot_sweep_metrics
from sim.outputs.write import write_atomic


@dataclass
class Collected:
    """What ``collect`` read and wrote."""

    sweep: Sweep
    baseline: Baseline | None
    table: pd.DataFrame
    markdown: str
    written: list[Path]


def _metrics(chosen: Sequence[str] | None) -> list[str]:
    if not chosen:
        return list(HEADLINE)
    return [m.strip() for text in chosen for m in str(text).split(",") if m.strip()]


def collect(
    directory: str | Path,
    baseline: str | None = None,
    metrics: Sequence[str] | None = None,
    *,
    figures: bool = True,
) -> Collected:
    """Collect a sweep directory into its parquet tables and ``report/``.

    Args:
        directory: the sweep directory.
        baseline: ``key=value`` of a swept parameter (default: the experiment's baseline, else
            the first value of ``strategy`` if swept, else of the first swept parameter).
        metrics: per-replicate columns to report (default ``report.HEADLINE``).
        figures: draw ``daily.png`` and ``metrics.png``.

    Returns:
        The sweep, the baseline, the comparison table, the Markdown report and the files.

    Raises:
        SweepError: the directory cannot be collected, or a bad baseline or metric; nothing is
            written then.
    """
    sweep = read_sweep(directory)
    runs, daily = collect_frames(sweep)
    if not sweep.with_status(DONE):
        raise SweepError(
            f"{sweep.path}: no finished job to collect ({_state(sweep)}; a job with only "
            ".hydra/ is still running or was killed)"
        )
    chosen = check_metrics(runs, sweep, _metrics(metrics))
    base = resolve_baseline(sweep, baseline)
    table = comparison_table(sweep, runs, base, chosen)
    failed = failed_table(sweep)
    text = report_markdown(sweep, table, failed, base, chosen)

    root, report = sweep.path, sweep.path / REPORT_DIR
    report.mkdir(exist_ok=True)
    written = [
        write_atomic(root / "runs.parquet", lambda p: runs.to_parquet(p, index=False)),
        write_atomic(root / "daily.parquet", lambda p: daily.to_parquet(p, index=False)),
        write_atomic(report / "comparison.csv", lambda p: table.to_csv(p, index=False)),
        write_atomic(report / "failed.csv", lambda p: failed.to_csv(p, index=False)),
        write_atomic(report / "comparison.md", lambda p: p.write_text(text, encoding="utf-8")),
    ]
    if figures:
        title = str(sweep.experiment.get("name") or sweep.path.name)
        key = base.key if base else None
        written += [
            write_atomic(
                report / "daily.png",
                lambda p: plot_sweep_daily(sweep, daily, p, line_key=key, title=title, fmt="png"),
            ),
            write_atomic(
                report / "metrics.png",
                lambda p: plot_sweep_metrics(
                    sweep, runs, chosen, p, line_key=key, title=title, fmt="png"
                ),
            ),
        ]
    return Collected(sweep, base, table, text, written)


def _state(sweep: Sweep) -> str:
    parts = []
    for status, word in ((FAILED, "failed"), (UNFINISHED, "unfinished")):
        jobs = sweep.with_status(status)
        if jobs:
            names = ", ".join(j.name for j in jobs[:5]) + (", ..." if len(jobs) > 5 else "")
            parts.append(f"{len(jobs)} {word}: {names}")
    failed = sweep.with_status(FAILED)
    if failed and failed[0].error.get("message"):
        first = failed[0]
        parts.append(f"{first.name}: {first.error.get('error_type')}: {first.error['message']}")
    return "; ".join(parts) or "no job has finished"


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
            f"{_state(sweep)}"
            + (f"; {sweep.not_started} not started" if sweep.not_started else ""),
            file=sys.stderr,
        )
    print(f"wrote {', '.join(str(p) for p in done.written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
