"""A plan's components and its coalition plans.

A *component* is a named group of a plan's entries. Three ways to name them, in order:

1. ``explain.components`` in the config: ``{name: [items]}``, an item an entry index
   (``3``), a touchpoint type (``care``: all the plan's entries of that type) or an entry
   label (below). Entries in no component stay in every coalition.
2. Labels in the plan file: an entry may carry ``component: <name>``; entries with the same
   label form one component.
3. By default (and for unlabelled entries): by touchpoint type, for each type whose entries
   in the plan differ from the baseline's (the baseline lacks the type, or has other entries
   of it: other days, targets or parameters). Types whose entries are the same in both
   plans are shared: they stay in every coalition and get no share.

Entries switched off in the plan (``when:`` a switch that is off) never run and belong to
no component.

The coalition plan of a set S of components is **the plan with the components not in S
removed**. Removing is done with plan switches (each component gets its own switch, its
entries run only while it is on), so every entry keeps its position in the plan and with it
its random draws: coalitions differ only by what they remove (common random numbers).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.engine.params import PlanParams, TouchpointSpec
from sim.engine.validation import ConfigError
from sim.plans import GLOBAL_HEADER, display_path, plan_from_data, strategy_path

SWITCH = "explain:{}"  # the switch of component k in a coalition plan


@dataclass
class Component:
    """A named group of plan entries (indices into ``plan.touchpoints``)."""

    name: str
    entries: list[int] = field(default_factory=list)
    text: str = ""  # the entries described (``describe``), for tables

    def describe(self, plan: PlanParams) -> str:
        """The entries, e.g. ``care x2 (#2, #7)``."""
        types = [plan.touchpoints[i].type for i in self.entries]
        kinds = ", ".join(
            f"{t} x{types.count(t)}" if types.count(t) > 1 else t for t in dict.fromkeys(types)
        )
        return f"{kinds} (#{', #'.join(str(i) for i in self.entries)})"


@dataclass
class Strategy:
    """A strategy read for explaining: its plan, other settings, file and entry labels."""

    plan: PlanParams
    settings: dict[str, Any]
    source: str
    labels: list[str | None]


def load_labelled(name_or_path: str) -> Strategy:
    """Read a strategy like ``sim.plans.load_strategy``, keeping entries' ``component`` labels.

    Raises:
        ConfigError: a missing or unreadable file, a bad label or plan entry.
    """
    path = strategy_path(name_or_path)
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problem = " ".join(str(exc).split())
        raise ConfigError(f"{source}: cannot be read as YAML ({problem})") from exc
    settings: dict[str, Any] = {}
    if GLOBAL_HEADER in [line.strip() for line in text.splitlines()[:5]]:
        if not isinstance(data, Mapping) or not isinstance(data.get("strategy"), Mapping):
            raise ConfigError(
                f"{source}: a '{GLOBAL_HEADER}' file must hold its plan under strategy:"
            )
        settings = {k: v for k, v in data.items() if k != "strategy"}
        data = data["strategy"]
    labels: list[str | None] = []
    if isinstance(data, Mapping) and isinstance(data.get("touchpoints"), list):
        data = dict(data)
        entries = []
        for i, raw in enumerate(data["touchpoints"]):
            label, entry = None, raw
            if isinstance(raw, Mapping) and "component" in raw:
                entry = {k: v for k, v in raw.items() if k != "component"}
                label = raw["component"]
                if not isinstance(label, str) or not label:
                    raise ConfigError(
                        f"{source}: touchpoints[{i}].component = {label!r}: expected a name"
                    )
            labels.append(label)
            entries.append(entry)
        data["touchpoints"] = entries
    plan = plan_from_data(data, source)
    labels += [None] * (len(plan.touchpoints) - len(labels))
    return Strategy(plan=plan, settings=settings, source=source, labels=labels)


def active_entries(plan: PlanParams) -> list[int]:
    """Entries that run (not switched off by ``when:``)."""
    return [
        i for i, e in enumerate(plan.touchpoints) if not e.when or plan.switches.get(e.when, False)
    ]


def _key(entry: TouchpointSpec) -> str:
    data = dataclasses.asdict(entry)
    data.pop("when")
    return repr(sorted(data.items()))


def differing_types(plan: PlanParams, baseline: PlanParams) -> set[str]:
    """Touchpoint types whose running entries differ between the plan and the baseline."""
    mine = [plan.touchpoints[i] for i in active_entries(plan)]
    theirs = [baseline.touchpoints[i] for i in active_entries(baseline)]
    types = {e.type for e in mine}
    return {
        t
        for t in types
        if sorted(_key(e) for e in mine if e.type == t)
        != sorted(_key(e) for e in theirs if e.type == t)
    }


def default_components(strategy: Strategy, baseline: PlanParams) -> list[Component]:
    """Components from labels, then by type for unlabelled entries that differ (see module)."""
    plan = strategy.plan
    differ = differing_types(plan, baseline)
    groups: dict[str, list[int]] = {}
    for i in active_entries(plan):
        label = strategy.labels[i]
        kind = plan.touchpoints[i].type
        if label is not None:
            groups.setdefault(label, []).append(i)
        elif kind in differ:
            groups.setdefault(kind, []).append(i)
    return [Component(name, entries) for name, entries in groups.items()]


def named_components(
    strategy: Strategy, mapping: Mapping[str, Any], where: str = "explain.components"
) -> list[Component]:
    """Components from ``{name: [entry index | type | label, ...]}``.

    Raises:
        ConfigError: an empty list, an unknown item, an entry switched off or in two
            components.
    """
    plan = strategy.plan
    active = set(active_entries(plan))
    types = {plan.touchpoints[i].type for i in active}
    labels = {lab for lab in strategy.labels if lab is not None}
    owner: dict[int, str] = {}
    components = []
    for name, given in mapping.items():
        spot = f"{where}.{name}"
        items = [given] if isinstance(given, str | int) else given
        if not isinstance(items, list | tuple) or not items:
            raise ConfigError(f"{spot}: expected a list of entry indices, types or labels")
        entries: list[int] = []
        for item in items:
            text = str(item)
            if isinstance(item, int) or text.isdigit():
                index = int(text)
                if index not in active:
                    raise ConfigError(
                        f"{spot}: entry {index}: the plan {strategy.source} has no running "
                        f"entry {index} (running entries: {sorted(active)})"
                    )
                found = [index]
            elif text in labels:
                found = [i for i in active if strategy.labels[i] == text]
            elif text in types:
                found = [i for i in active if plan.touchpoints[i].type == text]
            else:
                raise ConfigError(
                    f"{spot}: {text!r} is no entry index, type or label of {strategy.source}; "
                    f"types: {', '.join(sorted(types))}"
                    + (f"; labels: {', '.join(sorted(labels))}" if labels else "")
                )
            for i in found:
                if i in owner and owner[i] != name:
                    raise ConfigError(
                        f"{spot}: entry {i} ({plan.touchpoints[i].type}) is already in "
                        f"component {owner[i]!r}; an entry belongs to one component"
                    )
                owner[i] = name
                if i not in entries:
                    entries.append(i)
        components.append(Component(str(name), sorted(entries)))
    return components


def coalition_plan(plan: PlanParams, components: list[Component], mask: int) -> PlanParams:
    """The plan with the components not in ``mask`` switched off (bit k: component k in)."""
    new = copy.deepcopy(plan)
    for k, component in enumerate(components):
        switch = SWITCH.format(k)
        new.switches[switch] = bool(mask >> k & 1)
        for i in component.entries:
            new.touchpoints[i].when = switch
    return new
