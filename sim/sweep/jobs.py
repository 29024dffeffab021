"""One job of a sweep: who it is, whether it is already complete, and how its failure is kept.

A multirun job (``python -m sim -m ...``) runs in its own directory
``<sweep>/<num>_<label>/``. ``run_job`` wraps the job's work so that

- a job whose ``summary.json`` records the config this job would run (its ``config`` key, the
  seed and the replicates), run by the same code (version and git commit), is skipped
  (resume);
- anything else left there (an older or unfinished result, an old ``error.json``, hidden
  ``.*.tmp`` files of a killed job) is removed before the job runs, ``summary.json`` first, so
  the directory never looks finished while it runs;
- a job that fails (a bad parameter value or any exception while running or writing) leaves
  ``error.json`` (written atomically) and no result files, prints one ``error: job ...`` line
  and returns normally, so the other jobs of the sweep run and keep their results.

The outcome (``DONE``, ``SKIPPED`` or ``FAILED``) is the job's return value, which the progress
callback (``sim.sweep.progress``) records.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from sim.engine.graph import GraphInputError
from sim.engine.validation import ConfigError

DONE = "done"
SKIPPED = "skipped"
FAILED = "failed"
OUTCOMES = (DONE, FAILED, SKIPPED)

SUMMARY = "summary.json"
ERROR = "error.json"
# Bad input: reported without a traceback, like a single run's `error:` line.
INPUT_ERRORS = (ConfigError, GraphInputError)


@dataclass(frozen=True)
class Job:
    """A sweep job as Hydra launched it.

    Attributes:
        num: ``hydra.job.num`` (0-based, in the order of the expanded sweep).
        overrides: this job's ``key=value`` overrides (``.hydra/overrides.yaml``).
        directory: the job's directory ``<sweep>/<num>_<label>``.
    """

    num: int
    overrides: tuple[str, ...]
    directory: Path

    @property
    def name(self) -> str:
        """The job directory's name, e.g. ``3_layered``."""
        return self.directory.name


def in_multirun() -> bool:
    """Whether the current Hydra job is one job of a multirun (``-m``)."""
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def current_job(directory: Path) -> Job:
    """The running Hydra job (call inside the task function of a multirun)."""
    hydra_cfg = HydraConfig.get()
    return Job(int(hydra_cfg.job.num), tuple(hydra_cfg.overrides.task), Path(directory))


# ----------------------------------------------------------------------- resume
def read_summary(directory: Path) -> dict[str, Any] | None:
    """The job's ``summary.json``, or None if it is missing or unreadable."""
    try:
        data = json.loads((Path(directory) / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def recorded_as(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` as ``summary.json`` records it (after a JSON round trip, NaN as null)."""
    from sim.outputs.summary import jsonable  # pandas/matplotlib: only when comparing

    return json.loads(json.dumps(jsonable(config), allow_nan=False))


def current_code() -> dict[str, str]:
    """The code a job would run with, as ``summary.json`` records it: version and git commit."""
    import sim
    from sim.outputs.write import git_commit

    return {"version": sim.__version__, "git_commit": git_commit()}


def is_complete(
    directory: Path,
    config: dict[str, Any],
    *,
    figures: bool = False,
    code: dict[str, str] | None = None,
) -> bool:
    """Whether ``directory`` holds a finished run of exactly ``config``.

    Args:
        directory: a job directory.
        config: the run config this job would record (``sim.config.run_config``: the resolved
            model parameters, ``seed``, ``replicates``, ``plan_source``).
        figures: the job would also write ``run.png``; a run without it is not complete.
        code: the code's ``version`` and ``git_commit`` (``current_code()``); a run recorded
            with other values is not complete (results of older code are not reused). None:
            not compared.

    Returns:
        True when ``summary.json`` exists, its ``config`` equals ``config``, its ``seed`` and
        ``replicates`` agree, and so do ``code`` and ``run.png`` when asked for.
    """
    summary = read_summary(directory)
    if summary is None:
        return False
    expected = recorded_as(config)
    same = (
        summary.get("config") == expected
        and summary.get("seed") == expected.get("seed")
        and summary.get("replicates") == expected.get("replicates")
        and all(summary.get(key) == value for key, value in (code or {}).items())
    )
    return same and (not figures or (Path(directory) / "run.png").is_file())


def clear_results(directory: Path) -> None:
    """Remove what an earlier or unfinished attempt left: results, ``error.json``, temps.

    The results are the files a run writes (``sim.outputs.write.RUN_FILES``) and its
    in-progress marker.

    ``summary.json`` goes first, so the directory stops looking finished before anything else
    changes. Hydra's ``.hydra/`` stays.
    """
    from sim.outputs.write import INCOMPLETE, RUN_FILES  # what a run writes: one list

    directory = Path(directory)
    (directory / SUMMARY).unlink(missing_ok=True)
    for name in (*RUN_FILES, INCOMPLETE, ERROR):
        (directory / name).unlink(missing_ok=True)
    for temp in directory.glob(".*.tmp"):
        temp.unlink(missing_ok=True)


# ----------------------------------------------------------------------- failures
def one_line(exc: BaseException) -> str:
    """The exception's message on one line (its class name if it has no message)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def error_record(job: Job, exc: BaseException, *, with_traceback: bool) -> dict[str, Any]:
    """The content of ``error.json`` for a job that failed with ``exc``."""
    trace = "".join(traceback.format_exception(exc)) if with_traceback else ""
    return {
        "job": job.name,
        "num": job.num,
        "overrides": list(job.overrides),
        "error_type": type(exc).__name__,
        "message": one_line(exc),
        "traceback": trace,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def record_failure(job: Job, exc: BaseException) -> dict[str, Any]:
    """Leave ``error.json`` (and no results) in the job directory and print one error line.

    Returns:
        The record written.
    """
    from sim.outputs.write import write_atomic

    record = error_record(job, exc, with_traceback=not isinstance(exc, INPUT_ERRORS))
    job.directory.mkdir(parents=True, exist_ok=True)
    clear_results(job.directory)

    def write(path: Path) -> None:
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    write_atomic(job.directory / ERROR, write)
    print(f"error: job {job.num} ({' '.join(job.overrides)}): {record['message']}", file=sys.stderr)
    return record


# ----------------------------------------------------------------------- orphaned workers
MAIN_PID = "SIM_SWEEP_MAIN_PID"  # host:pid of the sweep's main process (set by sim.sweep.progress)
_watching: list[threading.Thread] = []


def _watch(main_pid: int, poll_seconds: float) -> None:
    while True:
        time.sleep(poll_seconds)
        if os.getppid() != main_pid:  # the sweep's main process is gone: stop this worker
            os._exit(3)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def watch_main_process(poll_seconds: float = 1.0) -> bool:
    """In a worker the sweep's main process started, exit once that main process is gone.

    A launcher's workers (joblib's) would otherwise finish their jobs after the sweep was
    killed, holding their memory. Jobs run in the main process itself, or by a cluster
    scheduler (whose parent is not the main process), are not watched.

    Returns:
        Whether this process is now watched.
    """
    host, _, main = os.environ.get(MAIN_PID, "").rpartition(":")
    if _watching or not main.isdigit() or host != socket.gethostname():
        return bool(_watching)
    main_pid = int(main)
    if main_pid == os.getpid():
        return False
    if os.getppid() != main_pid:
        if not _alive(main_pid):  # a worker orphaned before its job began
            os._exit(3)
        return False
    thread = threading.Thread(
        target=_watch, args=(main_pid, poll_seconds), name="sweep-orphan-watch", daemon=True
    )
    thread.start()
    _watching.append(thread)
    return True


# ----------------------------------------------------------------------- one job
def run_job[T](
    job: Job,
    prepare: Callable[[], T],
    recorded: Callable[[T], dict[str, Any]],
    execute: Callable[[T], object],
    *,
    figures: bool = False,
) -> str:
    """Run one sweep job: skip it if complete, else run it; keep a failure in ``error.json``.

    Args:
        job: the job (``current_job``).
        prepare: turns the composed config into what ``execute`` needs; raises ConfigError for
            a value that cannot be used.
        recorded: the run config ``summary.json`` would record for the prepared job.
        execute: runs the job and writes its results (``summary.json`` last).
        figures: the job writes ``run.png`` too.

    Returns:
        ``DONE``, ``SKIPPED`` or ``FAILED``.
    """
    watch_main_process()
    try:
        prepared = prepare()
        expected = recorded(prepared)
        if is_complete(job.directory, expected, figures=figures, code=current_code()):
            print(f"{job.name}: already complete with this config, skipped -> {job.directory}")
            return SKIPPED
        clear_results(job.directory)
        execute(prepared)
    except Exception as exc:  # any failure of this job: keep it, let the others run
        record_failure(job, exc)
        return FAILED
    return DONE
