"""The tables of a sweep's report: per-point means, paired differences, failed jobs.

Every parameter point (job) of a sweep gets, for each reported metric, its mean over
replicates with a 95% interval (``mean_ci95``), and its paired difference against the
baseline point with a 95% interval (``paired_difference``): the baseline point is the job with
the same other swept values and the baseline's value of the baseline key (``strategy=sop``).
Replicate ``i`` of two jobs with the same seed faces the same members, graph and draws, so the
difference is taken replicate by replicate; jobs whose seeds or replicate indices differ from
their baseline's are not paired, and the table says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.outputs.comparison import comparison_frame, point_rows

from .read import DONE, FAILED, JobDir, Sweep, SweepError, parse_override, value_label

HEADLINE: tuple[str, ...] = (
    "conversion_rate",
    "peak48_share",
    "revenue",
    "cost",
    "roi",
    "churn_rate",
)
NOT_METRICS = frozenset({"job", "job_num", "seed", "replicate"})
FAILED_COLUMNS: tuple[str, ...] = ("job", "job_num", "overrides", "error_type", "message")


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


def swept_values(sweep: Sweep, key: str) -> list[Any]:
    """The values of swept ``key``, in sweep order (as the jobs have them if not listed)."""
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
        allowed = swept_values(sweep, key)
        match = [v for v in allowed if _same(v, value)]
        if not match:
            shown = ", ".join(value_label(v) for v in allowed)
            raise SweepError(f"baseline {spec}: {key} takes the values {shown} in this sweep")
        return Baseline(key, match[0], source)
    key = "strategy" if "strategy" in sweep.keys else sweep.keys[0]
    return Baseline(key, swept_values(sweep, key)[0], f"default: the first value of {key}")


def _same(a: Any, b: Any) -> bool:
    """Equal swept values (``true`` is not ``1``)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _matches(job: JobDir, target: dict[str, Any]) -> bool:
    return all(_same(job.params.get(k), v) for k, v in target.items())


def baseline_job(sweep: Sweep, job: JobDir, baseline: Baseline) -> tuple[JobDir | None, str]:
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


def pairing_problem(job: JobDir, base: JobDir, mine: pd.DataFrame, theirs: pd.DataFrame) -> str:
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
        pairing = "" if baseline is None else (problem or "paired")
        if base is job:
            pairing = "baseline"
        pair = None if base is None else (base.name, None if problem else by_job[base.name])
        point = {"job": job.name, "job_num": job.num, **job.params}
        rows += point_rows(point, mine, metrics, baseline=pair, pairing=pairing)
    return comparison_frame(rows, sweep.keys)


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
