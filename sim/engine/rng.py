"""Counter-based random streams for common random numbers.

Every random decision of a run comes from a Philox generator whose key is the run's seed
and the kind of decision, and whose counter is the hour (plus a sub-counter where a kind of
decision is taken more than once in an hour, e.g. by two touchpoints). Each call draws one
number for every member slot of every replicate, in the fixed order (replicate, slot). A member's
draw for a decision at an hour is therefore a pure function of (seed, kind, hour,
replicate, slot): it does not shift when other members draw more or fewer numbers, when a
strategy skips a decision that another strategy makes, or when more replicates are run.
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


class Streams:
    """Seeded, counter-based uniform draws shaped (replicates, slots).

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

    def _generator(self, kind: str, counter: int, sub: int) -> np.random.Generator:
        key = np.array([self.seed & 0xFFFFFFFFFFFFFFFF, STREAMS[kind]], dtype=np.uint64)
        # The 256-bit counter's third word is the hour, the fourth a sub-counter; draws
        # advance the first word, so blocks never overlap.
        bitgen = np.random.Philox(key=key, counter=np.array([0, 0, counter, sub], np.uint64))
        return np.random.Generator(bitgen)

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
        gen = self._generator(kind, counter, sub)
        dtype = np.float64 if precise else np.float32
        if self.first_replicate:
            full = gen.random((self.first_replicate + self.replicates) * self.slots, dtype)
            return full[self.first_replicate * self.slots :].reshape(self.replicates, -1)
        return gen.random((self.replicates, self.slots), dtype)

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
