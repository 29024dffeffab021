"""The plan compiler: a plan (data) becomes a schedule of touchpoint firings by hour."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .params import LAYERS, N_STAGES, PlanParams, TargetSpec, TouchpointSpec
from .targeting import RANK_KEYS
from .touchpoints import REGISTRY, Firing
from .validation import ConfigError, build


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
    if kind not in REGISTRY:
        raise ConfigError(
            f"{where}.type = {kind!r}: unknown touchpoint type; "
            f"allowed: {', '.join(sorted(REGISTRY))}"
        )
    raw = {k: v for k, v in entry.items() if k not in ("params", "target")}
    if not isinstance(entry.get("params") or {}, Mapping):
        raise ConfigError(f"{where}.params: expected a mapping of the type's parameters")
    spec = build(TouchpointSpec, raw, where)
    spec.target = build(TargetSpec, entry.get("target") or {}, f"{where}.target")
    spec.params = dict(entry.get("params") or {})
    return spec


def _check_target(t: TargetSpec, where: str) -> None:
    for layer in t.layers:
        if layer not in LAYERS:
            raise ConfigError(
                f"{where}.layers: unknown layer {layer!r}; allowed: {', '.join(LAYERS)}"
            )
    for name in ("min_stage", "max_stage"):
        value = getattr(t, name)
        if not 0 <= value < N_STAGES:
            raise ConfigError(f"{where}.{name} = {value}: must be a stage from 0 to 6")
    if t.rank_by not in RANK_KEYS:
        raise ConfigError(f"{where}.rank_by = {t.rank_by!r}: allowed: {', '.join(RANK_KEYS)}")
    if min(t.top_k, t.active_within_hours, t.care_rest_hours) < 0:
        raise ConfigError(
            f"{where}: top_k, active_within_hours and care_rest_hours must be at least 0"
        )
    if t.bought not in (None, True, False):
        raise ConfigError(f"{where}.bought = {t.bought!r}: allowed: null, true, false")


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
            raise ConfigError(f"{source}: switches.{name} = {on!r}: expected true or false")
    by_hour: dict[int, list[Firing]] = defaultdict(list)
    for index, entry in enumerate(plan.touchpoints):
        where = f"{source}: touchpoints[{index}]"
        spec = touchpoint_spec(entry, where)
        unit = REGISTRY[spec.type]
        where = f"{where} ({spec.type})"
        params = build(unit.Params, spec.params, f"{where}.params")
        _check_target(spec.target, f"{where}.target")
        if not 1 <= spec.day <= days:
            raise ConfigError(f"{where}.day = {spec.day}: must be a campaign day from 1 to {days}")
        times = spec.hours or [spec.hour]
        if len(set(times)) != len(times):
            raise ConfigError(f"{where}.hours = {times}: an hour may appear only once")
        for h in times:
            if not 0 <= h <= 23:
                raise ConfigError(f"{where}.hour = {h}: must be an hour from 0 to 23")
        if spec.every_days < 0:
            raise ConfigError(f"{where}.every_days = {spec.every_days}: must be at least 0")
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
