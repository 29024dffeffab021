"""A Hydra callback that shows a sweep's progress and ends a failed sweep with exit status 1.

Configured in ``configs/config.yaml`` (``hydra.callbacks.progress``). In a multirun
(``python -m sim -m ...``):

- ``on_multirun_start`` (the main process) counts the sweep's jobs from its overrides
  (``range()`` and ``choice()`` expanded) and begins the ledger (``sim.sweep.ledger``), which
  this callback carries to the launcher's workers;
- ``on_job_end`` (the process that ran the job: a joblib worker, a SLURM task) records the
  job's outcome in its ``.hydra/`` folder and prints to stderr, e.g.
  ``sweep: 37/100 jobs done (1 failed, 5 skipped), 1m12s elapsed, ~2m03s left``;
- with a submitit launcher, whose jobs print to their own log files, the main process prints
  the same line whenever a job ends (it looks every ``poll_seconds``);
- ``on_multirun_end`` (the main process) prints
  ``sweep: 98 done, 2 failed (see error.json in: ...), 0 skipped -> <sweep dir>`` and exits
  with status 1 if any job failed.

Single runs (``python -m sim`` without ``-m``) are not affected.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.config import SWEPT_KEYS, swept_keys
from sim.sweep import ledger
from sim.sweep.jobs import DONE, FAILED, MAIN_PID, OUTCOMES


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def outcome_of(job_return: JobReturn) -> str:
    """The outcome a job returned (``done``, ``skipped``, ``failed``).

    An exception that escaped the job counts as ``failed``.
    """
    if job_return.status != JobStatus.COMPLETED:
        return FAILED
    value = job_return.return_value
    return value if value in OUTCOMES else DONE


def sweep_dir(config: DictConfig) -> Path:
    """The sweep directory (``hydra.sweep.dir``, resolved once per multirun and shared)."""
    return Path(str(config.hydra.sweep.dir))


def jobs_log_elsewhere(config: DictConfig) -> bool:
    """Whether the launcher's jobs print to their own logs, not to this terminal."""
    target = str(config.hydra.launcher.get("_target_", ""))
    return "submitit" in target


class SweepProgress(Callback):
    """Progress lines and the final summary of a multirun (see the module docstring).

    Args:
        poll_seconds: how often the main process looks for finished jobs when they run
            elsewhere (submitit launchers).
    """

    def __init__(self, poll_seconds: float = 5.0) -> None:
        self.poll_seconds = float(poll_seconds)
        self.run: ledger.SweepRun | None = None
        self._stop: threading.Event | None = None
        self._poller: threading.Thread | None = None

    def __getstate__(self) -> dict[str, Any]:
        """What the launcher's workers get: the ledger, not the poller thread."""
        return {"poll_seconds": self.poll_seconds, "run": self.run, "_stop": None, "_poller": None}

    # ------------------------------------------------------------------- main process
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Count the jobs, start the ledger and, for remote jobs, the watcher."""
        # the launcher's workers stop if this process is killed (sim.sweep.jobs)
        os.environ[MAIN_PID] = f"{socket.gethostname()}:{os.getpid()}"
        params = config.hydra.sweeper.get("params")
        keys = swept_keys(list(config.hydra.overrides.task), params)
        os.environ[SWEPT_KEYS] = ",".join(keys)  # jobs name their folders by these values
        where = sweep_dir(config)  # resolving it here fixes it for all jobs
        total = None
        if str(config.hydra.sweeper.get("_target_", "")).endswith(".BasicSweeper"):  # a grid
            params = config.hydra.sweeper.get("params")
            total = ledger.count_jobs(list(config.hydra.overrides.task), params)
        self.run = ledger.begin(where, total)
        _say(f"sweep: {'?' if total is None else total} jobs -> {where}")
        if jobs_log_elsewhere(config):
            self._stop = threading.Event()
            self._poller = threading.Thread(
                target=self._watch, args=(self.run, self._stop), name="sweep-progress", daemon=True
            )
            self._poller.start()

    def _watch(self, run: ledger.SweepRun, stop: threading.Event) -> None:
        shown = 0
        while True:
            stopping = stop.wait(self.poll_seconds)
            t = ledger.tally(run)
            if t.finished != shown:
                shown = t.finished
                _say(ledger.progress_line(t))
            if stopping:
                return

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Print the summary line; exit with status 1 if any job failed."""
        if self._stop is not None and self._poller is not None:
            self._stop.set()
            self._poller.join()
        if self.run is None:
            return
        t = ledger.tally(self.run)
        _say(ledger.summary_line(t, self.run.sweep_dir))
        if t.failed:
            raise SystemExit(1)

    # ------------------------------------------------------------------- job's process
    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """Record the job's outcome in the ledger and print where the sweep stands."""
        if config.hydra.mode != RunMode.MULTIRUN or self.run is None:
            return
        job_dir = Path(str(config.hydra.runtime.output_dir))
        try:
            ledger.mark(job_dir, self.run.run_id, outcome_of(job_return))
        except OSError as exc:
            _say(f"warning: sweep progress not recorded for {job_dir.name}: {exc}")
            return
        _say(f"{job_dir.name}: {outcome_of(job_return)}")  # the folder name holds its values
        _say(ledger.progress_line(ledger.tally(self.run)))
