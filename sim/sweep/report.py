"""The report of a sweep (``python -m sim.collect``): its Markdown, and the collection itself.

``collect`` reads a sweep directory (``read.read_sweep``), stacks its finished jobs' tables
(``read.collect_frames``), builds the comparison and failure tables (``tables``) and the
Markdown report, and writes them all atomically with the figures (``figures``): nothing is
written for a directory that cannot be collected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.outputs.formats import format_interval, md_table, metric_format
from sim.outputs.write import write_atomic

from .figures import plot_sweep_daily, plot_sweep_metrics
from .read import (
    DONE,
    FAILED,
    REPORT_DIR,
    UNFINISHED,
    Sweep,
    SweepError,
    collect_frames,
    read_sweep,
    value_label,
)
from .tables import (
    HEADLINE,
    Baseline,
    check_metrics,
    comparison_table,
    failed_table,
    resolve_baseline,
    swept_values,
)


def _listing(values: list[Any]) -> str:
    return ", ".join(value_label(v) for v in values)


def _setting(sweep: Sweep) -> str:
    """``20 replicates of 500 members, seed 0`` from the finished jobs' summaries."""
    done = sweep.with_status(DONE)
    parts = []
    for key, word in (("replicates", "replicates"), ("members", "members"), ("seed", "seed")):
        seen = sorted({j.summary.get(key) for j in done if j.summary.get(key) is not None})
        if seen:
            parts.append((word, ", ".join(str(v) for v in seen)))
    text = dict(parts)
    out = []
    if "replicates" in text:
        out.append(f"{text['replicates']} replicates")
    if "members" in text:
        out.append(f"of {text['members']} members")
    line = " ".join(out)
    if "seed" in text:
        line += f", seed {text['seed']}" if line else f"seed {text['seed']}"
    return line


def header_lines(sweep: Sweep, baseline: Baseline | None) -> list[str]:
    """Title, question, what was run and swept, the job counts, and the baseline."""
    name = sweep.experiment.get("name")
    lines = [f"# Experiment {name}" if name else f"# Sweep {sweep.path.name}", ""]
    if sweep.experiment.get("question"):
        lines += [str(sweep.experiment["question"]), ""]
    counts = {s: len(sweep.with_status(s)) for s in (DONE, FAILED, UNFINISHED)}
    jobs = (
        f"{len(sweep.jobs)} jobs: {counts[DONE]} finished, {counts[FAILED]} failed, "
        f"{counts[UNFINISHED]} unfinished"
    )
    if sweep.not_started:
        jobs += f", {sweep.not_started} not started (of {sweep.expected_jobs})"
    setting = _setting(sweep)
    lines.append(f"Sweep directory `{sweep.path}`. {jobs}." + (f" {setting}." if setting else ""))
    if sweep.params:
        swept = "; ".join(
            f"`{p.key}` ({_listing(swept_values(sweep, p.key))})" for p in sweep.params
        )
        lines += ["", f"Swept: {swept}."]
    if sweep.fixed:
        lines += ["", "Fixed overrides: " + " ".join(f"`{x}`" for x in sweep.fixed) + "."]
    for note in sweep.notes:
        lines += ["", f"Note: {note}."]
    if baseline is not None:
        lines += [
            "",
            f"Baseline: `{baseline.text}` ({baseline.source}). Each point is compared with the "
            f"job that has the same other swept values and `{baseline.text}`, replicate by "
            "replicate (same seed and replicates: common random numbers).",
        ]
    return lines


def report_markdown(
    sweep: Sweep,
    table: pd.DataFrame,
    failed: pd.DataFrame,
    baseline: Baseline | None,
    metrics: Sequence[str],
) -> str:
    """The report as Markdown: header, means, paired differences, failed and unfinished jobs.

    Args:
        sweep: the sweep.
        table: ``comparison_table``.
        failed: ``failed_table``.
        baseline: the baseline (None: no differences).
        metrics: the reported metrics, in order.
    """
    lines = header_lines(sweep, baseline)
    keys = sweep.keys
    points = table.drop_duplicates("job")
    at = table.set_index(["job", "metric"]) if len(table) else table
    labels = [metric_format(m).label for m in metrics]
    if len(points):
        body = []
        for _, p in points.iterrows():
            cells = [p["job"], *[value_label(p[k]) for k in keys], str(p["replicates"])]
            for m in metrics:
                r = at.loc[(p["job"], m)]
                cells.append(
                    format_interval(r["mean"], r["ci95_low"], r["ci95_high"], metric_format(m).fmt)
                )
            body.append(cells)
        lines += ["", "## Mean over replicates [95% interval]", ""]
        lines += md_table(["job", *keys, "replicates", *labels], body)
    else:
        lines += ["", "No finished job."]
    if baseline is not None and len(points):
        body, unpaired = [], []
        for _, p in points.iterrows():
            if p["pairing"] == "baseline":
                continue
            if p["pairing"] != "paired":
                unpaired.append(f"- {p['job']}: {p['pairing']}")
                continue
            cells = [p["job"], *[value_label(p[k]) for k in keys], str(p["baseline_job"])]
            for m in metrics:
                r = at.loc[(p["job"], m)]
                fmt = metric_format(m).diff_fmt
                cells.append(
                    format_interval(r["diff_mean"], r["diff_ci95_low"], r["diff_ci95_high"], fmt)
                )
            body.append(cells)
        lines += ["", f"## Paired difference against `{baseline.text}` [95% interval]", ""]
        if body:
            lines += md_table(["job", *keys, "baseline job", *labels], body)
        else:
            lines.append("No point could be paired with a baseline job.")
        if unpaired:
            lines += ["", "Not compared:", "", *unpaired]
    lines += _failure_lines(sweep, failed)
    return "\n".join(lines) + "\n"


def _failure_lines(sweep: Sweep, failed: pd.DataFrame) -> list[str]:
    unfinished = sweep.with_status(UNFINISHED)
    if not len(failed) and not unfinished and not sweep.not_started:
        return []
    lines = ["", "## Failed jobs", ""]
    if len(failed):
        body = [
            [r["job"], r["overrides"], r["error_type"], r["message"]] for _, r in failed.iterrows()
        ]
        lines += md_table(["job", "overrides", "error", "message"], body)
    else:
        lines.append("None.")
    if unfinished:
        names = ", ".join(j.name for j in unfinished)
        lines += [
            "",
            f"Unfinished jobs (neither summary.json nor error.json: running, or killed): "
            f"{len(unfinished)} ({names}).",
        ]
    if sweep.not_started:
        lines += ["", f"Jobs not started yet: {sweep.not_started} of {sweep.expected_jobs}."]
    return lines


# ----------------------------------------------------------------------- collecting
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
            f"{sweep.path}: no finished job to collect ({state_text(sweep)}; a job with only "
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
        name = str(sweep.experiment.get("name") or sweep.path.name)
        setting = _setting(sweep)
        title = f"{name} ({setting})" if setting else name
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


def state_text(sweep: Sweep) -> str:
    """The failed and unfinished jobs in a few words, with the first failure's message."""
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
