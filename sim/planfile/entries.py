"""Calendar entries: a touchpoint word, its time, its target and its settings, checked.

An entry names a word of ``vocabulary`` (``opening ceremony``) or an engine type; its
settings are checked against that type's ``Params``, its ``to:`` becomes the engine's
``TargetSpec`` (members named by edge-list ids become slots), its ``at:`` a list of hours.
Every problem is collected; nothing raises.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from sim.engine.params import TargetSpec, TouchpointSpec
from sim.engine.touchpoints import REGISTRY

from . import vocabulary as vocab
from .check import check_fields
from .fields import Entry, PlanFile, Target
from .problems import UNREADABLE, Collector, clean, show, suggest

TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")


@dataclass
class EntryInfo:
    """What the calendar shows of an entry besides its engine spec."""

    word: str
    line: int
    to: str
    note: str


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


def target(
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
        care_rest_hours=round(t.rest_days * 24),
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
                close = closest(str(m), ids)
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
        if t.rest_days:
            parts.append(f"cared {t.rest_days:g} d ago or more")
        if t.members:
            parts.append(f"{len(t.members)} named")
        if t.top:
            parts.append(f"top {t.top} by {t.by}")
        text = ", ".join(parts)
    return spec, text


def closest(word: str, options: list[str]) -> str:
    """The closest of ``options`` (only the first 5000 searched: edge lists can be long)."""
    return suggest(word, options[:5000])


def entry(
    out: Collector,
    raw: Any,
    index: int,
    *,
    plan: PlanFile,
    ids: list[str],
    members: int,
    prices: tuple[float, float],
) -> tuple[TouchpointSpec, EntryInfo] | None:
    """One calendar entry checked and turned into the engine's ``TouchpointSpec``.

    Args:
        out: collects problems and warnings.
        raw: the entry as read from the file.
        index: its position in the calendar.
        plan: the plan's other checked fields (days, switches, product).
        ids: the edge list's ids in slot order ([] without an edge list).
        members: members at the start (ids beyond are outside friends).
        prices: the offer price and anchor offers take unless they set their own.

    Returns:
        The spec and what the calendar shows of it, or None when the entry is unusable.
    """
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
        close = closest(e.when, list(plan.switches))
        out.add(
            f"{path}.when",
            f"no switch {show(e.when)}",
            ", ".join(plan.switches) or "none declared (declare it under switches:)",
            f"did you mean '{close}'?" if close else "",
        )
    rule, to_text = target(out, e.to, f"{path}.to", days=plan.days, ids=ids, members=members)
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
        target=rule,
        params=settings,
    )
    return spec, EntryInfo(word, out.line_of(path), to_text, clean(e.note, 60))
