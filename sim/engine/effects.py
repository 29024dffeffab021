"""Effects shared by touchpoints and the step: trust, moments, reading notices and content.

Each effect works on member positions (``state.members_of``: the members concerned, no
member twice); a caller with a mask finds the positions with ``members_of`` first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import SOURCES, SRC_CONTENT, SRC_OPERATOR, flat

if TYPE_CHECKING:
    from .engine import Engine


def raise_trust(engine: Engine, members: np.ndarray, gain: np.ndarray | float, source: int) -> None:
    """Raise trust with diminishing room, trust += gain * (1 - trust), booked to ``source``.

    Args:
        engine: the running engine.
        members: the members' positions.
        gain: share of the remaining room gained, one value each or one for all.
        source: where the gain comes from (``SRC_OPERATOR``, ``SRC_PEERS``...).
    """
    state = engine.state
    trust_of = flat(state.trust)
    trust = trust_of[members]
    delta = np.minimum(np.maximum(gain, 0.0), 1.0) * (1.0 - trust)  # np.clip, without its overhead
    trust_of[members] = trust + delta
    state.trust_gain.reshape(-1)[members * len(SOURCES) + source] += delta  # (R, S, SOURCES)


def experience(engine: Engine, members: np.ndarray, value: np.ndarray | float) -> None:
    """The members experience a moment of ``value`` (-1 bad .. 1 good).

    The moment enters the peak-end memory if it is noticeable (``memory.notice_threshold``)
    and adds to the member's recent value, which keeps members from drifting away.
    """
    state, params = engine.state, engine.params
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        value = np.full(members.shape, value)
    state.add_moment(members, value, params.memory.notice_threshold)
    flat(state.recent_value)[members] += value


def read_mass_messages(
    engine: Engine,
    members: np.ndarray,
    reads: np.ndarray,
    fatigue_scale: float = 1.0,
) -> None:
    """The members read ``reads`` unsolicited mass messages (expected count each).

    Each further mass message read counts less (repetition decay), adds fatigue, and, if
    the reader is already tired, is a negative moment (spam): faint while the member is
    fresh (too faint to be remembered), strong once the member is near muting.

    Args:
        engine: the running engine.
        members: the readers' positions.
        reads: mass messages read this hour, one value each (0: none; skipped).
        fatigue_scale: multiplier on the fatigue per message (private messages annoy more).
    """
    params, state = engine.params, engine.state
    keep = reads > 0
    if not keep.all():
        members, reads = members[keep], reads[keep]
    if not members.size:
        return
    decay = params.trust.repetition_decay
    read_before = flat(state.broadcasts_read)
    before = read_before[members]
    effective = reads if decay >= 1.0 else decay**before * (1 - decay**reads) / (1 - decay)
    raise_trust(engine, members, params.trust.broadcast_gain * effective, SRC_OPERATOR)
    read_before[members] = before + reads
    fatigue_of = flat(state.fatigue)
    fatigue = np.minimum(
        1.0, fatigue_of[members] + params.fatigue.per_mass_message * fatigue_scale * reads
    )
    fatigue_of[members] = fatigue
    threshold = flat(engine.traits.fatigue_threshold)[members]
    spam = params.memory.spam_moment * np.minimum(1.0, fatigue / threshold) * np.minimum(reads, 1.0)
    experience(engine, members, spam)


def read_content(
    engine: Engine,
    members: np.ndarray,
    studied: np.ndarray,
    *,
    value: np.ndarray | float,
    trust_gain: np.ndarray | float,
) -> None:
    """The members study ``studied`` content pieces (expected count each).

    Studying gives trust and a moment of value, both scaled down by the content studied
    lately (``channel.content_saturation``: too much in a short time loses value), and
    adds study fatigue (``fatigue.study_per_piece``), apart from notice fatigue.

    Args:
        engine: the running engine.
        members: the readers' positions.
        studied: pieces studied this hour, one value each (0: none; skipped).
        value: the pieces' mean experience value (one each, or one for all).
        trust_gain: the pieces' mean trust gain per piece.
    """
    params, state = engine.params, engine.state
    keep = studied > 0
    if not keep.all():
        members, studied = members[keep], studied[keep]
        value = value[keep] if np.ndim(value) else value
        trust_gain = trust_gain[keep] if np.ndim(trust_gain) else trust_gain
    if not members.size:
        return
    load_of = flat(state.content_load)
    load = load_of[members]
    freshness = np.exp(-load / params.channel.content_saturation)
    raise_trust(engine, members, trust_gain * freshness * studied, SRC_CONTENT)
    experience(engine, members, value * freshness * np.minimum(studied, 1.0))
    load_of[members] = load + studied
    flat(state.study_fatigue)[members] += params.fatigue.study_per_piece * studied
