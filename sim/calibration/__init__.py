"""Calibration of the model to pattern targets and to a past campaign's data (Optuna).

- ``settings``: the typed settings (``CalibrationSettings``) and their checks.
- ``targets``: the pattern-target language, the figures of a run and the target loss.
- ``campaign``: reading a campaign CSV, the model's daily series, the likelihood.
- ``study``: ``prepare`` (check), ``evaluate`` (one trial), ``run_study`` (Optuna), ``spread``.
- ``report``: the files written (best parameters as a config, history, spread, figures).

The entry point is ``python -m sim.calibrate`` (``docs/calibrate.md``).
"""

from .campaign import Observed, nb_nll, read_campaign, simulated_series
from .settings import CalibrationSettings, CampaignSpec, FitParameter, TargetSpec
from .study import Outcome, Problem, evaluate, history_table, prepare, run_study, spread

__all__ = [
    "CalibrationSettings",
    "CampaignSpec",
    "FitParameter",
    "Observed",
    "Outcome",
    "Problem",
    "TargetSpec",
    "evaluate",
    "history_table",
    "nb_nll",
    "prepare",
    "read_campaign",
    "run_study",
    "simulated_series",
    "spread",
]
