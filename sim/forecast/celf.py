"""Greedy selection with lazy evaluation (CELF, Leskovec et al. 2007), on any set function.

``celf`` picks, one at a time, the candidate whose addition to the chosen set raises the
objective most. Plain greedy re-evaluates every remaining candidate at every pick; CELF keeps
each candidate's last computed marginal gain in a priority queue and re-evaluates only the
top one: if its fresh gain still heads the queue, it is the pick. For a submodular objective
(diminishing returns) a stale gain is an upper bound of the fresh one, so CELF picks exactly
what plain greedy picks, with far fewer evaluations.

The objective here is simulated (``evaluate`` returns one value per replicate, on common
random numbers), so each gain comes with its paired interval over replicates.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.outputs import paired_difference

# evaluate(sets) -> one array of per-replicate values per set (each set a tuple of indices).
Evaluate = Callable[[list[tuple[int, ...]]], list[np.ndarray]]


@dataclass
class Pick:
    """One pick: the candidate, its marginal gain (mean and paired 95% interval)."""

    candidate: int
    gain: float
    gain_ci95: list[float | None]
    total: float  # objective of the set after this pick (mean over replicates)


@dataclass
class Selection:
    """The result of a greedy selection."""

    picks: list[Pick] = field(default_factory=list)
    empty: float = 0.0  # objective of the empty set
    empty_values: np.ndarray | None = None  # its per-replicate values
    evaluations: int = 0  # sets evaluated (the empty set included)
    values: list[np.ndarray] = field(default_factory=list)  # per-replicate values after each pick


def _gain(after: np.ndarray, before: np.ndarray) -> tuple[float, list[float | None]]:
    diff = paired_difference(after, before)
    return float(diff["mean"]), diff["ci95"]


def celf(n: int, evaluate: Evaluate, k: int) -> Selection:
    """Pick up to ``k`` of ``n`` candidates by lazy greedy (CELF).

    Args:
        n: number of candidates (indices ``0 .. n-1``).
        evaluate: the objective of several sets at once (a batch lets it run them in
            parallel); each value an array over replicates (the same replicates every time).
        k: how many to pick.

    Returns:
        The picks in order, with their marginal gains.
    """
    out = Selection()
    empty, *first = evaluate([(), *[(c,) for c in range(n)]])
    out.evaluations = n + 1
    out.empty, out.empty_values = float(np.mean(empty)), empty
    current, chosen = empty, ()
    # Queue of (-gain, -round its gain was computed in, candidate, values of chosen + it):
    # highest gain first; on a tie a fresh gain before a stale one, then the lower index.
    queue = [(-float(np.mean(v - empty)), 0, c, v) for c, v in enumerate(first)]
    heapq.heapify(queue)
    for round_ in range(min(k, n)):
        while True:
            _, neg_round, c, values = heapq.heappop(queue)
            if -neg_round == round_:
                break
            (values,) = evaluate([(*chosen, c)])
            out.evaluations += 1
            heapq.heappush(queue, (-float(np.mean(values - current)), -round_, c, values))
        gain, ci = _gain(values, current)
        chosen, current = (*chosen, c), values
        out.picks.append(Pick(c, gain, ci, float(np.mean(values))))
        out.values.append(values)
    return out


def greedy(n: int, evaluate: Evaluate, k: int) -> Selection:
    """Plain greedy (every remaining candidate re-evaluated at every pick): CELF's reference."""
    out = Selection()
    (empty,) = evaluate([()])
    out.evaluations, out.empty = 1, float(np.mean(empty))
    current, chosen = empty, ()
    for _ in range(min(k, n)):
        rest = [c for c in range(n) if c not in chosen]
        values = evaluate([(*chosen, c) for c in rest])
        out.evaluations += len(rest)
        # Ties go to the lower index, as in CELF's queue.
        best = max(range(len(rest)), key=lambda i: (float(np.mean(values[i] - current)), -rest[i]))
        gain, ci = _gain(values[best], current)
        chosen, current = (*chosen, rest[best]), values[best]
        out.picks.append(Pick(rest[best], gain, ci, float(np.mean(current))))
        out.values.append(current)
    return out


def chosen_sets(selection: Selection) -> Sequence[tuple[int, ...]]:
    """The chosen set after each pick."""
    picks = [p.candidate for p in selection.picks]
    return [tuple(picks[: i + 1]) for i in range(len(picks))]
