"""The words of the trade, mapped to the engine's touchpoint types and target rules.

This module is the one place where an operator's word (``opening ceremony``) becomes an
engine touchpoint type with its settings (``event`` with a strong moment and 90 staff
minutes). The plan loader, the schema, the calendar and the reference page all read these
tables; adding a word is adding a line here.

The engine's own type names (``broadcast``, ``care``, ...) are words too, with the engine's
defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
    """A touchpoint word: its engine type, its settings, and what it means."""

    type: str
    meaning: str
    settings: dict[str, Any] = field(default_factory=dict)


# The word -> engine type table. Settings override the type's defaults; a plan entry's own
# settings override these.
TOUCHPOINTS: dict[str, Word] = {
    # notices
    "notice": Word("broadcast", "a notice posted in the group (read by who opens it)"),
    "mass private message": Word(
        "broadcast", "the same private message sent to many members", {"channel": "private"}
    ),
    # one-to-one
    "one-to-one care": Word("care", "a personal message answering this member's need"),
    "private chat": Word("care", "a personal message answering this member's need"),
    "kol cultivation": Word(
        "kol_cultivation", "extra care and early access for a chosen influencer (KOL)"
    ),
    "experience officer": Word(
        "kol_cultivation",
        "a free trial and close care for a heavy user who then posts and shares more",
        {"minutes": 20.0},
    ),
    # content
    "materials": Word("content", "study materials or a how-to posted in the group"),
    "live lesson": Word(
        "content",
        "a live lesson",
        {"reach": 0.4, "value": 0.6, "trust_gain": 0.06, "minutes": 60.0},
    ),
    "daily check-in": Word(
        "ugc_prompt", "members post their daily progress (training camps)", {"duration_hours": 12}
    ),
    # events
    "opening ceremony": Word(
        "event",
        "the welcome event that opens the campaign",
        {"value": 0.8, "trust_gain": 0.15, "posts_per_attendee": 1.5, "minutes": 90.0},
    ),
    "ice-breaker": Word(
        "event",
        "a game to get members to introduce themselves",
        {"value": 0.6, "trust_gain": 0.1, "posts_per_attendee": 2.0, "minutes": 60.0},
    ),
    "sharing session": Word(
        "event",
        "a successful member tells their story (the peak moment)",
        {
            "value": 1.0,
            "trust_gain": 0.2,
            "posts_per_attendee": 2.5,
            "show_up": 5.0,
            "minutes": 120.0,
        },
    ),
    "offline event": Word(
        "event",
        "a meet-up in person (local groups)",
        {"value": 1.0, "trust_gain": 0.25, "show_up": 2.0, "minutes": 240.0, "money": 500.0},
    ),
    "graduation": Word(
        "event",
        "the end of a training camp: results shown, certificates given",
        {"value": 0.9, "trust_gain": 0.15, "posts_per_attendee": 2.0, "minutes": 90.0},
    ),
    "closing ceremony": Word(
        "event",
        "the event that closes the campaign (the final moment members remember)",
        {"value": 0.8, "trust_gain": 0.1, "posts_per_attendee": 1.0, "minutes": 60.0},
    ),
    # selling
    "teaser": Word("teaser", "a hint that an offer is coming (builds anticipation)"),
    "limited-time offer": Word(
        "offer", "a discounted price for a limited time, pinned in the group"
    ),
    "last-chance offer": Word(
        "offer",
        "a final short offer sent privately",
        {"duration_hours": 24, "announce": "private"},
    ),
    # talk
    "topic": Word("ugc_prompt", "a question or topic that gets members talking"),
    "group game": Word("ugc_prompt", "a game in the group", {"duration_hours": 2}),
    # growth
    "referral task": Word("referral_campaign", "invite friends for a reward (fission task)"),
    "invite contest": Word(
        "referral_campaign",
        "a ranked invite contest with prizes (one week)",
        {"duration_hours": 168, "invite_prob": 0.04, "reward": 40.0},
    ),
    # planted accounts
    "shills": Word("shills", "planted accounts posting purchase screenshots and praise"),
}


def engine_words() -> dict[str, Word]:
    """The engine's type names as words (its defaults), for plans written in its terms."""
    from sim.engine.touchpoints import REGISTRY

    return {name: Word(name, f"the engine's {name} touchpoint") for name in sorted(REGISTRY)}


def all_words() -> dict[str, Word]:
    """Every touchpoint word a plan may use: the trade's and the engine's type names."""
    return {**TOUCHPOINTS, **engine_words()}


# Shorthands for ``to:`` (whom a touchpoint reaches), as target fields.
TARGET_WORDS: dict[str, dict[str, Any]] = {
    "everyone": {},
    "core": {"layers": ["core"]},
    "influence": {"layers": ["influence"]},
    "peripheral": {"layers": ["peripheral"]},
    "core and influence": {"layers": ["core", "influence"]},
    "buyers": {"bought": True},
    "not yet bought": {"bought": False},
    "active but not yet bought": {"bought": False, "active_within_days": 2},
    "silent for a week": {"silent_for_days": 7},
}

# ``to: {by: ...}``: the ranking words, mapped to the engine's ``rank_by``.
RANK_WORDS: dict[str, str] = {
    "influence": "centrality",
    "ties": "degree",
    "need": "need",
    "trust": "trust",
    "random": "random",
    "none": "none",
}

# ``community.ties``: the kinds of social graph, mapped to the engine's ``graph.kind``.
TIE_WORDS: dict[str, str] = {
    "clustered": "holme_kim",
    "small world": "small_world",
    "cliques": "sbm",
    "everyone knows everyone": "complete",
}

# How a touchpoint's staff ``minutes`` add up (for the calendar's workload estimate):
# once per group, once per member reached, or once in all.
MINUTES_BASIS: dict[str, str] = {
    "broadcast": "group",  # "once" when sent privately
    "care": "member",
    "kol_cultivation": "member",
    "content": "once",
    "event": "group",
    "offer": "group",
    "teaser": "group",
    "ugc_prompt": "group",
    "referral_campaign": "group",
    "shills": "none",
}
