"""Reading strategy plans from YAML files, without Hydra.

A strategy is a plan file: ``configs/strategy/<name>.yaml`` for the shipped ones (``sop``,
``layered``, ``bass``) or any YAML file of the same shape::

    name: my_plan
    touchpoints:
      - {type: broadcast, day: 1, hours: [8, 20], every_days: 1}
      - {type: offer, day: 20, hour: 20, params: {price: 699, anchor: 1299}}

A file whose first lines say ``# @package _global_`` (like ``bass.yaml``) holds its plan
under ``strategy:`` and may set other model parameters beside it (``purchase.model``);
``load_strategy`` returns those settings too, ``load_plan`` only the plan.

The Hydra entry points read the shipped plans through the config group ``strategy`` and a
user's file through ``plan_file=PATH``; the Mesa model and notebooks call ``load_plan``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.engine.params import PlanParams, TouchpointSpec
from sim.engine.schedule import touchpoint_spec
from sim.engine.validation import ConfigError, build

ROOT = Path(__file__).resolve().parents[1]
STRATEGY_DIR = ROOT / "configs" / "strategy"
GLOBAL_HEADER = "# @package _global_"


def available_strategies() -> list[str]:
    """Names of the plans shipped in ``configs/strategy/``."""
    return sorted(p.stem for p in STRATEGY_DIR.glob("*.yaml"))


def strategy_path(name_or_path: str) -> Path:
    """The file of a strategy given by name (``layered``) or by path (``my/plan.yaml``).

    Raises:
        ConfigError: no such strategy or file.
    """
    text = str(name_or_path)
    looks_like_path = text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text
    if not looks_like_path:
        path = STRATEGY_DIR / f"{text}.yaml"
        if not path.is_file():
            raise ConfigError(
                f"strategy {text!r}: no such strategy; available: "
                f"{', '.join(available_strategies())} (or give a path to a plan YAML file)"
            )
        return path
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigError(f"plan file {text}: no such file")
    return path


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def plan_from_data(data: Any, source: str) -> PlanParams:
    """Build a checked ``PlanParams`` from plain data (a mapping read from YAML).

    Args:
        data: ``{name, switches, touchpoints: [...]}``.
        source: where the data came from, named in errors (e.g. the file's path).

    Returns:
        The plan, its touchpoints as ``TouchpointSpec`` (their ``params`` are checked by the
        engine's plan compiler, which knows each type's parameters and the campaign length).

    Raises:
        ConfigError: naming the file, the entry and the field, and what is allowed.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{source}: expected a mapping with name, switches and touchpoints"
        )
    if "list_price_on_sale" in data:
        raise ConfigError(
            f"{source}: list_price_on_sale is no longer a plan setting: whether the product "
            "sells at list price outside offers is the same for every plan; set "
            "product.list_price_on_sale (true or false) instead"
        )
    top = {k: v for k, v in data.items() if k != "touchpoints"}
    plan = build(PlanParams, top, source)
    entries = data.get("touchpoints") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: touchpoints must be a list, got {type(entries).__name__}")
    specs: list[TouchpointSpec] = []
    for index, entry in enumerate(entries):
        where = f"{source}: touchpoints[{index}]"
        specs.append(touchpoint_spec(entry, where))
    plan.touchpoints = specs
    return plan


def _read_yaml(path: Path) -> tuple[Any, bool]:
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{display_path(path)}: cannot be read ({exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{display_path(path)}: not valid YAML{where} ({problem})") from exc
    header = [line.strip() for line in text.splitlines()[:5]]
    return data, GLOBAL_HEADER in header


def load_strategy(name_or_path: str) -> tuple[PlanParams, dict[str, Any], str]:
    """Read a strategy file: its plan, its other model settings, and its display path.

    Args:
        name_or_path: a shipped strategy's name (``sop``) or a YAML file's path.

    Returns:
        ``(plan, settings, source)``: ``settings`` is a nested mapping of model parameters the
        file sets besides its plan (empty unless the file is ``# @package _global_``);
        ``source`` is the file's path as shown in messages.

    Raises:
        ConfigError: a missing or unreadable file, or a plan entry that cannot be used.
    """
    path = strategy_path(name_or_path)
    source = display_path(path)
    data, is_global = _read_yaml(path)
    settings: dict[str, Any] = {}
    if is_global:
        if not isinstance(data, Mapping) or not isinstance(data.get("strategy"), Mapping):
            raise ConfigError(
                f"{source}: a '{GLOBAL_HEADER}' file must hold its plan under strategy:"
            )
        settings = {k: v for k, v in data.items() if k != "strategy"}
        data = data["strategy"]
    return plan_from_data(data, source), settings, source


def load_plan(name_or_path: str) -> PlanParams:
    """Read a plan: ``configs/strategy/<name>.yaml`` or a user's YAML file.

    Args:
        name_or_path: a shipped strategy's name (``sop``, ``layered``, ``bass``) or a path.

    Returns:
        The plan as plain dataclasses, ready for ``ModelParams(strategy=...)``.

    Raises:
        ConfigError: naming the file, the entry and the field, and what is allowed.
    """
    return load_strategy(name_or_path)[0]
