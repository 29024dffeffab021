"""A checked plan file's data turned into the engine's parameters.

Each section is checked against its dataclass (``fields``), then the cross-field rules
(layer shares, groups, days, switches, edge-list ids) are checked, every problem collected.
Only a plan without problems is turned into ``ModelParams``.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.engine.params import (
    GraphParams,
    ModelParams,
    OperatorParams,
    PlanParams,
    PopulationParams,
    ProductParams,
    TargetSpec,
    TouchpointSpec,
)
from sim.engine.touchpoints import REGISTRY

from . import vocabulary as vocab
from .check import check_fields
from .fields import SECTIONS, Entry, PlanFile, Target
from .problems import UNREADABLE, Collector, clean, show

ENGINE_OFFER = (699.0 / 999.0, 1299.0 / 999.0)  # offer price and anchor per list price
TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")


@dataclass
class EntryInfo:
    """What the calendar shows of an entry besides its engine spec."""

    word: str
    line: int
    to: str
    note: str


@dataclass
class Converted:
    """The result of a conversion (``params`` is None when there were problems)."""

    params: ModelParams | None = None
    entries: list[EntryInfo] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)
    edge_list: Path | None = None
    currency: str = "CNY"
    product: str = ""


def find_word(text: Any) -> str:
    """The vocabulary's word for ``text`` (case, spaces and underscores forgiven), or ''."""
    if not isinstance(text, str):
        return ""
    words = vocab.all_words()
    key = " ".join(text.lower().split())
    for candidate in (key, key.replace("_", " "), key.replace(" ", "_")):
        if candidate in words:
            return candidate
    return ""


def parse_hours(out: Collector, value: Any, path: str) -> list[int]:
    """``at:`` as a list of hours (an hour, ``"20:00"``, or a list of them)."""
    items = value if isinstance(value, list) else [value]
    hours: list[int] = []
    for i, item in enumerate(items):
        sub = f"{path}[{i}]" if isinstance(value, list) else path
        match = TIME.match(item) if isinstance(item, str) else None
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 23:
            hours.append(item)
        elif match and int(match[1]) <= 23 and (match[2] or "00") == "00":
            hours.append(int(match[1]))
        elif match and int(match[1]) <= 23:
            out.add(
                sub,
                f"{show(item)}: the plan runs by the hour",
                "whole hours, 0-23",
                f"write '{int(match[1])}:00'",
            )
        else:
            out.add(
                sub,
                f"{show(item)} is not an hour of the day",
                "0-23, or a time like '20:00', or a list of them",
            )
    if isinstance(value, list) and not value:
        out.add(path, "an empty list of hours", "0-23, or a time like '20:00'")
    if len(set(hours)) != len(hours):
        out.add(path, "an hour appears twice", "each hour once")
    return hours


def read_ids(out: Collector, path: Path, where: str) -> list[str]:
    """The sorted member ids of an edge-list CSV (the engine's slot order), or [] on error."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            names = [f.strip() for f in (reader.fieldnames or [])]
            if "source" not in names or "target" not in names:
                out.add(
                    where,
                    "the edge list's header must name the columns source and target",
                    "a CSV file with columns source,target",
                )
                return []
            ids: set[str] = set()
            for number, raw in enumerate(reader, start=2):
                row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
                if not row.get("source") or not row.get("target"):
                    out.add(where, f"the edge list's line {number} has an empty source or target")
                    return []
                ids.update((row["source"], row["target"]))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        out.add(where, f"the edge list cannot be read ({clean(exc, 80)})", "a UTF-8 CSV file")
        return []
    if not ids:
        out.add(where, "the edge list has no ties")
    return sorted(ids)


def _target(
    out: Collector, raw: Any, path: str, *, days: int, ids: list[str], members: int
) -> tuple[TargetSpec, str]:
    """``to:`` as the engine's ``TargetSpec`` and a short description."""
    if isinstance(raw, str):
        key = " ".join(raw.lower().split())
        if key not in vocab.TARGET_WORDS:
            out.did_you_mean(path, "target", raw, vocab.TARGET_WORDS)
            return TargetSpec(), clean(raw, 30)
        data, text = dict(vocab.TARGET_WORDS[key]), key
    elif isinstance(raw, list):
        data, text = {"layers": raw}, " and ".join(map(str, raw))
    elif isinstance(raw, dict):
        data, text = raw, ""
    else:
        out.add(
            path,
            f"{show(raw)} is not a target",
            "a shorthand (e.g. everyone, core), a list of layers, or a mapping of conditions",
        )
        data, text = {}, "everyone"
    good = check_fields(out, Target, data, path, what="target condition")
    t = Target(**good)
    spec = TargetSpec(
        layers=list(dict.fromkeys(t.layers)),
        min_stage=t.stage_from,
        max_stage=t.stage_to,
        bought=t.bought,
        active_within_hours=round(t.active_within_days * 24),
        include_dormant=t.include_muted,
        rank_by=vocab.RANK_WORDS[t.by],
        top_k=t.top,
        silent_days=t.silent_for_days,
    )
    if not t.layers:
        out.add(f"{path}.layers", "no layer chosen", "core, influence, peripheral")
    if t.stage_from > t.stage_to:
        out.add(f"{path}.stage_from", f"stage_from {t.stage_from} is above stage_to {t.stage_to}")
    if t.active_within_days and t.silent_for_days:
        out.add(
            f"{path}.silent_for_days",
            "a member cannot be both active within "
            f"{t.active_within_days:g} days and silent for {t.silent_for_days} days",
            "one of active_within_days and silent_for_days",
        )
    if t.silent_for_days >= days:
        out.add(
            f"{path}.silent_for_days",
            f"{t.silent_for_days} days is the whole campaign",
            f"fewer than {days} days",
        )
    if t.members:
        if not ids:
            out.add(
                f"{path}.members",
                "members by id need an edge list",
                "ids of community.edge_list",
                "set community.edge_list",
            )
        slot = {m: i for i, m in enumerate(ids)}
        for i, m in enumerate(t.members):
            where = f"{path}.members[{i}]"
            if ids and str(m) not in slot:
                close = vocab_close(str(m), ids)
                out.add(
                    where,
                    f"no member {show(str(m))} in the edge list",
                    "",
                    f"did you mean '{close}'?" if close else "",
                )
            elif ids and slot[str(m)] >= members:
                out.add(
                    where,
                    f"{show(str(m))} is an outside friend, not a member",
                    f"the first {members} ids in sorted order",
                    "raise community.members",
                )
        spec.member_slots = sorted({slot[str(m)] for m in t.members if str(m) in slot})
    if not text:
        parts = [", ".join(t.layers) if len(t.layers) < 3 else "everyone"]
        if t.bought is not None:
            parts.append("buyers" if t.bought else "not yet bought")
        if t.active_within_days:
            parts.append(f"active in {t.active_within_days:g} d")
        if t.silent_for_days:
            parts.append(f"silent {t.silent_for_days} d")
        if t.members:
            parts.append(f"{len(t.members)} named")
        if t.top:
            parts.append(f"top {t.top} by {t.by}")
        text = ", ".join(parts)
    return spec, text


def vocab_close(word: str, options: list[str]) -> str:
    """The closest id (only searched among a bounded number of ids)."""
    from .problems import suggest

    return suggest(word, options[:5000])


def _entry(
    out: Collector,
    raw: Any,
    index: int,
    *,
    plan: PlanFile,
    ids: list[str],
    members: int,
    prices: tuple[float, float],
) -> tuple[TouchpointSpec, EntryInfo] | None:
    path = f"calendar[{index}]"
    if not isinstance(raw, dict):
        out.add(
            path,
            f"{show(raw)} is not a calendar entry",
            "a mapping with what, day, at, to and the touchpoint's settings",
        )
        return None
    word = find_word(raw.get("what"))
    if raw.get("what") is UNREADABLE:
        return None  # the reader said why
    if "what" not in raw:
        out.add(
            path,
            "the entry does not say what happens",
            "what: followed by a touchpoint",
            "add e.g. 'what: notice'",
        )
        return None
    if not word:
        out.did_you_mean(f"{path}.what", "touchpoint", raw["what"], vocab.all_words())
        return None
    w = vocab.all_words()[word]
    unit = REGISTRY[w.type]
    own = {f.name for f in dataclasses.fields(Entry)}
    extra = {k: v for k, v in raw.items() if k not in own}
    for name in extra:
        owners = [
            t for t, u in REGISTRY.items() if name in {f.name for f in dataclasses.fields(u.Params)}
        ]
        if name not in {f.name for f in dataclasses.fields(unit.Params)} and owners:
            out.add(
                f"{path}.{name}",
                f"'{name}' is a setting of {', '.join(owners)}, not of '{word}' ({w.type})",
                ", ".join(f.name for f in dataclasses.fields(unit.Params)),
            )
            raw = {k: v for k, v in raw.items() if k != name}
    rest = {k: v for k, v in raw.items() if k not in ("what", "to")}
    good = check_fields(out, Entry, rest, path, extra=unit.Params, what="entry field")
    e = Entry(what=word, **{k: v for k, v in good.items() if k in own})
    e.to = raw.get("to", e.to)
    settings = dict(w.settings)
    if w.type == "offer":
        settings = {"price": prices[0], "anchor": prices[1], **settings}
    settings.update({k: v for k, v in good.items() if k not in own})
    hours = parse_hours(out, e.at, f"{path}.at")
    if e.day > plan.days:
        out.add(
            f"{path}.day",
            f"day {e.day} is after the campaign's end",
            f"a day from 1 to {plan.days}",
        )
    if e.until_day and not e.every_days:
        out.add(
            f"{path}.until_day",
            "until_day without every_days",
            "",
            "add every_days (e.g. 1 for daily) or drop until_day",
        )
    if e.until_day and not e.day <= e.until_day <= plan.days:
        out.add(
            f"{path}.until_day",
            f"day {e.until_day} is outside the repeat",
            f"a day from {e.day} to {plan.days}",
        )
    if e.when and e.when not in plan.switches:
        close = vocab_close(e.when, list(plan.switches))
        out.add(
            f"{path}.when",
            f"no switch {show(e.when)}",
            ", ".join(plan.switches) or "none declared (declare it under switches:)",
            f"did you mean '{close}'?" if close else "",
        )
    target, to_text = _target(out, e.to, f"{path}.to", days=plan.days, ids=ids, members=members)
    if w.type == "offer":
        price, anchor = settings.get("price", 0.0), settings.get("anchor", 0.0)
        if anchor and price > anchor:
            out.warnings.append(
                f"{path}: the offer's price {price:g} is above its anchor {anchor:g}"
            )
        if price > plan.product.list_price:
            out.warnings.append(
                f"{path}: the offer's price {price:g} is above the list price "
                f"{plan.product.list_price:g}"
            )
    spec = TouchpointSpec(
        type=w.type,
        day=e.day,
        hour=hours[0] if hours else 8,
        hours=hours if len(hours) > 1 else [],
        every_days=e.every_days,
        until_day=e.until_day,
        when=e.when,
        target=target,
        params=settings,
    )
    return spec, EntryInfo(word, out.line_of(path), to_text, clean(e.note, 60))


def _community(
    out: Collector, plan: PlanFile, given: dict[str, Any], base: Path
) -> tuple[PopulationParams, GraphParams, list[str], Path | None]:
    c = plan.community
    ids: list[str] = []
    edge_list = None
    graph = GraphParams(kind=vocab.TIE_WORDS[c.ties], mean_degree=c.ties_per_member)
    if c.edge_list:
        edge_list = (base / c.edge_list).resolve()
        if not edge_list.is_file():
            out.add(
                "community.edge_list",
                f"no such file {show(c.edge_list)}",
                "a CSV file, its path relative to the plan file",
            )
        else:
            ids = read_ids(out, edge_list, "community.edge_list")
            if ids and "members" not in given:
                c.members = max(2, len(ids))
            graph = GraphParams(kind="edgelist", edgelist_path=str(edge_list))
    shares = [c.core_share, c.influence_share, c.peripheral_share]
    if abs(sum(shares) - 1) > 1e-6 or min(shares) <= 0:
        out.add(
            "community.core_share",
            f"the layer shares sum to {sum(shares):g}",
            "three shares above 0 (core, influence, peripheral) that sum to 1",
        )
    needed = -(-c.members // c.group_size)
    if c.groups and c.groups < needed:
        out.add(
            "community.groups",
            f"{c.members} members need at least {needed} groups of {c.group_size}",
            f"0 (as many as needed) or at least {needed}",
        )
    if c.groups > c.members // 2:
        out.add(
            "community.groups",
            f"{c.groups} groups for {c.members} members",
            f"at most {c.members // 2} (a group needs at least 2 members)",
        )
    if c.max_groups and c.max_groups < max(c.groups, needed):
        out.add(
            "community.max_groups",
            "fewer than the starting groups",
            f"0 (no new groups) or at least {max(c.groups, needed)}",
        )
    slots = c.members + math.ceil(c.members * c.outside_friends)
    if len(ids) > slots:
        out.add(
            "community.edge_list",
            f"{len(ids)} people in the file but room for {slots} "
            "(members and their outside friends)",
            "",
            "raise community.members or community.outside_friends",
        )
    pop = PopulationParams(
        members=c.members,
        group_capacity=c.group_size,
        groups=c.groups,
        max_groups=c.max_groups,
        outside_ratio=c.outside_friends,
        layer_shares=shares,
    )
    return pop, graph, ids, edge_list


def convert(data: Any, out: Collector, base: Path, default_name: str) -> Converted:
    """Check a plan's data and turn it into engine parameters.

    Args:
        data: the file's plain data (from ``yamlread``).
        out: collects problems (and ``out.warnings``).
        base: the plan file's folder (an edge list's path is relative to it).
        default_name: the plan's name when the file gives none.

    Returns:
        The conversion; ``params`` is None when ``out`` holds problems.
    """
    result = Converted()
    if not isinstance(data, dict):
        out.add(
            "",
            "the file is empty" if data is None else f"{show(data)} is not a plan",
            "a mapping with community, team, product and calendar",
            "start from a template in configs/plans/",
        )
        return result
    top = check_fields(
        out, PlanFile, {k: v for k, v in data.items() if k not in SECTIONS and k != "calendar"}, ""
    )
    plan = PlanFile(**top)
    plan.name = clean(plan.name, 60) or default_name
    given: dict[str, dict[str, Any]] = {}
    for name, cls in SECTIONS.items():
        raw = data.get(name, {})
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            out.add(name, f"{show(raw)} is not a mapping", f"a mapping of {name} fields")
            raw = {}
        given[name] = raw
        setattr(plan, name, cls(**check_fields(out, cls, raw, name)))
    pop, graph, ids, result.edge_list = _community(out, plan, given["community"], base)
    result.member_ids = ids[: plan.community.members]
    p = plan.product
    prices = (
        p.offer_price or round(p.list_price * ENGINE_OFFER[0], 2),
        p.anchor_price or round(p.list_price * ENGINE_OFFER[1], 2),
    )
    calendar = data.get("calendar")
    if calendar is None:
        out.warnings.append(
            "the plan has no calendar: nothing happens but the members' own talk (a baseline)"
        )
        calendar = []
    if not isinstance(calendar, list):
        out.add(
            "calendar",
            f"{show(calendar)} is not a list of entries",
            "a list: each entry starts with '- what: ...'",
        )
        calendar = []
    specs = []
    for index, raw in enumerate(calendar):
        made = _entry(
            out, raw, index, plan=plan, ids=ids, members=plan.community.members, prices=prices
        )
        if made:
            specs.append(made[0])
            result.entries.append(made[1])
    t = plan.team
    result.currency, result.product = clean(t.currency, 10), clean(p.name, 40)
    if out.problems:
        return result
    result.params = ModelParams(
        days=plan.days,
        population=pop,
        graph=graph,
        operator=OperatorParams(
            staff=t.people,
            care_per_staff_per_day=t.care_per_person_per_day,
            wage_per_minute=t.cost_per_hour / 60,
            money_budget=t.budget,
            minutes_per_staff_per_day=t.minutes_per_person_per_day,
        ),
        product=ProductParams(list_price=p.list_price, list_price_on_sale=p.on_sale_outside_offers),
        strategy=PlanParams(
            name=plan.name,
            list_price_on_sale=p.on_sale_outside_offers,
            switches=dict(plan.switches),
            touchpoints=specs,
        ),
    )
    return result
