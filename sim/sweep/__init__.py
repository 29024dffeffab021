"""Parameter sweeps: running them (``python -m sim -m ...``) and collecting their results.

Running (imported here, light: Hydra only):

- ``jobs``: one job: skip it if its directory already holds its result (resume), else run
  it; a failure leaves ``error.json`` and lets the other jobs run.
- ``ledger``: the sweep as a whole: the job count, the start time and each job's outcome
  (a marker in the job's ``.hydra/``); the progress and summary lines.
- ``progress``: ``SweepProgress``, the Hydra callback that shows progress and ends a sweep
  with failures with exit status 1.

Collecting (``python -m sim.collect``; pandas and matplotlib, imported by module):

- ``read``: a sweep directory into its jobs (``read_sweep``) and stacked frames.
- ``tables``: per-point means and paired differences against a baseline, failed jobs.
- ``report``: the Markdown report, and ``collect``, which writes everything atomically.
- ``figures``: ``plot_sweep_daily``, ``plot_sweep_metrics``.
- ``fields``: ``COLLECT_FIELD_DOCS``, the meaning of every column collected.

The layout of a sweep directory is described in ``docs/sweeps.md``.
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
