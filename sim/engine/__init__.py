"""The array engine: member state as (replicates, members) arrays, one hourly ``step``.

It imports no Mesa, Hydra, pandas or matplotlib; every face of the simulator is built on it.
"""

from .engine import Engine, slot_count
from .params import LAYERS, ModelParams, PlanParams, TargetSpec, TouchpointSpec
from .validation import ConfigError

__all__ = [
    "LAYERS",
    "ConfigError",
    "Engine",
    "ModelParams",
    "PlanParams",
    "TargetSpec",
    "TouchpointSpec",
    "slot_count",
]
