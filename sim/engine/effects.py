"""Effects shared by touchpoints and the step: trust gains and reading mass messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import members_of

if TYPE_CHECKING:
    from .engine import Engine


def raise_trust(engine: Engine, who: np.ndarray, gain: np.ndarray | float) -> None:
    """Raise trust with diminishing room: trust += gain * (1 - trust), for ``who``."""
    s = engine.state
    gain = np.broadcast_to(np.asarray(gain, dtype=float), who.shape)
    s.trust = np.where(who, s.trust + np.clip(gain, 0.0, 1.0) * (1.0 - s.trust), s.trust)


def read_mass_messages(engine: Engine, reads: np.ndarray, fatigue_scale: float = 1.0) -> None:
    """Apply reading ``reads`` (expected count per member) unsolicited mass messages.

    Each further mass message read counts less (repetition decay), adds fatigue, and, if
    the reader is already tired, leaves a small negative moment (spam).

    Args:
        engine: the running engine.
        reads: mass messages read this hour, shape (replicates, slots).
        fatigue_scale: multiplier on the fatigue per message (private messages annoy more).
    """
    rows, cols = members_of(reads > 0)
    read_mass_messages_at(engine, rows, cols, reads[rows, cols], fatigue_scale)


def read_mass_messages_at(
    engine: Engine,
    rows: np.ndarray,
    cols: np.ndarray,
    reads: np.ndarray,
    fatigue_scale: float = 1.0,
) -> None:
    """``read_mass_messages`` for members (rows, cols) only, ``reads`` one value each."""
    p, s = engine.params, engine.state
    keep = reads > 0
    if not keep.all():
        rows, cols, reads = rows[keep], cols[keep], reads[keep]
    if not rows.size:
        return
    decay = p.trust.repetition_decay
    before = s.broadcasts_read[rows, cols]
    effective = reads if decay >= 1.0 else decay**before * (1 - decay**reads) / (1 - decay)
    trust = s.trust[rows, cols]
    gain = np.clip(p.trust.broadcast_gain * effective, 0.0, 1.0)
    s.trust[rows, cols] = trust + gain * (1.0 - trust)
    s.broadcasts_read[rows, cols] = before + reads
    fatigue = np.minimum(
        1.0, s.fatigue[rows, cols] + p.fatigue.per_mass_message * fatigue_scale * reads
    )
    s.fatigue[rows, cols] = fatigue
    tired = reads >= 0.5
    if tired.any():
        threshold = engine.traits.fatigue_threshold[rows[tired], cols[tired]]
        spam = p.memory.spam_moment * np.minimum(1.0, fatigue[tired] / threshold)
        s.add_moment_at(rows[tired], cols[tired], spam)
