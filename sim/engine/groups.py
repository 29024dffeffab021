"""A campaign's groups: who starts in which group, the graph's blocks, seating new members.

A campaign runs ``G`` chat groups of at most ``group_capacity`` members each (up to 500 in
practice). The starting members are spread evenly over the starting groups (slot ``i`` of
``members`` goes to group ``i * G // members``), and the outside contacts (the referral pool)
are spread the same way over the groups' graph blocks: a block is one group's members and
their outside friends, with dense ties inside and a few ties across blocks
(``graph.cross_group_degree``). Referred friends take free seats in open groups, lowest
group first; when every open group is full the operator opens a new group, up to
``population.max_groups``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import PopulationParams


@dataclass(frozen=True)
class GroupLayout:
    """Where every slot starts.

    Attributes:
        start_groups: groups open at the start.
        max_groups: groups the campaign may have in all (the state's group dimension).
        capacity: seats per group.
        slot_group: (slots,) the group each starting member is in, and for outside
            contacts the group of their block (their group until they join one).
        blocks: per starting group, the slots of its graph block (members, then outside
            contacts), ascending.
    """

    start_groups: int
    max_groups: int
    capacity: int
    slot_group: np.ndarray
    blocks: tuple[np.ndarray, ...]


def start_groups(pop: PopulationParams) -> int:
    """Groups at the start: ``population.groups``, or as few as hold the members."""
    return pop.groups or -(-pop.members // pop.group_capacity)


def layout(pop: PopulationParams, slots: int) -> GroupLayout:
    """Spread members and outside contacts evenly over the starting groups.

    Args:
        pop: population settings (members, group_capacity, groups, max_groups).
        slots: member slots per replicate (members first, then outside contacts).

    Returns:
        The layout; with one group, one block holding every slot in order.
    """
    g0 = start_groups(pop)
    members, outside = pop.members, slots - pop.members
    member_group = np.arange(members, dtype=np.int64) * g0 // members
    outside_group = np.arange(outside, dtype=np.int64) * g0 // max(outside, 1)
    slot_group = np.concatenate([member_group, outside_group]).astype(np.int32)
    member_edges = np.searchsorted(member_group, np.arange(g0 + 1))
    outside_edges = members + np.searchsorted(outside_group, np.arange(g0 + 1))
    blocks = tuple(
        np.r_[
            member_edges[g] : member_edges[g + 1],
            outside_edges[g] : outside_edges[g + 1],
        ].astype(np.int64)
        for g in range(g0)
    )
    return GroupLayout(
        start_groups=g0,
        max_groups=max(g0, pop.max_groups),
        capacity=pop.group_capacity,
        slot_group=slot_group,
        blocks=blocks,
    )


def seat(
    joiners: np.ndarray, slots: int, free: np.ndarray, order: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Seat joiners in groups with free seats, lowest group first; drop who does not fit.

    Args:
        joiners: positions (``replicate * slots + slot``, ascending) of those who want to
            join.
        slots: member slots per replicate.
        free: (replicates, groups) free seats per group (0 for groups that cannot take
            anyone, e.g. not openable).
        order: optional (replicates, slots) score; higher-scored joiners are seated first
            (default: slot order).

    Returns:
        ``(seated, group)``: the positions of the joiners who got a seat (ascending), and
        each one's group index.
    """
    free = np.maximum(free, 0).astype(np.int64)
    replicate = joiners // slots  # replicate by replicate, slot order within
    queue = joiners
    if order is not None and joiners.size:  # by score, highest first (ties: slot order)
        queue = joiners[np.lexsort((joiners, -order.ravel()[joiners], replicate))]
        replicate = queue // slots
    first = np.searchsorted(replicate, replicate)  # where each joiner's replicate starts
    rank = np.arange(replicate.size) - first  # place in its replicate's queue
    seats_before = np.cumsum(free, axis=1)  # (R, G): seats in groups 0..g
    g = (seats_before[replicate] <= rank[:, None]).sum(axis=1)  # searchsorted, side="right"
    fits = g < free.shape[1]
    seated, group = queue[fits], g[fits].astype(np.int32)
    ascending = np.argsort(seated, kind="stable")
    return seated[ascending], group[ascending]
