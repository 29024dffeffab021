"""Target rules: which members a touchpoint reaches, as a boolean mask (replicates, slots)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .params import LAYERS, TargetSpec
from .state import ACTIVE, members_of

if TYPE_CHECKING:
    from .engine import Engine

RANK_KEYS: tuple[str, ...] = ("none", "centrality", "degree", "need", "trust", "random")


def top_per_replicate(mask: np.ndarray, score: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Keep, in each replicate, the ``k[r]`` members of ``mask`` with the highest score.

    Args:
        mask: candidates, (replicates, slots).
        score: ranking score, higher first, same shape.
        k: how many to keep per replicate, shape (replicates,).

    Returns:
        The kept members as a mask.
    """
    order = np.argsort(np.where(mask, -score, np.inf), axis=1, kind="stable")
    position = np.empty_like(order)
    rows = np.arange(mask.shape[0])[:, None]
    position[rows, order] = np.arange(mask.shape[1])[None, :]
    return mask & (position < np.asarray(k)[:, None])


def top_positions(members: np.ndarray, score: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``top_per_replicate`` for members given by position: the ``k[r]`` best of each replicate.

    Args:
        members: positions ``replicate * slots + slot`` (``state.members_of``).
        score: ranking score (replicates, slots), higher first; ties keep the lower slot.
        k: how many to keep per replicate, shape (replicates,).

    Returns:
        The kept positions, ascending.
    """
    slots = score.shape[1]
    replicate = members // slots
    queue = members[np.lexsort((members, -score.ravel()[members], replicate))]
    replicate = queue // slots
    rank = np.arange(queue.size) - np.searchsorted(replicate, replicate)
    return np.sort(queue[rank < np.asarray(k)[replicate]])


def top_per_group(
    mask: np.ndarray, score: np.ndarray, group: np.ndarray, k: np.ndarray
) -> np.ndarray:
    """Keep, in each replicate and group, the ``k[r, g]`` members of ``mask`` scoring highest.

    Ties keep the lower slot, as in ``top_per_replicate``.

    Args:
        mask: candidates, (replicates, slots).
        score: ranking score, higher first, same shape.
        group: each slot's group, same shape.
        k: how many to keep per (replicate, group).

    Returns:
        The kept members as a mask.
    """
    rows, cols = np.divmod(members_of(mask), mask.shape[1])
    out = np.zeros_like(mask)
    if not rows.size:
        return out
    g = group[rows, cols]
    order = np.lexsort((-score[rows, cols], g, rows))  # by replicate, group, score
    rows, cols, g = rows[order], cols[order], g[order]
    key = rows.astype(np.int64) * k.shape[1] + g
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, key.size]))
    keep = (np.arange(key.size) - first) < np.asarray(k)[rows, g]
    out[rows[keep], cols[keep]] = True
    return out


def slot_mask(ids: list[int], slots: int) -> np.ndarray:
    """The member slots ``ids`` as a mask over ``slots`` (ids past the last slot match none)."""
    chosen = np.zeros(slots, dtype=bool)
    ids_arr = np.asarray(ids, dtype=np.int64)
    chosen[ids_arr[(ids_arr >= 0) & (ids_arr < slots)]] = True
    return chosen


def select(
    engine: Engine,
    spec: TargetSpec,
    hour: int,
    limit: np.ndarray | None = None,
    sub: int = 0,
) -> np.ndarray:
    """Members matching a target rule now, ranked and cut to ``top_k`` and ``limit``.

    The plan runs in every group, so ``top_k`` applies per group; ``limit`` (the operator
    team's capacity, shared by all groups) then keeps the best-ranked across groups.

    Args:
        engine: the running engine.
        spec: the rule.
        hour: the current hour (for ``active_within_hours`` and random ranking).
        limit: optional per-replicate cap (e.g. the operator's remaining capacity).
        sub: sub-counter of the random ranking (the firing's plan position plus one).

    Returns:
        Boolean mask (replicates, slots).
    """
    s, tr = engine.state, engine.traits
    mask = s.present if spec.include_dormant else s.status == ACTIVE
    if len(spec.layers) < len(LAYERS):
        wanted = np.array([name in spec.layers for name in LAYERS])
        mask &= wanted[tr.layer]
    if spec.min_stage > 0 or spec.max_stage < 6:
        mask &= (s.stage >= spec.min_stage) & (s.stage <= spec.max_stage)
    if spec.bought is not None:
        mask &= s.bought == bool(spec.bought)
    if spec.active_within_hours > 0:
        mask &= s.last_open >= hour - spec.active_within_hours
    if spec.care_rest_hours > 0:
        mask &= s.last_care <= hour - spec.care_rest_hours
    if spec.silent_days > 0:  # no open in the last n days (never opened counts as silent)
        mask &= s.last_open < hour - 24 * spec.silent_days
    if spec.member_slots:  # explicit members (slots of an edge list's ids)
        mask &= slot_mask(spec.member_slots, mask.shape[1])  # others match no one
    if spec.min_degree > 0:
        mask &= engine.degree >= spec.min_degree
    if spec.max_degree > 0:
        mask &= engine.degree <= spec.max_degree
    if spec.min_need > 0.0 or spec.max_need < 1.0:
        mask &= (tr.need >= spec.min_need) & (tr.need <= spec.max_need)
    if spec.top_k <= 0 and limit is None:
        return mask
    score = {
        "none": tr.rank_noise,
        "centrality": engine.centrality,
        "degree": engine.degree,
        "need": tr.need,
        "trust": s.trust,
        "random": None,
    }[spec.rank_by]
    if score is None:
        score = engine.streams.uniform("target", hour, sub)
    if spec.top_k > 0:  # the plan is written for one group: top_k in each group
        mask = top_per_group(mask, score, s.group, np.full((mask.shape[0], s.groups), spec.top_k))
    if limit is not None:  # the team's capacity, shared by all groups
        mask = top_per_replicate(mask, score, np.asarray(limit))
    return mask
