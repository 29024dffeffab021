"""A plan shown as a calendar: day by day, what happens, to whom, and the team's workload.

The workload is an estimate made before any run: staff minutes per touchpoint (once per
group, per conversation held, or once in all, as ``vocabulary.MINUTES_BASIS`` says) and, for
one-to-one touchpoints, the most conversations the target rule can ask for (its ``top`` per
group, or every member of its layers) and how many of them the day's remaining capacity
holds. Days whose care or minutes may exceed the team's
capacity are flagged; in a run, the engine cares for as many as capacity allows, best-ranked
first, and drops the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.engine.groups import start_groups
from sim.engine.params import LAYERS

from .vocabulary import MINUTES_BASIS

if TYPE_CHECKING:
    from sim.engine.touchpoints import Firing

    from . import LoadedPlan


@dataclass
class Item:
    """One touchpoint on a day."""

    hour: int
    word: str
    to: str
    minutes: float
    care: int  # most one-to-one conversations asked for (0 for other touchpoints)
    held: int  # of those, how many the day's remaining capacity holds
    detail: str = ""


@dataclass
class Day:
    """A campaign day with its touchpoints and workload against capacity."""

    day: int
    items: list[Item] = field(default_factory=list)
    minutes: float = 0.0
    care: int = 0
    care_capacity: int = 0
    minutes_capacity: float = 0.0

    @property
    def over(self) -> list[str]:
        """What may exceed the team's capacity on this day, in words."""
        flags = []
        if self.care > self.care_capacity:
            flags.append(
                f"care asks for up to {self.care} conversations, the team holds "
                f"{self.care_capacity}: later and lower-ranked ones are dropped"
            )
        if self.minutes > self.minutes_capacity:
            flags.append(
                f"up to {self.minutes:.0f} staff minutes, the team has {self.minutes_capacity:.0f}"
            )
        return flags


def _reach(plan: LoadedPlan, firing: Firing) -> int:
    """Most members a one-to-one touchpoint's rule can ask for on one firing."""
    p = plan.params
    t = firing.target
    members, groups = p.population.members, start_groups(p.population)
    if t.member_slots:
        return len(t.member_slots)
    shares = p.population.layer_shares
    in_layers = round(members * sum(shares[LAYERS.index(x)] for x in t.layers if x in LAYERS))
    if t.top_k:
        return min(in_layers, t.top_k * groups)
    return in_layers


def _detail(firing: Firing, currency: str) -> str:
    params = firing.params
    if firing.unit.name == "offer":
        text = f"price {params.price:g} {currency}"
        if params.anchor:
            text += f" (anchor {params.anchor:g})"
        if params.quota:
            text += f", quota {params.quota}"
        if params.duration_hours:
            text += f", {params.duration_hours} h"
        return text
    hours = getattr(params, "duration_hours", 0)
    return (
        f"{hours} h"
        if hours and firing.unit.name != "shills"
        else (f"{params.accounts} accounts, {hours} h" if firing.unit.name == "shills" else "")
    )


def days(plan: LoadedPlan) -> list[Day]:
    """The plan's days with their touchpoints and workload estimates."""
    p = plan.params
    op = p.operator
    groups = start_groups(p.population)
    result = [
        Day(
            d,
            care_capacity=op.staff * op.care_per_staff_per_day,
            minutes_capacity=op.staff * op.minutes_per_staff_per_day,
        )
        for d in range(1, p.days + 1)
    ]
    assert plan.schedule is not None
    left = {day.day: day.care_capacity for day in result}  # refilled each day, as in the engine
    for firing in plan.schedule.all():  # in time order
        day = result[firing.start // 24]
        info = plan.entries[firing.plan_index]
        basis = MINUTES_BASIS.get(firing.unit.name, "once")
        if firing.unit.name == "broadcast" and firing.params.channel == "private":
            basis = "once"
        minutes = getattr(firing.params, "minutes", 0.0)
        care = _reach(plan, firing) if firing.unit.uses_capacity() else 0
        held = min(care, left[day.day])
        left[day.day] -= held
        spent = {"group": minutes * groups, "member": minutes * held, "once": minutes}.get(
            basis, 0.0
        )
        detail = _detail(firing, plan.currency)
        if info.note:
            detail = f"{detail}; {info.note}" if detail else info.note
        day.items.append(Item(firing.start % 24, info.word, info.to, spent, care, held, detail))
        day.minutes += spent
        day.care += care
    for day in result:
        day.items.sort(key=lambda item: item.hour)
    return result


def render(plan: LoadedPlan) -> str:
    """The plan as a calendar, one block per day, with capacity flags."""
    p = plan.params
    op, pop = p.operator, p.population
    groups = start_groups(pop)
    lines = [
        f"plan '{p.strategy.name}' ({plan.source}): {p.days} days, {pop.members} members in "
        f"{groups} group{'s' * (groups > 1)}",
        f"team: {op.staff} people, {op.staff * op.care_per_staff_per_day} conversations and "
        f"{op.staff * op.minutes_per_staff_per_day:.0f} minutes a day, "
        f"{op.wage_per_minute * 60:g} {plan.currency}/hour",
        f"product{' ' + plan.product if plan.product else ''}: list price "
        f"{p.product.list_price:g} {plan.currency}, "
        + ("on sale all along" if p.product.list_price_on_sale else "sold only during offers"),
    ]
    off = [
        f"{info.word} (line {info.line}, when: {spec.when})"
        for spec, info in zip(p.strategy.touchpoints, plan.entries, strict=True)
        if spec.when and not p.strategy.switches.get(spec.when)
    ]
    if off:
        lines.append("switched off: " + "; ".join(off))
    lines.append("")
    flagged = []
    for day in days(plan):
        if not day.items:
            lines.append(f"day {day.day:>3}  (nothing scheduled)")
            continue
        for i, item in enumerate(day.items):
            head = f"day {day.day:>3}" if i == 0 else " " * 7
            work = f"{item.minutes:.0f} min"
            if item.care:
                fit = f" ({item.held} fit)" if item.held < item.care else ""
                work = f"up to {item.care} care{fit}, " + work
            text = f"{head}  {item.hour:02d}:00  {item.word:<20} {work:<30} to {item.to}"
            lines.append(text + (f"  [{item.detail}]" if item.detail else ""))
        total = (
            f"{' ' * 7}  total: {day.care}/{day.care_capacity} care, "
            f"{day.minutes:.0f}/{day.minutes_capacity:.0f} min"
        )
        if day.over:
            flagged.append(day.day)
            total += "  OVER CAPACITY: " + "; ".join(day.over)
        lines.append(total)
    lines.append("")
    if flagged:
        lines.append(f"days that may exceed the team's capacity: {', '.join(map(str, flagged))}")
    else:
        lines.append("no day exceeds the team's capacity")
    return "\n".join(lines)
