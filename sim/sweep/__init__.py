"""Parameter sweeps: the bookkeeping of ``python -m sim -m ...`` (Hydra multirun).

- ``jobs``: one job: skip it if its directory already holds its result (resume), else run
  it; a failure leaves ``error.json`` and lets the other jobs run.
- ``ledger``: the sweep as a whole: the job count, the start time and each job's outcome
  (a marker in the job's ``.hydra/``); the progress and summary lines.

The Hydra callback that shows progress and ends a sweep with failures with exit status 1 is
``sim.progress.SweepProgress``. The layout of a sweep directory is described in
``docs/sweeps.md``.
"""

from .jobs import DONE, FAILED, SKIPPED, Job, current_job, in_multirun, is_complete, run_job
from .ledger import count_jobs, progress_line, summary_line, tally

__all__ = [
    "DONE",
    "FAILED",
    "SKIPPED",
    "Job",
    "count_jobs",
    "current_job",
    "in_multirun",
    "is_complete",
    "progress_line",
    "run_job",
    "summary_line",
    "tally",
]
