"""The sweep's ledger: how many jobs, since when, and how each finished job ended.

Kept in the hidden folder ``<sweep>/.progress/`` (readers of the sweep ignore it):

- ``run.json``: ``{"started": <unix time>, "total": <jobs or null>}``, written by the main
  process when the multirun starts (``start``);
- one empty marker file per finished job, ``<job dir>.<outcome>`` (``3_layered.done``,
  ``4_sop.failed``, ``5_sop.skipped``), created by the process that ran the job (``mark``).

Every writer creates its own file, so jobs in other processes or on other machines (joblib
workers, SLURM array tasks on a shared file system) need no lock; counting is listing the
folder (``tally``). A new multirun into the same sweep directory starts a fresh ledger.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .jobs import DONE, FAILED, OUTCOMES, SKIPPED

LEDGER = ".progress"
RUN_FILE = "run.json"


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
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    lines = [f"{k}={v}" for k, v in (params or {}).items()] + list(overrides)
    try:
        parsed = OverridesParser.create().parse_overrides(lines)
        batches = BasicSweeper.split_arguments(parsed, max_batch_size=None)
    except Exception:  # another sweeper's syntax (e.g. interval()): no count
        return None
    return sum(len(batch) for batch in batches)


def ledger_dir(sweep_dir: Path | str) -> Path:
    """The ledger folder of a sweep directory."""
    return Path(sweep_dir) / LEDGER


def start(sweep_dir: Path | str, total: int | None, started: float | None = None) -> Path:
    """Begin a fresh ledger (drops the markers of an earlier multirun into this directory).

    Args:
        sweep_dir: the sweep directory (created if missing).
        total: the number of jobs, if known.
        started: the start time (``time.time()`` if None).

    Returns:
        The ledger folder.
    """
    folder = ledger_dir(sweep_dir)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    info = {"started": time.time() if started is None else started, "total": total}
    temp = folder / f".{RUN_FILE}.{os.getpid()}.tmp"
    temp.write_text(json.dumps(info) + "\n", encoding="utf-8")
    os.replace(temp, folder / RUN_FILE)
    return folder


def mark(sweep_dir: Path | str, job_name: str, outcome: str) -> None:
    """Record that job ``job_name`` (its directory's name) ended with ``outcome``."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r}: allowed: {', '.join(OUTCOMES)}")
    folder = ledger_dir(sweep_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for other in OUTCOMES:  # a job launched again in the same multirun: latest outcome only
        if other != outcome:
            (folder / f"{job_name}.{other}").unlink(missing_ok=True)
    (folder / f"{job_name}.{outcome}").touch()


@dataclass(frozen=True)
class Tally:
    """Where a sweep stands.

    Attributes:
        total: jobs in the sweep (None if unknown).
        started: when the multirun started (unix time; None if no ledger).
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


def tally(sweep_dir: Path | str) -> Tally:
    """Count the outcomes recorded in a sweep directory's ledger."""
    folder = ledger_dir(sweep_dir)
    try:
        info = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    names: dict[str, list[str]] = {o: [] for o in OUTCOMES}
    if folder.is_dir():
        for path in folder.iterdir():
            job, _, outcome = path.name.rpartition(".")
            if job and outcome in names:
                names[outcome].append(job)
    return Tally(
        total=info.get("total"),
        started=info.get("started"),
        done=len(names[DONE]),
        failed=tuple(sorted(names[FAILED], key=_job_order)),
        skipped=len(names[SKIPPED]),
    )


# ----------------------------------------------------------------------- lines shown
def duration(seconds: float) -> str:
    """``42s``, ``1m12s``, ``2h05m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def time_left(t: Tally, elapsed: float) -> float | None:
    """Estimated seconds until the last job ends.

    The time per job run so far (skipped jobs take none) times the jobs still to end; None
    before any job has run, after the last one, or without a total.
    """
    ran = t.done + len(t.failed)
    if t.total is None or ran == 0 or t.finished >= t.total:
        return None
    return elapsed / ran * max(0, t.total - t.finished)


def progress_line(t: Tally, now: float | None = None) -> str:
    """``sweep: 37/100 jobs done (1 failed, 5 skipped), 1m12s elapsed, ~2m03s left``."""
    now = time.time() if now is None else now
    elapsed = 0.0 if t.started is None else max(0.0, now - t.started)
    total = "?" if t.total is None else str(t.total)
    left = time_left(t, elapsed)
    estimate = "" if left is None else f", ~{duration(left)} left"
    return (
        f"sweep: {t.finished}/{total} jobs done ({len(t.failed)} failed, {t.skipped} skipped), "
        f"{duration(elapsed)} elapsed{estimate}"
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
