"""The outputs face: a run's tables, metrics, summary and figures (pandas and matplotlib).

Built on a finished ``sim.engine.Engine``; the engine never imports this package.

- ``tables``: ``hourly_table``, ``daily_table`` (one row per replicate and hour/day, wide),
  ``stages_table`` (one row per replicate, day, layer and trust stage: long).
- ``metrics``: ``replicate_metrics`` (one row per replicate) and the window helpers.
- ``per_group``: ``groups_table`` (one row per replicate and group), ``group_summary``.
- ``trust_sources``: trust gained by source, replicate and layer.
- ``intervals``: ``mean_ci95``, ``paired_difference`` and their table columns.
- ``summary``: ``summarize`` (JSON-ready), ``jsonable``.
- ``figures``: ``plot_run``, ``plot_comparison``.
- ``formats``: how metrics are shown (labels, number formats, ``mean [low, high]``, Markdown).
- ``comparison``: the table and Markdown of ``python -m sim.compare``.
- ``write``: ``write_run`` (the files of ``RUN_FILES``), ``write_atomic``, the run markers.
- ``fields``: ``FIELD_DOCS``, the one-line meaning of every column and key written.

A sweep's outputs (``python -m sim.collect``) live beside the sweep machinery in ``sim.sweep``.
"""

from .fields import FIELD_DOCS, field_doc
from .figures import plot_comparison, plot_run
from .intervals import mean_ci95, paired_difference
from .metrics import offer_windows, peak_window_share, replicate_metrics, window_shares
from .per_group import group_summary, groups_table
from .summary import jsonable, summarize
from .tables import daily_table, hourly_table, stages_table
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
    "stages_table",
    "summarize",
    "window_shares",
    "write_atomic",
    "write_run",
]
