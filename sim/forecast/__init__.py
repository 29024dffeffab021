"""The operator's forecast: a plan against a baseline, its risks, and whom to care for.

``python -m sim.forecast plan=PATH [baseline=sop]`` (``sim.forecast.__main__``) runs a plan and
its baseline on common random numbers and writes ``report.html`` and ``forecast.json``.

Modules, in reading order:

- ``loading``: the one adapter to the plan file loader (``load_plan``) and the baseline.
- ``runs``: run plan, baseline and counterfactual scenarios over replicates, split across
  processes, and keep each run's per-replicate figures (``RunData``).
- ``figures``: the forecast's numbers (``build_forecast``) and its warnings.
- ``celf``: who to care for, by lazy greedy selection on simulated gain (CELF).
- ``report``: ``report.html`` (self-contained, figures as inline PNG) and ``forecast.json``.
"""
