"""The sweep's ledger: how many jobs, since when, and how each finished job ended.

The main process begins a multirun's ledger (``begin``: a run id, the start time, the job
count); the Hydra callback carries it to the processes that run the jobs (joblib workers,
SLURM tasks). Each job, when it ends, leaves one empty marker in its own Hydra folder,
``<job>/.hydra/outcome-<run id>.<outcome>`` (``done``, ``failed`` or ``skipped``; ``mark``).
Counting is listing those markers (``tally``): every writer creates its own file, so no lock
is needed, across processes or machines sharing the file system, and nothing is added beside
the job folders. Markers of an earlier multirun into the same directory have another run id
and are not counted.
"""

from __future__ import annotations

import math
import secrets
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .jobs import DONE, FAILED, OUTCOMES, SKIPPED

MARKER_PREFIX = "outcome-"


def count_jobs(overrides: Sequence[str], params: Mapping[str, Any] | None = None) -> int | None:
    """How many jobs Hydra's basic sweeper makes of these overrides.

    Args:
        overrides: the command line's overrides with their sweep syntax
            (``hydra.overrides.task``, e.g. ``["a=1,2", "b=range(0,1,0.25)"]``).
        params: the sweeper's own ``hydra.sweeper.params`` (``{"a": "1,2"}``), if any.

    Returns:
        The number of parameter points (the product of the sweeps' lengths, ``range`` and
        ``choice`` expanded), or None if the overrides cannot be expanded that way.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    # As the basic sweeper combines them (public API only): sweeper params first, then the
    # command line; a later override of a key replaces an earlier one; each discrete sweep
    # (a,b / range / choice) multiplies the count.
    lines = [f"{k}={v}" for k, v in (params or {}).items()] + list(overrides)
    sizes: dict[str, int] = {}
    try:
        for override in OverridesParser.create().parse_overrides(lines):
            if override.is_sweep_override() and not override.is_discrete_sweep():
                return None  # another sweeper's syntax (e.g. interval()): no count
            size = (
                len(list(override.sweep_string_iterator())) if override.is_sweep_override() else 1
            )
            sizes[override.get_key_element()] = size
    except Exception:  # text the parser refuses: Hydra reports it itself
        return None
    return math.prod(sizes.values())


@dataclass(frozen=True)
class SweepRun:
    """One multirun into a sweep directory.

    Attributes:
        sweep_dir: the sweep directory (as given: relative to the working directory, which
            the jobs share).
        run_id: tells this multirun's markers from an earlier one's.
        started: when it started (unix time).
        total: its number of jobs, if known.
    """

    sweep_dir: Path
    run_id: str
    started: float
    total: int | None


def begin(sweep_dir: Path | str, total: int | None, started: float | None = None) -> SweepRun:
    """A new multirun's ledger (nothing is written until a job ends)."""
    when = time.time() if started is None else started
    return SweepRun(Path(sweep_dir), secrets.token_hex(6), when, total)


def mark(job_dir: Path | str, run_id: str, outcome: str) -> Path:
    """Record in ``job_dir/.hydra/`` that its job ended with ``outcome`` in multirun ``run_id``.

    Earlier markers of the job are removed (one outcome per job: the latest).

    Returns:
        The marker file.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r}: allowed: {', '.join(OUTCOMES)}")
    folder = Path(job_dir) / ".hydra"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{MARKER_PREFIX}*"):
        old.unlink(missing_ok=True)
    marker = folder / f"{MARKER_PREFIX}{run_id}.{outcome}"
    marker.touch()
    return marker


@dataclass(frozen=True)
class Tally:
    """Where a sweep stands.

    Attributes:
        total: jobs in the sweep (None if unknown).
        started: when the multirun started (unix time; None if unknown).
        done: jobs run to completion by this multirun.
        failed: names of the job directories whose job failed.
        skipped: jobs found complete and skipped.
    """

    total: int | None
    started: float | None
    done: int
    failed: tuple[str, ...]
    skipped: int

    @property
    def finished(self) -> int:
        """Jobs that ended, whatever the outcome."""
        return self.done + len(self.failed) + self.skipped


def _job_order(name: str) -> tuple[int, str]:
    num = name.split("_", 1)[0]
    return (int(num) if num.isdigit() else sys.maxsize, name)


def tally(run: SweepRun) -> Tally:
    """Count the outcomes the jobs of multirun ``run`` have recorded so far."""
    names: dict[str, list[str]] = {o: [] for o in OUTCOMES}
    for marker in run.sweep_dir.glob(f"*/.hydra/{MARKER_PREFIX}{run.run_id}.*"):
        outcome = marker.suffix.lstrip(".")
        if outcome in names:
            names[outcome].append(marker.parent.parent.name)
    return Tally(
        total=run.total,
        started=run.started,
        done=len(names[DONE]),
        failed=tuple(sorted(names[FAILED], key=_job_order)),
        skipped=len(names[SKIPPED]),
    )


# ----------------------------------------------------------------------- lines shown
def progress_line(t: Tally, now: float | None = None) -> str:
    """``sweep: 37/100 jobs done (1 failed, 5 skipped), 01:12 elapsed, ~02:22 left``.

    Formatted by tqdm (``format_meter``). The time left is the time per job run so far
    (skipped jobs take none) times the jobs still to end; it is left out before any job has
    run, after the last one, or without a total.
    """
    now = time.time() if now is None else now
    elapsed = 0.0 if t.started is None else max(0.0, now - t.started)
    ran = t.done + len(t.failed)
    estimate = t.total is not None and ran > 0 and t.finished < t.total and elapsed > 0
    layout = (
        f"{{desc}}: {{n_fmt}}/{{total_fmt}} jobs done ({len(t.failed)} failed, {t.skipped} "
        f"skipped), {{elapsed}} elapsed" + (", ~{remaining} left" if estimate else "")
    )
    rate = ran / elapsed if estimate else None
    return tqdm.format_meter(
        t.finished, t.total, elapsed, prefix="sweep", bar_format=layout, rate=rate
    )


def summary_line(t: Tally, sweep_dir: Path | str, shown: int = 10) -> str:
    """``sweep: 98 done, 2 failed (see error.json in: 3_sop, 7_sop), 0 skipped -> <dir>``.

    Args:
        t: the final tally.
        sweep_dir: the sweep directory, as shown.
        shown: at most this many failed job directories are named.
    """
    failed = f"{len(t.failed)} failed"
    if t.failed:
        names = ", ".join(t.failed[:shown])
        more = f" and {len(t.failed) - shown} more" if len(t.failed) > shown else ""
        failed += f" (see error.json in: {names}{more})"
    return f"sweep: {t.done} done, {failed}, {t.skipped} skipped -> {sweep_dir}"
