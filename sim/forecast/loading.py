"""The one place the forecast reads a plan: the plan file loader, or a shipped strategy.

``load_plan`` calls ``sim.planfile.load`` (the operator's plan file format) when that module
exists; until then it reads a shipped strategy name (``sop``, ``layered``) or a strategy plan
file through ``sim.plans.load_strategy``. ``baseline_params`` puts a baseline's touchpoints on
the plan's community, team and product, so only the touchpoints differ.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sim.engine import ModelParams
from sim.engine.params import PlanParams
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
    if planfile is not None and str(path).endswith((".yaml", ".yml")):
        loaded = planfile.load(path)  # raises planfile.PlanErrors, a ConfigError
        return Plan(loaded.params, loaded.source, list(loaded.warnings))
    return _from_strategy(path)


def baseline_params(plan: ModelParams, baseline: str) -> tuple[ModelParams, str]:
    """The plan's community, team and product with the baseline's touchpoints.

    Args:
        plan: the plan's parameters.
        baseline: a shipped strategy's name or a plan file's path.

    Returns:
        ``(params, source)``: a copy of ``plan`` whose strategy has the baseline's name,
        switches and touchpoints (whether the product is on sale at list price stays the
        plan's: it is a fact of the product).

    Raises:
        ConfigError: no such baseline.
    """
    other = load_plan(baseline)
    strategy: PlanParams = copy.deepcopy(other.params.strategy)
    on_sale = getattr(plan.strategy, "list_price_on_sale", None)
    if on_sale is not None and hasattr(strategy, "list_price_on_sale"):
        strategy.list_price_on_sale = on_sale
    params = copy.deepcopy(plan)
    params.strategy = strategy
    return params, other.source
