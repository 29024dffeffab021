"""The outputs face: a run's tables, metrics, summary and figures (pandas and matplotlib).

Built on a finished ``sim.engine.Engine``; the engine never imports this package.

- ``tables``: ``hourly_table``, ``daily_table`` (tidy, one row per replicate and hour/day).
- ``metrics``: ``replicate_metrics`` (one row per replicate) and the window helpers.
- ``summary``: ``summarize`` (JSON-ready), ``mean_ci95``, ``paired_difference``.
- ``figures``: ``plot_run``, ``plot_comparison``.
- ``groups``: ``groups_table`` (one row per replicate and group), ``group_summary``.
- ``write``: ``write_run`` (summary.json, daily.csv, groups.csv, hourly.csv, replicates.csv,
  run.png).
- ``fields``: ``FIELD_DOCS``, the one-line meaning of every column and key written.

Sweeps (``python -m sim.collect``; imported by module, as they need Hydra's override parser):
``sweep`` (``read_sweep``, ``collect_frames``), ``report`` (per-point tables, paired
differences against a baseline, Markdown), ``sweep_figures`` (``plot_sweep_daily``,
``plot_sweep_metrics``) and ``sweep_fields`` (``COLLECT_FIELD_DOCS``).
"""

from .fields import FIELD_DOCS, field_doc
from .figures import plot_comparison, plot_run
from .groups import group_summary, groups_table
from .metrics import offer_windows, peak_window_share, replicate_metrics, window_shares
from .summary import jsonable, mean_ci95, paired_difference, summarize
from .tables import daily_table, hourly_table
from .write import (
    INCOMPLETE,
    RUN_FILES,
    begin_run,
    clean_stale,
    end_run,
    fail_run,
    git_commit,
    write_atomic,
    write_run,
)

__all__ = [
    "FIELD_DOCS",
    "INCOMPLETE",
    "RUN_FILES",
    "begin_run",
    "clean_stale",
    "daily_table",
    "end_run",
    "fail_run",
    "field_doc",
    "git_commit",
    "group_summary",
    "groups_table",
    "hourly_table",
    "jsonable",
    "mean_ci95",
    "offer_windows",
    "paired_difference",
    "peak_window_share",
    "plot_comparison",
    "plot_run",
    "replicate_metrics",
    "summarize",
    "window_shares",
    "write_atomic",
    "write_run",
]
