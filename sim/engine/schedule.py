"""The plan compiler: a plan (data) becomes a schedule of touchpoint firings by hour."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .params import PlanParams, TargetSpec, TouchpointSpec
from .touchpoints import REGISTRY, Firing
from .validation import ConfigError, build, excerpt


@dataclass
class Schedule:
    """Firings by start hour, in plan order within an hour."""

    hours: int
    by_hour: dict[int, list[Firing]] = field(default_factory=dict)
    lasting: list[Firing] = field(default_factory=list)  # firings with a duration, in order

    def starting(self, hour: int) -> list[Firing]:
        """Firings that start at ``hour``."""
        return self.by_hour.get(hour, [])

    def running(self, hour: int) -> list[Firing]:
        """Firings with a duration that are running at ``hour``."""
        return [f for f in self.lasting if f.start <= hour < f.end]

    def all(self) -> list[Firing]:
        """Every firing, by start hour then plan order."""
        return [f for h in sorted(self.by_hour) for f in self.by_hour[h]]


def touchpoint_spec(entry: Any, where: str) -> TouchpointSpec:
    """Check one plan entry's shape and type and return it as a ``TouchpointSpec``.

    Its ``params`` stay a mapping here; they are checked against the unit's ``Params`` when
    the plan is compiled.

    Raises:
        ConfigError: not a mapping, an unknown type, or unknown or mistyped fields.
    """
    if isinstance(entry, TouchpointSpec):
        entry = dataclasses.asdict(entry)
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: expected a mapping with type, day, hour, target, params")
    kind = entry.get("type")
    if not isinstance(kind, str) or kind not in REGISTRY:
        raise ConfigError(
            f"{where}.type = {excerpt(kind)}: unknown touchpoint type; "
            f"allowed: {', '.join(sorted(REGISTRY))}"
        )
    raw = {k: v for k, v in entry.items() if k not in ("params", "target")}
    params = entry.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ConfigError(f"{where}.params: expected a mapping of the type's parameters")
    target = entry.get("target", {})
    if target is None:
        target = {}
    if not isinstance(target, Mapping):
        raise ConfigError(f"{where}.target: expected a mapping (layers, min_stage, ...)")
    spec = build(TouchpointSpec, raw, where)
    spec.target = build(TargetSpec, target, f"{where}.target")
    spec.params = dict(params)
    return spec


def _check_target(t: TargetSpec, where: str) -> None:
    # the field bounds are checked by ``build``; ``bought`` is null, true or false
    if t.bought is not None and not isinstance(t.bought, bool):
        raise ConfigError(f"{where}.bought = {excerpt(t.bought)}: allowed: null, true, false")
    if t.min_need > t.max_need:
        raise ConfigError(
            f"{where}: min_need = {t.min_need}, max_need = {t.max_need}: min_need may not "
            "exceed max_need"
        )
    if t.max_degree and t.min_degree > t.max_degree:
        raise ConfigError(
            f"{where}: min_degree = {t.min_degree}, max_degree = {t.max_degree}: min_degree may "
            "not exceed max_degree (0: no upper bound)"
        )


def compile_plan(plan: PlanParams, days: int, source: str = "strategy") -> Schedule:
    """Check a plan and expand its entries (with repeats) into hourly firings.

    Args:
        plan: the strategy's plan.
        days: campaign length in days.
        source: where the plan came from, for error messages (e.g. its file).

    Returns:
        The schedule.

    Raises:
        ConfigError: naming the entry, field and the allowed values.
    """
    hours = days * 24
    for name, on in plan.switches.items():
        if not isinstance(on, bool):
            raise ConfigError(f"{source}: switches.{name} = {excerpt(on)}: expected true or false")
    by_hour: dict[int, list[Firing]] = defaultdict(list)
    for index, entry in enumerate(plan.touchpoints):
        where = f"{source}: touchpoints[{index}]"
        spec = touchpoint_spec(entry, where)
        unit = REGISTRY[spec.type]
        where = f"{where} ({spec.type})"
        params = build(unit.Params, spec.params, f"{where}.params")
        _check_target(spec.target, f"{where}.target")
        if spec.day > days:
            raise ConfigError(f"{where}.day = {spec.day}: must be a campaign day from 1 to {days}")
        times = spec.hours or [spec.hour]
        if len(set(times)) != len(times):
            raise ConfigError(f"{where}.hours = {times}: an hour may appear only once")
        last = spec.until_day or days
        if spec.every_days and not spec.day <= last <= days:
            raise ConfigError(
                f"{where}.until_day = {spec.until_day}: must be from day {spec.day} to {days}"
            )
        if spec.when:
            if spec.when not in plan.switches:
                raise ConfigError(
                    f"{where}.when = {spec.when!r}: no such switch; the plan's switches are "
                    f"{', '.join(plan.switches) or 'none'} (declare it under switches:)"
                )
            if not plan.switches[spec.when]:
                continue
        day_list = range(spec.day, last + 1, spec.every_days) if spec.every_days else [spec.day]
        duration = unit.duration(params)
        for day in day_list:
            for h in times:
                start = (day - 1) * 24 + h
                end = min(hours, start + duration)
                by_hour[start].append(Firing(unit, params, spec.target, start, end, index))
    for fs in by_hour.values():
        fs.sort(key=lambda f: f.plan_index)
    schedule = Schedule(hours=hours, by_hour=dict(by_hour))
    schedule.lasting = [f for f in schedule.all() if f.end > f.start]
    return schedule
