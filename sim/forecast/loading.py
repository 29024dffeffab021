"""The one place the forecast reads a plan: the plan file loader, or a shipped strategy.

``load_plan`` calls ``sim.planfile.load`` (the operator's plan file format) when that module
exists, for any YAML file except strategies (files in ``configs/plans/strategies/`` or starting with
``# @package _global_``); shipped strategy names (``sop``, ``layered``) and strategy files are
read through ``sim.plans.load_strategy``. ``baseline_params`` puts a baseline's touchpoints on
the plan's community, team and product, so only the touchpoints differ (and it runs for the
plan's days).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.engine import ModelParams
from sim.engine.params import PlanParams
from sim.engine.schedule import touchpoint_spec
from sim.engine.validation import build


@dataclass
class Plan:
    """A plan ready to forecast.

    Attributes:
        params: every model parameter, the plan's touchpoints in ``params.strategy``.
        source: the file the plan came from, as shown in messages.
        warnings: the loader's warnings about the plan (shown in the report).
    """

    params: ModelParams
    source: str
    warnings: list[str] = field(default_factory=list)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _from_strategy(name_or_path: str) -> Plan:
    from sim.plans import load_strategy

    strategy, settings, source = load_strategy(name_or_path)
    params = ModelParams()
    if settings:
        data = {k: v for k, v in dataclasses.asdict(params).items() if k != "strategy"}
        params = build(ModelParams, _merge(data, settings), source)
    params.strategy = strategy
    return Plan(params, source)


def _is_strategy(path: str) -> bool:
    """Whether ``path`` names a strategy rather than an operator's plan file.

    A strategy is a shipped name, a file in ``configs/plans/strategies/``, or a file that
    starts with ``# @package _global_`` (the strategy format with settings).
    """
    from sim.plans import GLOBAL_HEADER, STRATEGY_DIR

    if not path.endswith((".yaml", ".yml")):
        return True
    file = Path(path).expanduser()
    if file.resolve().parent == STRATEGY_DIR.resolve():
        return True
    try:
        with file.open(encoding="utf-8") as handle:
            head = [handle.readline().strip() for _ in range(5)]
    except (OSError, UnicodeDecodeError):
        return False  # the plan file loader reports it
    return GLOBAL_HEADER in head


def load_plan(path: str) -> Plan:
    """Read the plan to forecast: an operator's plan file, or a shipped strategy.

    Args:
        path: a plan file's path, or a shipped strategy's name (``sop``, ``layered``).

    Returns:
        The plan.

    Raises:
        ConfigError: the plan cannot be read or used (the message names file, line, field).
    """
    try:
        from sim import planfile  # the operator's plan file format (issue 11)
    except ImportError:
        planfile = None
    if planfile is not None and not _is_strategy(str(path)):
        loaded = planfile.load(path)  # raises planfile.PlanErrors, a ConfigError
        return Plan(loaded.params, loaded.source, list(loaded.warnings))
    return _from_strategy(path)


def baseline_params(plan: ModelParams, baseline: str) -> tuple[ModelParams, str, list[str]]:
    """The plan's community, team and product with the baseline's touchpoints.

    The baseline runs for the plan's days: its touchpoints that would start after the plan's
    last day are left out (a shipped strategy's offer on day 20 does not fit a 10-day plan),
    repeats that would go on past it stop there, and each is named in a warning.

    Args:
        plan: the plan's parameters.
        baseline: a shipped strategy's name or a plan file's path.

    Returns:
        ``(params, source, warnings)``: a copy of ``plan`` whose strategy has the baseline's
        name, switches and touchpoints (whether the product is on sale at list price stays
        the plan's: it is a fact of the product), the baseline's file, and the warnings.

    Raises:
        ConfigError: no such baseline, or a baseline entry that cannot be read.
    """
    other = load_plan(baseline)
    strategy: PlanParams = copy.deepcopy(other.params.strategy)
    kept, left_out, cut = [], [], []
    for index, entry in enumerate(strategy.touchpoints):
        spec = touchpoint_spec(entry, f"{other.source}: touchpoints[{index}]")
        if spec.day > plan.days:
            left_out.append(f"{spec.type} on day {spec.day}")
        elif spec.every_days and spec.until_day > plan.days:
            cut.append(f"{spec.type} until day {spec.until_day}")
            kept.append(dataclasses.replace(spec, until_day=plan.days))
        else:
            kept.append(entry)
    warnings = []
    if left_out:
        warnings.append(
            f"baseline {strategy.name} runs for the plan's {plan.days} days; left out, as they "
            f"would start later: {', '.join(left_out)}"
        )
    if cut:
        warnings.append(
            f"baseline {strategy.name} runs for the plan's {plan.days} days; stopped on day "
            f"{plan.days}: {', '.join(cut)}"
        )
    strategy.touchpoints = kept
    params = copy.deepcopy(plan)
    params.strategy = strategy
    return params, other.source, warnings
