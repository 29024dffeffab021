"""Effects shared by touchpoints and the step: trust gains and reading mass messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

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
    p, s = engine.params, engine.state
    who = reads > 0
    if not who.any():
        return
    decay = p.trust.repetition_decay
    weight = decay**s.broadcasts_read
    effective = reads if decay >= 1.0 else weight * (1 - decay**reads) / (1 - decay)
    raise_trust(engine, who, p.trust.broadcast_gain * effective)
    s.broadcasts_read += reads
    s.fatigue = np.minimum(1.0, s.fatigue + p.fatigue.per_mass_message * fatigue_scale * reads)
    tired = who & (reads >= 0.5)
    spam = p.memory.spam_moment * np.minimum(1.0, s.fatigue / engine.traits.fatigue_threshold)
    s.add_moment(tired, spam)
