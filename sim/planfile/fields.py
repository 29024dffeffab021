"""The plan file's fields: typed dataclasses with their unit, default, bounds and meaning.

These classes are the single description of the plan format. The loader checks files
against them, ``sim.planfile.schema`` turns them into the JSON Schema and the reference
table of ``docs/plan-format.md``. Defaults are the engine's own (``sim.engine.params``), so
a plan that leaves a field out gets what the engine would use.

A calendar entry also takes the settings of its touchpoint type (the engine unit's
``Params``: ``price``, ``quota``, ``minutes``...), by their names, beside these fields.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sim.engine.params import LAYERS, OperatorParams, PopulationParams, ProductParams
from sim.engine.params import GraphParams as _Graph

from .vocabulary import TARGET_WORDS, TIE_WORDS, all_words

_POP, _OP, _PRODUCT, _GRAPH = (PopulationParams(), OperatorParams(), ProductParams(), _Graph())


def spec(
    default: Any,
    doc: str,
    unit: str = "",
    example: Any = None,
    *,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    words: tuple[str, ...] | None = None,
    required: bool = False,
) -> Any:
    """A plan-file field with its documentation (read by the checker, schema and docs).

    Args:
        default: the default value (lists and dicts are copied for each instance).
        doc: what the field means, in the operator's words.
        unit: the unit of a number ('' for none).
        example: a value shown in the reference page.
        lo: smallest allowed value.
        hi: largest allowed value.
        choices: the allowed words, if any.
        words: for a field that takes text or something else: the allowed texts (the
            loader checks them itself; the schema lists them).
        required: the field must be given (its default is never used).
    """
    meta = {"doc": doc, "unit": unit, "example": example, "min": lo, "max": hi}
    meta["choices"] = choices
    meta["words"] = words
    meta["required"] = required
    if dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=type(default), metadata=meta)
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass
class Community:
    """Who the members are and how they know each other."""

    members: int = spec(
        _POP.members,
        "members at the start, across all groups (default with an edge list: the people in "
        "the file)",
        "people",
        300,
        lo=2,
        hi=1000000,
    )
    group_size: int = spec(_POP.group_capacity, "seats per group", "people", 500, lo=2, hi=100000)
    groups: int = spec(
        _POP.groups,
        "groups at the start (0: as few as hold the members)",
        "groups",
        2,
        lo=0,
        hi=10000,
    )
    max_groups: int = spec(
        _POP.max_groups,
        "groups you may run in all, opening new ones for invited friends (0: no new groups)",
        "groups",
        4,
        lo=0,
        hi=10000,
    )
    core_share: float = spec(
        _POP.layer_shares[0],
        "share of core members (the most engaged few); the three shares sum to 1",
        "share",
        0.05,
        lo=0,
        hi=1,
    )
    influence_share: float = spec(
        _POP.layer_shares[1],
        "share of influence members (active, listened to)",
        "share",
        0.2,
        lo=0,
        hi=1,
    )
    peripheral_share: float = spec(
        _POP.layer_shares[2],
        "share of peripheral members (mostly silent)",
        "share",
        0.75,
        lo=0,
        hi=1,
    )
    ties: str = spec(
        "clustered",
        "the kind of social graph when no edge list is given",
        "",
        "small world",
        choices=tuple(TIE_WORDS),
    )
    ties_per_member: float = spec(
        _GRAPH.mean_degree, "acquaintances per member, on average", "people", 6, lo=0.5, hi=1000
    )
    outside_friends: float = spec(
        _POP.outside_ratio,
        "friends outside the group per member (whom a referral task can bring in)",
        "per member",
        0.5,
        lo=0,
        hi=100,
    )
    edge_list: str = spec(
        "",
        "CSV file of real member ties (columns source,target; path relative to the plan "
        "file); members are named by its ids",
        "",
        "members.csv",
    )


@dataclass
class Team:
    """The operator team."""

    people: int = spec(_OP.staff, "people running the community", "people", 3, lo=0, hi=10000)
    care_per_person_per_day: int = spec(
        _OP.care_per_staff_per_day,
        "one-to-one conversations a person can hold per day",
        "conversations/day",
        40,
        lo=0,
        hi=10000,
    )
    minutes_per_person_per_day: float = spec(
        _OP.minutes_per_staff_per_day,
        "working minutes per person per day",
        "minutes/day",
        480,
        lo=0,
        hi=1440,
    )
    cost_per_hour: float = spec(
        _OP.wage_per_minute * 60,
        "cost of one person's hour",
        "currency/hour",
        80,
        lo=0,
        hi=1000000.0,
    )
    currency: str = spec("CNY", "currency of every price and cost in the plan", "", "EUR")
    budget: float = spec(
        _OP.money_budget,
        "money for prizes, rewards and planted accounts",
        "currency",
        20000,
        lo=0,
        hi=10000000000.0,
    )


@dataclass
class Product:
    """What is sold."""

    name: str = spec("", "the product's name (shown in the calendar)", "", "writing course")
    list_price: float = spec(
        _PRODUCT.list_price, "the normal price", "currency", 999, lo=0.01, hi=1000000000.0
    )
    anchor_price: float = spec(
        0.0,
        "the crossed-out reference price offers show (0: 1.3 times the list price)",
        "currency",
        1299,
        lo=0,
        hi=1000000000.0,
    )
    offer_price: float = spec(
        0.0,
        "the price of offers that set none (0: 0.7 times the list price)",
        "currency",
        699,
        lo=0,
        hi=1000000000.0,
    )
    on_sale_outside_offers: bool = spec(
        _PRODUCT.list_price_on_sale,
        "members can buy at the list price at any time, not only during offers",
        "",
        False,
    )


@dataclass
class Target:
    """Whom a touchpoint reaches (every condition must hold)."""

    layers: list[str] = spec(
        list(LAYERS), "layers reached", "", ["core", "influence"], choices=LAYERS
    )
    bought: bool | None = spec(
        None,
        "true: only buyers; false: only members who have not bought; left out: both",
        "",
        False,
    )
    top: int = spec(
        0,
        "in each group, only the top members by `by` (0: all who match)",
        "people",
        30,
        lo=0,
        hi=1000000,
    )
    by: str = spec(
        "none",
        "ranking for `top` and for who comes first when the team's capacity runs out: "
        "influence, ties (acquaintances), need, trust, random",
        "",
        "influence",
        choices=("influence", "ties", "need", "trust", "random", "none"),
    )
    active_within_days: float = spec(
        0.0, "only members who opened the group in the last days (0: any)", "days", 2, lo=0, hi=365
    )
    silent_for_days: int = spec(
        0, "only members who have not opened the group for days (0: any)", "days", 3, lo=0, hi=365
    )
    rest_days: float = spec(
        0.0,
        "only members whose last one-to-one care was at least this long ago (0: any)",
        "days",
        2,
        lo=0,
        hi=365,
    )
    stage_from: int = spec(
        0, "lowest trust stage (0 stranger .. 6 advocate)", "stage", 2, lo=0, hi=6
    )
    stage_to: int = spec(6, "highest trust stage", "stage", 4, lo=0, hi=6)
    include_muted: bool = spec(True, "also members who muted the group", "", False)
    members: list[str | int] = spec(
        [], "only these members, by their ids in the edge list", "", ["u017", "u203"]
    )


@dataclass
class Entry:
    """One calendar entry: what happens, when, and to whom."""

    what: str = spec(
        "",
        "the touchpoint, in the trade's words (see the list) or the engine's type name",
        "",
        "opening ceremony",
        choices=tuple(all_words()),
        required=True,
    )
    day: int = spec(1, "campaign day it happens (1 = the first day)", "day", 20, lo=1, hi=3650)
    at: int | str | list[int | str] = spec(
        8, 'hour of day, 0-23, or "20:00", or a list of them for several a day', "hour", "20:00"
    )
    every_days: int = spec(0, "repeat every so many days (0: once)", "days", 1, lo=0, hi=3650)
    until_day: int = spec(
        0, "last day of the repeat (0: the campaign's end)", "day", 24, lo=0, hi=3650
    )
    to: str | list[str] | Target = spec(
        "everyone",
        "whom it reaches: a shorthand (see the list), a list of layers, or a mapping of conditions",
        "",
        "core and influence",
        words=tuple(TARGET_WORDS),
    )
    when: str = spec(
        "", "a switch's name: the entry runs only while that switch is on", "", "shills"
    )
    note: str = spec("", "your own remark, shown in the calendar", "", "Anna hosts")


@dataclass
class PlanFile:
    """A campaign plan."""

    name: str = spec("", "the plan's name (default: the file's name)", "", "spring launch")
    days: int = spec(33, "length of the campaign", "days", 21, lo=1, hi=3650)
    community: Community = spec(Community(), "the community", "", None)
    team: Team = spec(Team(), "the operator team", "", None)
    product: Product = spec(Product(), "the product", "", None)
    switches: dict[str, bool] = spec(
        {}, "named on/off switches for calendar entries (`when:`)", "", {"shills": False}
    )
    calendar: list[Entry] = spec([], "the touchpoints, in any order", "", None)


SECTIONS: dict[str, type] = {"community": Community, "team": Team, "product": Product}
