"""Effects shared by touchpoints and the step: trust, moments, reading notices and content.

Each effect has one implementation working on index pairs ``(rows, cols)`` (the members
concerned, no member twice); the mask forms only find those pairs and delegate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import SRC_CONTENT, SRC_OPERATOR, members_of

if TYPE_CHECKING:
    from .engine import Engine


def raise_trust_at(
    engine: Engine, rows: np.ndarray, cols: np.ndarray, gain: np.ndarray | float, source: int
) -> None:
    """Raise trust with diminishing room, trust += gain * (1 - trust), booked to ``source``.

    Args:
        engine: the running engine.
        rows: the members' replicates.
        cols: the members' slots.
        gain: share of the remaining room gained, one value each or one for all.
        source: where the gain comes from (``SRC_OPERATOR``, ``SRC_PEERS``...).
    """
    s = engine.state
    trust = s.trust[rows, cols]
    delta = np.clip(gain, 0.0, 1.0) * (1.0 - trust)
    s.trust[rows, cols] = trust + delta
    s.trust_gain[rows, cols, source] += delta


def raise_trust(engine: Engine, who: np.ndarray, gain: np.ndarray | float, source: int) -> None:
    """``raise_trust_at`` for the members in a (replicates, slots) mask.

    ``gain`` is one number or a (replicates, slots) array.
    """
    rows, cols = members_of(who)
    if rows.size:
        gain = gain[rows, cols] if np.ndim(gain) == 2 else gain
        raise_trust_at(engine, rows, cols, gain, source)


def experience_at(
    engine: Engine, rows: np.ndarray, cols: np.ndarray, value: np.ndarray | float
) -> None:
    """Members (rows, cols) experience a moment of ``value`` (-1 bad .. 1 good).

    The moment enters the peak-end memory if it is noticeable (``memory.notice_threshold``)
    and adds to the member's recent value, which keeps members from drifting away.
    """
    s, p = engine.state, engine.params
    value = np.broadcast_to(np.asarray(value, dtype=float), rows.shape)
    s.add_moment_at(rows, cols, value, p.memory.notice_threshold)
    s.recent_value[rows, cols] += value


def experience(engine: Engine, who: np.ndarray, value: np.ndarray | float) -> None:
    """``experience_at`` for the members in a mask (``value``: a number or an array)."""
    rows, cols = members_of(who)
    if rows.size:
        value = value[rows, cols] if np.ndim(value) == 2 else value
        experience_at(engine, rows, cols, value)


def read_mass_messages(engine: Engine, reads: np.ndarray, fatigue_scale: float = 1.0) -> None:
    """``read_mass_messages_at`` for every member with ``reads`` (replicates, slots) > 0."""
    rows, cols = members_of(reads > 0)
    read_mass_messages_at(engine, rows, cols, reads[rows, cols], fatigue_scale)


def read_mass_messages_at(
    engine: Engine,
    rows: np.ndarray,
    cols: np.ndarray,
    reads: np.ndarray,
    fatigue_scale: float = 1.0,
) -> None:
    """Members (rows, cols) read ``reads`` unsolicited mass messages (expected count each).

    Each further mass message read counts less (repetition decay), adds fatigue, and, if
    the reader is already tired, is a negative moment (spam): faint while the member is
    fresh (too faint to be remembered), strong once the member is near muting.

    Args:
        engine: the running engine.
        rows: the readers' replicates.
        cols: the readers' slots.
        reads: mass messages read this hour, one value each.
        fatigue_scale: multiplier on the fatigue per message (private messages annoy more).
    """
    p, s = engine.params, engine.state
    keep = reads > 0
    if not keep.all():
        rows, cols, reads = rows[keep], cols[keep], reads[keep]
    if not rows.size:
        return
    decay = p.trust.repetition_decay
    before = s.broadcasts_read[rows, cols]
    effective = reads if decay >= 1.0 else decay**before * (1 - decay**reads) / (1 - decay)
    raise_trust_at(engine, rows, cols, p.trust.broadcast_gain * effective, SRC_OPERATOR)
    s.broadcasts_read[rows, cols] = before + reads
    fatigue = np.minimum(
        1.0, s.fatigue[rows, cols] + p.fatigue.per_mass_message * fatigue_scale * reads
    )
    s.fatigue[rows, cols] = fatigue
    threshold = engine.traits.fatigue_threshold[rows, cols]
    spam = p.memory.spam_moment * np.minimum(1.0, fatigue / threshold) * np.minimum(reads, 1.0)
    experience_at(engine, rows, cols, spam)


def read_content_at(
    engine: Engine,
    rows: np.ndarray,
    cols: np.ndarray,
    studied: np.ndarray,
    *,
    value: np.ndarray | float,
    trust_gain: np.ndarray | float,
) -> None:
    """Members (rows, cols) study ``studied`` content pieces (expected count each).

    Studying gives trust and a moment of value, both scaled down by the content studied
    lately (``channel.content_saturation``: too much in a short time loses value), and
    adds study fatigue (``fatigue.study_per_piece``), apart from notice fatigue.

    Args:
        engine: the running engine.
        rows: the readers' replicates.
        cols: the readers' slots.
        studied: pieces studied this hour, one value each.
        value: the pieces' mean experience value (one each, or one for all).
        trust_gain: the pieces' mean trust gain per piece.
    """
    p, s = engine.params, engine.state
    keep = studied > 0
    if not keep.all():
        rows, cols, studied = rows[keep], cols[keep], studied[keep]
        value = value[keep] if np.ndim(value) else value
        trust_gain = trust_gain[keep] if np.ndim(trust_gain) else trust_gain
    if not rows.size:
        return
    load = s.content_load[rows, cols]
    freshness = np.exp(-load / p.channel.content_saturation)
    raise_trust_at(engine, rows, cols, trust_gain * freshness * studied, SRC_CONTENT)
    experience_at(engine, rows, cols, value * freshness * np.minimum(studied, 1.0))
    s.content_load[rows, cols] = load + studied
    s.study_fatigue[rows, cols] += p.fatigue.study_per_piece * studied
