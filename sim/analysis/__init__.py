"""Analyses built on the engine and the outputs face: global sensitivity analysis (SALib).

- ``space``: the parameter space (model parameters by dotted path, with bounds) and its checks.
- ``sensitivity``: settings, checks, designs (Morris, Sobol), evaluation on common random
  numbers, the whole analysis (``prepare`` then ``run``).
- ``indices``: Morris and Sobol indices (SALib) and what replicate noise means for them.
- ``sensitivity_report``: ranked tables, ``report.md``, figures and the atomic writer.
"""

from .gsa import (
    METHODS,
    Plan,
    Result,
    SensitivitySettings,
    check_settings,
    evaluate,
    prepare,
    run,
)
from .space import ParameterRange, check_space, field_type, with_values

__all__ = [
    "METHODS",
    "ParameterRange",
    "Plan",
    "Result",
    "SensitivitySettings",
    "check_settings",
    "check_space",
    "evaluate",
    "field_type",
    "prepare",
    "run",
    "with_values",
]
