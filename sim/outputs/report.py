"""The report of a sweep: per-point means, paired differences against a baseline, failures.

Every parameter point (job) of a sweep gets, for each reported metric, its mean over
replicates with a 95% t-interval (``mean_ci95``), and its paired difference against the
baseline point with a 95% interval (``paired_difference``): the baseline point is the job with
the same other swept values and the baseline's value of the baseline key (``strategy=sop``).
Replicate ``i`` of two jobs with the same seed faces the same members, graph and draws, so the
difference is taken replicate by replicate; jobs whose seeds or replicate indices differ from
their baseline's are not paired, and the report says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .formats import FORMATS, MetricFormat, general, signed_general
from .summary import difference_columns, interval_columns, is_share
from .sweep import DONE, FAILED, UNFINISHED, Job, Sweep, SweepError, parse_override, value_label

HEADLINE: tuple[str, ...] = (
    "conversion_rate",
    "peak48_share",
    "revenue",
    "cost",
    "roi",
    "churn_rate",
)
NOT_METRICS = frozenset({"job", "job_num", "seed", "replicate"})
COMPARISON_COLUMNS: tuple[str, ...] = (
    "metric",
    "replicates",
    "mean",
    "ci95_low",
    "ci95_high",
    "baseline_job",
    "diff_mean",
    "diff_ci95_low",
    "diff_ci95_high",
    "ratio",
    "pairs",
    "sd_paired",
    "sd_unpaired",
    "pairing",
)
FAILED_COLUMNS: tuple[str, ...] = ("job", "job_num", "overrides", "error_type", "message")


def metric_format(name: str) -> MetricFormat:
    """The display of a metric (a general number format for columns without their own)."""
    return FORMATS.get(name, MetricFormat(name, general, signed_general))


def format_stat(mean: float, low: float, high: float, fmt: Callable[[float], str]) -> str:
    """``mean [low, high]`` (``n/a`` when the mean is undefined)."""
    if not math.isfinite(mean):
        return "n/a"
    if not (math.isfinite(low) and math.isfinite(high)):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


# ----------------------------------------------------------------------- the baseline
@dataclass(frozen=True)
class Baseline:
    """The point every other point is compared with: ``key=value`` and where it came from."""

    key: str
    value: Any
    source: str

    @property
    def text(self) -> str:
        """``key=value`` with the value's short label."""
        return f"{self.key}={value_label(self.value)}"


def _values(sweep: Sweep, key: str) -> list[Any]:
    param = next(p for p in sweep.params if p.key == key)
    if param.values:
        return list(param.values)
    return list(dict.fromkeys(job.params.get(key) for job in sweep.jobs))


def resolve_baseline(sweep: Sweep, spec: str | None = None) -> Baseline | None:
    """The baseline: ``spec`` (``key=value``), else the experiment's, else a default.

    The default is the first value of ``strategy`` in sweep order when ``strategy`` is swept,
    else the first value of the first swept parameter; None when nothing is swept.

    Raises:
        SweepError: ``spec`` names a key that is not swept or a value the sweep does not have.
    """
    if not sweep.params:
        if spec:
            raise SweepError(f"--baseline {spec}: nothing is swept in {sweep.path}")
        return None
    source = "given"
    if not spec:
        declared = str(sweep.experiment.get("baseline") or "")
        if "=" in declared and parse_override(declared)[0] in sweep.keys:
            spec, source = declared, f"the baseline of experiment {sweep.experiment.get('name')}"
    if spec:
        key, value = parse_override(spec)
        if key not in sweep.keys:
            raise SweepError(f"baseline {spec}: {key} is not swept; swept: {', '.join(sweep.keys)}")
        allowed = _values(sweep, key)
        match = [v for v in allowed if _same(v, value)]
        if not match:
            shown = ", ".join(value_label(v) for v in allowed)
            raise SweepError(f"baseline {spec}: {key} takes the values {shown} in this sweep")
        return Baseline(key, match[0], source)
    key = "strategy" if "strategy" in sweep.keys else sweep.keys[0]
    return Baseline(key, _values(sweep, key)[0], f"default: the first value of {key}")


def _same(a: Any, b: Any) -> bool:
    """Equal swept values (``true`` is not ``1``)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _matches(job: Job, target: dict[str, Any]) -> bool:
    return all(_same(job.params.get(k), v) for k, v in target.items())


def baseline_job(sweep: Sweep, job: Job, baseline: Baseline) -> tuple[Job | None, str]:
    """The finished job ``job`` is compared with, or None and why there is none."""
    target = {**job.params, baseline.key: baseline.value}
    candidates = [j for j in sweep.jobs if _matches(j, target)]
    done = [j for j in candidates if j.status == DONE]
    if done:
        return done[0], ""
    where = ", ".join(f"{k}={value_label(v)}" for k, v in target.items())
    if candidates:
        other = candidates[0]
        return None, f"not paired: its baseline job {other.name} ({where}) is {other.status}"
    return None, f"not paired: no job with {where} in the sweep"


def _replicate_range(replicates: Sequence[int]) -> str:
    values = sorted(int(r) for r in replicates)
    if values and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]}" if len(values) > 1 else str(values[0])
    return ",".join(str(v) for v in values)


def pairing_problem(job: Job, base: Job, mine: pd.DataFrame, theirs: pd.DataFrame) -> str:
    """Why two finished jobs cannot be paired replicate by replicate ('' when they can)."""
    if job.seed != base.seed:
        return f"not paired: seed {job.seed} against {base.seed} of its baseline job {base.name}"
    a, b = list(mine["replicate"]), list(theirs["replicate"])
    if sorted(a) != sorted(b) or len(set(a)) != len(a):
        return (
            f"not paired: replicates {_replicate_range(a)} against {_replicate_range(b)} of its "
            f"baseline job {base.name}"
        )
    return ""


# ----------------------------------------------------------------------- the tables
def check_metrics(runs: pd.DataFrame, sweep: Sweep, metrics: Sequence[str]) -> list[str]:
    """The reported metrics, checked against the columns of ``replicates.csv``.

    Raises:
        SweepError: a metric that is not a numeric per-replicate column.
    """
    keys = set(sweep.keys)
    available = [
        c
        for c in runs.columns
        if c not in NOT_METRICS and c not in keys and pd.api.types.is_numeric_dtype(runs[c])
    ]
    chosen = list(dict.fromkeys(metrics))
    wrong = [m for m in chosen if m not in available]
    if wrong:
        raise SweepError(
            f"--metric {', '.join(wrong)}: not a per-replicate figure of replicates.csv; "
            f"available: {', '.join(available)}"
        )
    return chosen


def comparison_table(
    sweep: Sweep, runs: pd.DataFrame, baseline: Baseline | None, metrics: Sequence[str]
) -> pd.DataFrame:
    """One row per finished job and metric: mean, interval, paired difference to the baseline.

    Args:
        sweep: the sweep (``read_sweep``), after ``collect_frames``.
        runs: the runs frame (one row per job and replicate).
        baseline: the baseline point, or None (no differences).
        metrics: the per-replicate columns to report.

    Returns:
        Columns ``job``, ``job_num``, one per swept key, then ``COMPARISON_COLUMNS`` (see
        ``COLLECT_FIELD_DOCS["report/comparison.csv"]``). The baseline's own rows have a
        difference of 0 against themselves; rows that cannot be paired have empty differences
        and say why in ``pairing``.
    """
    by_job = {name: table.sort_values("replicate") for name, table in runs.groupby("job")}
    rows = []
    for job in sweep.with_status(DONE):
        if job.name not in by_job:
            continue
        mine = by_job[job.name]
        base, problem = (None, "") if baseline is None else baseline_job(sweep, job, baseline)
        if base is not None:
            problem = pairing_problem(job, base, mine, by_job[base.name])
        theirs = by_job[base.name] if base is not None and not problem else None
        pairing = "" if baseline is None else (problem or "paired")
        if base is job:
            pairing = "baseline"
        for metric in metrics:
            row: dict[str, Any] = {
                "job": job.name,
                "job_num": job.num,
                **job.params,
                "metric": metric,
                "replicates": len(mine),
                **interval_columns(mine[metric], share=is_share(metric)),
                "baseline_job": base.name if base is not None else None,
                "pairing": pairing,
            }
            if theirs is not None:
                row |= difference_columns(mine[metric], theirs[metric])
            rows.append(row)
    columns = ["job", "job_num", *sweep.keys, *COMPARISON_COLUMNS]
    return pd.DataFrame(rows).reindex(columns=columns)


def failed_table(sweep: Sweep) -> pd.DataFrame:
    """One row per failed job: its directory, number, overrides and error (``error.json``)."""
    rows = [
        {
            "job": job.name,
            "job_num": job.num,
            "overrides": " ".join(job.overrides),
            "error_type": job.error.get("error_type", ""),
            "message": job.error.get("message", ""),
        }
        for job in sweep.with_status(FAILED)
    ]
    return pd.DataFrame(rows).reindex(columns=list(FAILED_COLUMNS))


# ----------------------------------------------------------------------- Markdown
def _md_table(header: list[str], body: list[list[str]]) -> list[str]:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    return lines + ["| " + " | ".join(cell(c) for c in cells) + " |" for cells in body]


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
        swept = "; ".join(f"`{p.key}` ({_listing(_values(sweep, p.key))})" for p in sweep.params)
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
                    format_stat(r["mean"], r["ci95_low"], r["ci95_high"], metric_format(m).fmt)
                )
            body.append(cells)
        lines += ["", "## Mean over replicates [95% interval]", ""]
        lines += _md_table(["job", *keys, "replicates", *labels], body)
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
                    format_stat(r["diff_mean"], r["diff_ci95_low"], r["diff_ci95_high"], fmt)
                )
            body.append(cells)
        lines += ["", f"## Paired difference against `{baseline.text}` [95% interval]", ""]
        if body:
            lines += _md_table(["job", *keys, "baseline job", *labels], body)
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
        lines += _md_table(["job", "overrides", "error", "message"], body)
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
