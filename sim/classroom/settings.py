"""The classroom's controls, and how a set of them becomes a community model.

A classroom *setting* is a plain mapping of the page's controls (``CONTROLS``): the plan,
the group's size and length, the seed, and a few levers a teacher can move (herd strength,
the offer's deadline and quota, shills and their exposure risk, the peak event). A lesson
side may add ``params`` (dotted model parameters such as ``channel.post_prob``) and plan
edits (``remove`` entries matching some fields, ``add`` entries). :func:`build_side`
applies all of it to the shipped plan and the default parameters and returns the
``CommunityModel``; :func:`control_notes` says which controls do nothing for a plan, so the
page can explain them instead of failing.

Levers that the plan already sets are applied only when they differ from the plan's own
value (``plan_levers``): leaving the deadline slider where it starts keeps every offer as
the plan has it; moving it sets every offer of the plan to the new deadline.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.engine import ConfigError, ModelParams, PlanParams
from sim.engine.offer_book import OfferTerms
from sim.engine.params import TouchpointSpec
from sim.engine.schedule import touchpoint_spec
from sim.engine.touchpoints import REGISTRY
from sim.mesa_view.model import CommunityModel, apply_settings, check_days
from sim.plans import available_strategies, load_strategy


@dataclass(frozen=True)
class Control:
    """One control of the page: its label, kind and range."""

    label: str
    kind: str  # "select" | "int" | "float" | "bool"
    default: Any
    low: float = 0
    high: float = 0
    step: float = 1


CONTROLS: dict[str, Control] = {
    "strategy": Control("Strategy (plan)", "select", "sop"),
    "members": Control("Members", "int", 300, 50, 1000, 50),
    "days": Control("Days", "int", 33, 1, 60, 1),
    "seed": Control("Seed", "int", 1, 0, 99, 1),
    "herd": Control("Herd strength", "float", 2.5, 0.0, 5.0, 0.25),
    "deadline_hours": Control("Offer deadline (hours, 0: none)", "int", 48, 0, 168, 6),
    "quota": Control("Offer quota (0: none)", "int", 0, 0, 300, 10),
    "shills": Control("Shills", "bool", False),
    "shill_risk": Control("Shills' exposure risk (per post read)", "float", 0.03, 0.0, 0.3, 0.01),
    "peak": Control("Peak event", "bool", True),
}
"""The page's controls by name (the keyword arguments of ``Classroom``)."""

SIDE_KEYS = frozenset({"label", "settings", "params", "remove", "add"})
MATCH_KEYS = ("type", "day", "hour", "when")


def check_settings(settings: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check a mapping of control values; return it with each value of its control's type.

    Raises:
        ConfigError: an unknown control, a value of the wrong type or out of range, or an
            unknown strategy.
    """
    out: dict[str, Any] = {}
    for name, value in settings.items():
        control = CONTROLS.get(name)
        if control is None:
            raise ConfigError(f"{where}.{name}: unknown setting; allowed: {', '.join(CONTROLS)}")
        out[name] = _coerce(control, value, f"{where}.{name}")
    return out


def _coerce(control: Control, value: Any, where: str) -> Any:
    if control.kind == "select":
        names = available_strategies()
        if value not in names:
            raise ConfigError(f"{where} = {value!r}: allowed: {', '.join(names)}")
        return str(value)
    if control.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} = {value!r}: expected true or false")
        return value
    ok_types = (int,) if control.kind == "int" else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_types):
        raise ConfigError(
            f"{where} = {value!r}: expected {'an integer' if control.kind == 'int' else 'a number'}"
        )
    if not control.low <= value <= control.high:
        raise ConfigError(f"{where} = {value!r}: must be from {control.low} to {control.high}")
    return int(value) if control.kind == "int" else float(value)


@dataclass
class SideSpec:
    """What one side of a lesson changes: controls, model parameters and plan edits."""

    label: str = ""
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    params: dict[str, Any] = dataclasses.field(default_factory=dict)  # dotted paths
    remove: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # entries to drop
    add: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # entries to add


def plan_levers(plan: PlanParams, params: ModelParams) -> dict[str, Any]:
    """The values the plan (and parameters) give the page's levers, shown as their start.

    Deadline and quota are those of the plan's first offer; the shill risk that of its
    first shill entry; ``shills`` whether a shill entry runs; ``herd`` the purchase model's
    herd weight.
    """
    offers = [e for e in plan.touchpoints if e.type == "offer"]
    first = _params_of(offers[0], OfferTerms) if offers else OfferTerms()
    shill_entries = [e for e in plan.touchpoints if e.type == "shills"]
    shill_params = REGISTRY["shills"].Params
    risk = _params_of(shill_entries[0], shill_params).detect_prob if shill_entries else 0.03
    return {
        "herd": params.purchase.herd,
        "deadline_hours": first.duration_hours,
        "quota": first.quota,
        "shills": any(_entry_runs(plan, e) for e in shill_entries),
        "shill_risk": risk,
        "peak": True,
    }


def _params_of(entry: TouchpointSpec, cls: type) -> Any:
    known = {f.name for f in dataclasses.fields(cls)}
    return dataclasses.replace(cls(), **{k: v for k, v in entry.params.items() if k in known})


def _entry_runs(plan: PlanParams, entry: TouchpointSpec) -> bool:
    return not entry.when or bool(plan.switches.get(entry.when, False))


def peak_event(plan: PlanParams) -> int | None:
    """Index of the plan's peak event: the event of highest ``value`` (the first on ties)."""
    events = [
        (i, _params_of(e, REGISTRY["event"].Params).value)
        for i, e in enumerate(plan.touchpoints)
        if e.type == "event"
    ]
    if not events:
        return None
    best = max(v for _, v in events)
    return next(i for i, v in events if v == best)


def base_params(strategy: str) -> tuple[ModelParams, PlanParams, str]:
    """Default parameters with a shipped strategy's own settings, its plan, and its file."""
    plan, file_settings, source = load_strategy(strategy)
    params = ModelParams()
    apply_settings(params, file_settings, source)
    return params, plan, source


def resolve(settings: Mapping[str, Any], side: SideSpec, where: str) -> tuple[ModelParams, str]:
    """The model parameters (plan included) of a setting and a lesson side.

    Args:
        settings: control values (missing controls take their defaults).
        side: the lesson side's parameter changes and plan edits.
        where: where the setting comes from (a lesson file), named in errors.

    Returns:
        ``(params, source)``: the parameters and the plan's source for messages.

    Raises:
        ConfigError: an unknown parameter path or plan entry, or a value out of range.
    """
    s = {name: c.default for name, c in CONTROLS.items()} | dict(settings)
    params, plan, source = base_params(s["strategy"])
    _apply_dotted(params, side.params, f"{where}.params")
    plan = copy.deepcopy(plan)
    plan.touchpoints = [e for e in plan.touchpoints if not _matches_any(e, side.remove)]
    for i, entry in enumerate(side.add):
        plan.touchpoints.append(touchpoint_spec(entry, f"{where}.add[{i}]"))
    _apply_levers(params, plan, s)
    pop = params.population
    params.population = dataclasses.replace(
        pop, members=s["members"], group_capacity=max(pop.group_capacity, s["members"])
    )
    params.days = s["days"]
    params.strategy = plan
    return params, source


def _apply_levers(params: ModelParams, plan: PlanParams, s: Mapping[str, Any]) -> None:
    own = plan_levers(plan, params)
    if s.get("herd") is not None and s["herd"] != own["herd"]:
        params.purchase = dataclasses.replace(params.purchase, herd=float(s["herd"]))
    for lever, field in (("deadline_hours", "duration_hours"), ("quota", "quota")):
        if s.get(lever) is not None and s[lever] != own[lever]:
            for entry in plan.touchpoints:
                if entry.type == "offer":
                    entry.params = {**entry.params, field: int(s[lever])}
    if s.get("shill_risk") is not None and s["shill_risk"] != own["shill_risk"]:
        for entry in plan.touchpoints:
            if entry.type == "shills":
                entry.params = {**entry.params, "detect_prob": float(s["shill_risk"])}
    if s.get("shills") is not None and s["shills"] != own["shills"]:
        for entry in plan.touchpoints:
            if entry.type == "shills" and entry.when:
                plan.switches = {**plan.switches, entry.when: bool(s["shills"])}
        if not s["shills"]:
            plan.touchpoints = [e for e in plan.touchpoints if e.type != "shills"]
    if s.get("peak") is False:
        peak = peak_event(plan)
        if peak is not None:
            del plan.touchpoints[peak]


def _matches_any(entry: TouchpointSpec, patterns: list[dict[str, Any]]) -> bool:
    return any(all(getattr(entry, k) == v for k, v in p.items()) for p in patterns)


def _apply_dotted(params: ModelParams, dotted: Mapping[str, Any], where: str) -> None:
    nested: dict[str, Any] = {}
    for path, value in dotted.items():
        parts = str(path).split(".")
        if len(parts) > 2:
            raise ConfigError(f"{where}.{path}: expected section.field (e.g. herd.group_weight)")
        if len(parts) == 1:
            nested[parts[0]] = value
        else:
            section = getattr(params, parts[0], None)
            if not dataclasses.is_dataclass(section):
                raise ConfigError(f"{where}.{path}: {parts[0]!r} is not a parameter section")
            if parts[1] not in {f.name for f in dataclasses.fields(section)}:
                allowed = ", ".join(f.name for f in dataclasses.fields(section))
                raise ConfigError(f"{where}.{path}: unknown field; {parts[0]} has {allowed}")
            nested.setdefault(parts[0], {})[parts[1]] = value
    apply_settings(params, nested, where)


def build_side(settings: Mapping[str, Any], side: SideSpec, where: str) -> CommunityModel:
    """The community model of a setting and a lesson side (see :func:`resolve`).

    Raises:
        ConfigError: a setting that cannot be used, including ``days`` shorter than the
            plan (the message says the plan's last day).
    """
    params, source = resolve(settings, side, where)
    check_days(params, source)
    seed = int(settings.get("seed", CONTROLS["seed"].default))
    return CommunityModel(params, seed=seed, strategy=params.strategy, collect_agents=False)


def control_notes(
    params: ModelParams, locked: Mapping[str, tuple[Any, Any]] | None = None
) -> dict[str, str]:
    """Why some controls do nothing for these parameters (by control name).

    Args:
        params: the parameters a side runs with (its plan included).
        locked: controls the lesson sets differently on its two sides, with the two values;
            in side-by-side mode the page's value of such a control is not used.

    Returns:
        A short explanation for each control that has no effect.
    """
    plan = params.strategy
    types = {e.type for e in plan.touchpoints}
    notes: dict[str, str] = {}
    if params.purchase.model != "logistic":
        notes["herd"] = f"the {plan.name} plan uses the {params.purchase.model} purchase model"
    if "offer" not in types:
        notes["deadline_hours"] = notes["quota"] = f"the {plan.name} plan has no offer"
    if "shills" not in types:
        text = f"the {plan.name} plan has no shill entry (the layered plan has one)"
        notes["shills"] = notes["shill_risk"] = text
    if "event" not in types:
        notes["peak"] = f"the {plan.name} plan has no event"
    for name, (with_value, without_value) in (locked or {}).items():
        notes[name] = f"set by the lesson: {with_value} with, {without_value} without"
    return notes
