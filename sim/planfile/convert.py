"""A checked plan file's data turned into the engine's parameters.

Each section is checked against its dataclass (``fields``), then the cross-field rules
(layer shares, groups, days, switches, edge-list ids) are checked, every problem collected.
Only a plan without problems is turned into ``ModelParams``.
"""

from __future__ import annotations

import csv
import math
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
)

from . import vocabulary as vocab
from .check import check_fields
from .entries import EntryInfo, entry
from .fields import SECTIONS, PlanFile
from .problems import Collector, clean, show

ENGINE_OFFER = (699.0 / 999.0, 1299.0 / 999.0)  # offer price and anchor per list price
MAX_COMPLETE = 5000  # "everyone knows everyone" beyond this many people: too many ties to hold


@dataclass
class Converted:
    """The result of a conversion (``params`` is None when there were problems)."""

    params: ModelParams | None = None
    entries: list[EntryInfo] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)
    edge_list: Path | None = None
    currency: str = "CNY"
    product: str = ""


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
    if graph.kind == "complete" and slots > MAX_COMPLETE:
        out.add(
            "community.ties",
            f"'everyone knows everyone' among {slots} people (members and outside friends)",
            f"at most {MAX_COMPLETE} people for this kind of ties",
            "use 'clustered' for a large community",
        )
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
        made = entry(
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
        strategy=PlanParams(name=plan.name, switches=dict(plan.switches), touchpoints=specs),
    )
    return result
