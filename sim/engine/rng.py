"""Counter-based random streams for common random numbers.

Every random decision of a run comes from a counter-based generator (SplitMix64 at a
position) whose key is the run's seed, the kind of decision, the hour (or another counter)
and a sub-counter (where a kind of decision is taken more than once in an hour, e.g. by two
touchpoints), and whose position is the member's global index (replicate, slot). A member's
draw for a decision at an hour is therefore a pure function of (seed, kind, hour,
replicate, slot): it does not shift when other members draw more or fewer numbers, when a
strategy skips a decision that another strategy makes, or when more replicates are run; and
the step draws only for the members a decision concerns.
This is how two strategies run with the same seed are paired (Starsim's approach).
"""

from __future__ import annotations

import numpy as np

# One stream id per kind of decision. Never renumber: ids fix the draws of saved results.
STREAMS: dict[str, int] = {
    "population": 1,
    "graph": 2,
    "open": 3,
    "read": 4,
    "post": 5,
    "buy": 6,  # unused since purchases draw through the purchase clock; kept, not renumbered
    "announce": 7,
    "share": 8,
    "shill_detect": 9,
    "leave": 10,
    "join": 11,
    "attend": 12,
    "notice": 13,
    "target": 14,
    "quota_order": 15,
    "join_stage": 16,
    "invite": 17,
    "shill_leave": 18,
    "aware": 19,
    "drift": 20,
    "consider": 21,
    # the classic limits (sim.engine.classic); high ids, clear of the agent model's
    "classic_threshold": 101,
    "classic_seed": 102,
    "cascade": 103,
}


_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15  # SplitMix64's increment (the golden ratio in 64 bits)
_SUB = 0xD1B54A32D192ED03  # another odd constant, for the sub-counter
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # SplitMix64's finalizer multipliers


def _mix_int(z: int) -> int:
    """SplitMix64's finalizer on a Python int (64-bit wrap-around)."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


_U30, _U27, _U31, _U11, _U40 = (np.uint64(n) for n in (30, 27, 31, 11, 40))
_UM1, _UM2 = np.uint64(_M1), np.uint64(_M2)
_F24 = np.float32(2.0**-24)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer, in place on a fresh uint64 array (numpy wraps on overflow)."""
    shifted = z >> _U30
    z ^= shifted
    z *= _UM1
    np.right_shift(z, _U27, out=shifted)
    z ^= shifted
    z *= _UM2
    np.right_shift(z, _U31, out=shifted)
    z ^= shifted
    return z


class Streams:
    """Seeded, counter-based uniform draws indexed by (replicate, slot).

    Every draw is SplitMix64 (Steele, Lea and Flood 2014) at a position: the call's key,
    made from the seed, the kind of decision, the counter (usually the hour) and a
    sub-counter, advanced by the member's global index (replicate x slots + slot). So a
    member's draw depends only on the seed, the decision, the hour and the member, never
    on how many others drew (common random numbers), and the draws of a few members
    (``uniform_at``) cost no more than those members.

    Args:
        seed: the run's seed.
        replicates: number of replicates in the batch.
        slots: member slots per replicate (members plus outside contacts).
        first_replicate: index of the first replicate of the batch, so that replicate k of
            a batch started at 0 and replicate k run alone draw the same numbers.
    """

    def __init__(self, seed: int, replicates: int, slots: int, first_replicate: int = 0):
        self.seed = int(seed)
        self.replicates = replicates
        self.slots = slots
        self.first_replicate = first_replicate
        first = np.uint64(first_replicate * slots)
        index = first + np.arange(replicates * slots, dtype=np.uint64)  # global member index
        self._steps = (index + np.uint64(1)) * np.uint64(_GAMMA)  # SplitMix64's counter steps
        seed_key = _mix_int(self.seed)
        self._kind_keys = {k: _mix_int(seed_key ^ (i * _GAMMA)) for k, i in STREAMS.items()}

    def _key(self, kind: str, counter: int, sub: int) -> np.uint64:
        key = self._kind_keys[kind]
        key = _mix_int(key + int(counter) * _GAMMA)
        return np.uint64(_mix_int(key + (int(sub) + 1) * _SUB))

    @staticmethod
    def _uniform(key: np.uint64, steps: np.ndarray, precise: bool) -> np.ndarray:
        z = _mix(steps + key)
        if precise:  # 53 random bits
            return (z >> _U11).astype(np.float64) * 2.0**-53
        z >>= _U40  # 24 bits
        draws = z.astype(np.float32)
        draws *= _F24
        return draws

    def uniform(self, kind: str, counter: int, sub: int = 0, precise: bool = False) -> np.ndarray:
        """Uniform [0, 1) draws for every (replicate, slot) at one counter value.

        Args:
            kind: a key of ``STREAMS``.
            counter: usually the hour; population draws use one counter per attribute.
            sub: a sub-counter, for a kind of decision taken more than once in an hour
                (e.g. two touchpoints firing in the same hour use their plan positions).
            precise: draw float64 (used for the population's attributes).

        Returns:
            Array of shape (replicates, slots), float32 (resolution 6e-8, ample for the
            hourly chances of the model and half the cost of float64).
        """
        draws = self._uniform(self._key(kind, counter, sub), self._steps, precise)
        return draws.reshape(self.replicates, self.slots)

    def uniform_at(
        self,
        kind: str,
        counter: int,
        members: np.ndarray,
        *,
        sub: int = 0,
        precise: bool = False,
    ) -> np.ndarray:
        """``uniform(kind, counter, sub, precise)`` at the members' positions only.

        ``members`` are positions ``replicate * slots + slot`` (``state.members_of``).
        """
        return self._uniform(self._key(kind, counter, sub), self._steps[members], precise)

    def block_seeds(self, kind: str, replicate: int, blocks: int) -> list[int]:
        """Integer seeds for one replicate's graph blocks, plus one for ties across them.

        With one block this is ``[replicate_seed(kind, replicate)]``.
        """
        if blocks == 1:
            return [self.replicate_seed(kind, replicate)]
        entropy = [self.seed, STREAMS[kind], self.first_replicate + replicate, blocks]
        words = np.random.SeedSequence(entropy).generate_state(blocks + 1, np.uint32)
        return [int(w) for w in words]

    def replicate_seed(self, kind: str, replicate: int) -> int:
        """An integer seed for one replicate's use of a non-vectorised library (networkx)."""
        ss = np.random.SeedSequence([self.seed, STREAMS[kind], self.first_replicate + replicate])
        return int(ss.generate_state(1, np.uint32)[0])
