"""Reading strategy plans from YAML files, without Hydra.

A strategy is a plan file: ``configs/plans/strategies/<name>.yaml`` for the shipped ones
(``sop``, ``layered``, ``bass``, ``cascade``, ``threshold``) or any YAML file of the same shape::

    name: my_plan
    touchpoints:
      - {type: broadcast, day: 1, hours: [8, 20], every_days: 1}
      - {type: offer, day: 20, hour: 20, params: {price: 699, anchor: 1299}}

A file whose first lines say ``# @package _global_`` (like ``bass.yaml``) holds its plan
under ``strategy:`` and may set other model parameters beside it (``purchase.model``);
``load_strategy`` returns those settings too, ``load_plan`` only the plan.

Plans are data: every plan file is read here, with ``safe_yaml`` (plain data only, size and
alias limits), and checked field by field; none is ever composed by Hydra or resolved by
OmegaConf, so ``${...}`` in a plan is plain text. The Hydra entry points name a shipped plan
with ``strategy=<name>`` (``shipped_plan`` refuses anything but a shipped name) and a user's
file with ``plan_file=PATH``; the Mesa model and notebooks call ``load_plan``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.engine.params import PlanParams, TouchpointSpec
from sim.engine.schedule import touchpoint_spec
from sim.engine.validation import ConfigError, build, excerpt

ROOT = Path(__file__).resolve().parents[1]
STRATEGY_DIR = ROOT / "configs" / "plans" / "strategies"  # the shipped plans
GLOBAL_HEADER = "# @package _global_"
MAX_BYTES = 1_000_000  # characters of a plan file
MAX_NODES = 100_000  # values a plan file may stand for once its aliases are expanded
MAX_DEPTH = 50  # nesting levels of a plan file


def safe_label(name: str, fallback: str = "run") -> str:
    """A file-system-safe label for ``name``: letters, digits, ``_ . -`` only, no ``..``.

    Used for every folder named after a plan, so a name like ``../../x`` or ``/abs`` stays a
    plain folder name inside the results folder.
    """
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip(".-")
    text = re.sub(r"\.{2,}", ".", text)[:80]
    return text or fallback


def available_strategies() -> list[str]:
    """Names of the plans shipped in ``configs/plans/strategies/``."""
    return sorted(p.stem for p in STRATEGY_DIR.glob("*.yaml"))


def shipped_plan(name: str) -> Path:
    """The file of the shipped plan ``name`` (``layered``): a name only, never a path.

    Raises:
        ConfigError: ``name`` is not one of ``available_strategies()`` (a path, ``..`` or an
            unknown name), listing the shipped names.
    """
    shipped = available_strategies()
    if str(name) not in shipped:
        raise ConfigError(
            f"strategy = {excerpt(name)}: not a shipped plan; allowed: {', '.join(shipped)} "
            "(a plan file of your own: plan_file=PATH)"
        )
    return STRATEGY_DIR / f"{name}.yaml"


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
        raise ConfigError(f"{source}: expected a mapping with name, switches and touchpoints")
    if "calendar" in data:
        raise ConfigError(
            f"{source}: an operator's plan file (it has calendar:), not a strategy (name, "
            f"switches, touchpoints); check it with python -m sim.check {source} and forecast "
            f"it with python -m sim.forecast plan={source} (docs/plan-format.md)"
        )
    if "list_price_on_sale" in data:
        raise ConfigError(
            f"{source}: list_price_on_sale is no longer a plan setting: whether the product "
            "sells at list price outside offers is the same for every plan; set "
            "product.list_price_on_sale (true or false) instead"
        )
    top = {k: v for k, v in data.items() if k != "touchpoints"}
    plan = build(PlanParams, top, f"{source}:")
    entries = data.get("touchpoints")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise ConfigError(
            f"{source}: touchpoints must be a list of entries, got {type(entries).__name__}"
        )
    specs: list[TouchpointSpec] = []
    for index, entry in enumerate(entries):
        where = f"{source}: touchpoints[{index}]"
        specs.append(touchpoint_spec(entry, where))
    plan.touchpoints = specs
    return plan


def _expanded_size(node: yaml.Node, limit: int) -> int:
    """Nodes ``node`` stands for once every alias is expanded (counting stops past ``limit``)."""
    sizes: dict[int, int] = {}
    # iterative post-order walk: deep nesting cannot exhaust the stack here
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        if id(current) in sizes:
            continue
        if isinstance(current, yaml.SequenceNode):
            children = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [n for pair in current.value for n in pair]
        else:
            sizes[id(current)] = 1
            continue
        if not children_done:
            stack.append((current, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        sizes[id(current)] = min(limit + 1, 1 + sum(sizes.get(id(c), 1) for c in children))
    return sizes[id(node)]


def safe_yaml(text: str, source: str) -> Any:
    """Parse YAML text as plain data, refusing documents that are too big, deep or aliased.

    Only plain data comes out (``yaml.SafeLoader``: no tags that build objects); the parsed
    document may stand for at most ``MAX_NODES`` values once its aliases (``*name``) are
    expanded, and nest at most ``MAX_DEPTH`` levels.

    Args:
        text: the document.
        source: the file, named in errors.

    Raises:
        ConfigError: naming ``source`` and what is wrong.
    """
    if len(text) > MAX_BYTES:
        raise ConfigError(
            f"{source}: {len(text):,} characters; a plan file may hold at most {MAX_BYTES:,}"
        )
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
        except RecursionError as exc:
            raise ConfigError(f"{source}: nested too deeply (at most {MAX_DEPTH} levels)") from exc
        if node is None:
            return None
        if _expanded_size(node, MAX_NODES) > MAX_NODES:
            raise ConfigError(
                f"{source}: its aliases (*name) expand to more than {MAX_NODES:,} values; "
                "write the entries out instead"
            )
        if _depth(node) > MAX_DEPTH:
            raise ConfigError(f"{source}: nested too deeply (at most {MAX_DEPTH} levels)")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}: not valid YAML{where} ({excerpt(problem)})") from exc
    finally:
        if loader is not None:
            loader.dispose()


def _depth(node: yaml.Node) -> int:
    deepest, stack, seen = 0, [(node, 1)], set()
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if id(current) in seen or depth > MAX_DEPTH:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.SequenceNode):
            stack.extend((c, depth + 1) for c in current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend((c, depth + 1) for pair in current.value for c in pair)
    return deepest


def _read_yaml(path: Path) -> tuple[Any, bool]:
    source = display_path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(
                f"{source}: {path.stat().st_size:,} bytes; a plan file may hold at most "
                f"{MAX_BYTES:,}"
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read ({excerpt(str(exc), 120)})") from exc
    data = safe_yaml(text, source)
    header = [line.strip() for line in text.splitlines()[:5]]
    return data, GLOBAL_HEADER in header


def edited(data: Any, edits: Mapping[str, Any], where: str = "plan_edit") -> Any:
    """A copy of plan data with ``edits`` applied (``{"switches": {"shills": True}}``).

    Nested mappings are merged key by key; a key of digits picks an entry of a list
    (``{"touchpoints": {"13": {"params": {"detect_prob": 0.1}}}}``); any other value replaces
    what is there. The result is checked like any plan (``plan_from_data``).

    Raises:
        ConfigError: an index past the end of a list, or a key into something that is not a
            mapping or a list, naming the dotted path under ``where``.
    """
    if isinstance(data, list):
        out: Any = list(data)
        for key, value in edits.items():
            path = f"{where}.{key}"
            if not str(key).isdigit() or int(key) >= len(out):
                raise ConfigError(
                    f"{path}: not an entry of the plan; indices go from 0 to {len(out) - 1}"
                )
            out[int(key)] = _edit_one(out[int(key)], value, path)
        return out
    if isinstance(data, Mapping):
        out = dict(data)
        for key, value in edits.items():
            out[key] = _edit_one(out.get(key), value, f"{where}.{key}")
        return out
    raise ConfigError(f"{where}: the plan holds {excerpt(data)} here, not a mapping or a list")


def _edit_one(current: Any, value: Any, path: str) -> Any:
    if isinstance(value, Mapping) and isinstance(current, (Mapping, list)):
        return edited(current, value, path)
    return value


def load_strategy(
    name_or_path: str, edits: Mapping[str, Any] | None = None
) -> tuple[PlanParams, dict[str, Any], str]:
    """Read a strategy file: its plan, its other model settings, and its display path.

    Args:
        name_or_path: a shipped strategy's name (``sop``) or a YAML file's path.
        edits: values of the plan to change (``edited``), applied to the plan's data before
            it is checked (``plan_edit=`` of the command line).

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
    if edits:
        data = edited(data, edits)
        return plan_from_data(data, f"{source} with plan_edit"), settings, source
    return plan_from_data(data, source), settings, source


def load_plan(name_or_path: str) -> PlanParams:
    """Read a plan: ``configs/plans/strategies/<name>.yaml`` or a user's YAML file.

    Args:
        name_or_path: a shipped strategy's name (``sop``, ``layered``, ``bass``) or a path.

    Returns:
        The plan as plain dataclasses, ready for ``ModelParams(strategy=...)``.

    Raises:
        ConfigError: naming the file, the entry and the field, and what is allowed.
    """
    return load_strategy(name_or_path)[0]
