"""The engine: a batch of replicate campaigns as arrays, advanced one hour per ``step``.

A campaign is one or more groups sharing one operator team (``sim.engine.groups``); every
replicate has the same groups, each its own chat feed, and one social graph over all slots.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

from . import graph as graphs
from .groups import layout, seat
from .offer_book import OfferBook
from .params import ModelParams
from .population import draw_traits
from .records import Recorder
from .rng import Streams
from .schedule import compile_plan
from .state import (
    ACTIVE,
    DORMANT,
    FEED_MEMBER,
    FEED_MEMBER_TRUST,
    MSG_MEMBERS,
    MSG_OPERATOR,
    OUTSIDE,
    State,
    flat,
)
from .step import step as run_step
from .targeting import top_positions
from .validation import ConfigError, check_model


def slot_count(params: ModelParams) -> int:
    """Member slots per replicate: the members plus their outside contacts."""
    members = params.population.members
    return members + math.ceil(members * params.population.outside_ratio)


class Engine:
    """Replicate campaigns of one community under one plan, vectorised over members.

    Args:
        params: model parameters (defaults if omitted).
        seed: the run's seed; with the same seed, every strategy faces the same members,
            graph and random draws.
        replicates: campaigns run side by side (each its own population and graph).
        first_replicate: index of the first replicate (to run replicate k on its own).
        plan_source: where the plan came from, named in error messages.

    Raises:
        ConfigError: a parameter or plan entry out of range (before anything runs).
    """

    def __init__(
        self,
        params: ModelParams | None = None,
        *,
        seed: int = 0,
        replicates: int = 1,
        first_replicate: int = 0,
        plan_source: str = "strategy",
    ):
        self.params = params = params or ModelParams()
        check_model(params)
        if replicates < 1:
            raise ConfigError(f"replicates = {replicates}: must be at least 1")
        self.schedule = compile_plan(params.strategy, params.days, plan_source)
        self.seed, self.replicates = int(seed), int(replicates)
        self.hours = params.days * 24
        self.slots = slot_count(params)
        self.members = params.population.members
        self.streams = Streams(seed, replicates, self.slots, first_replicate)
        self.layout = groups_layout = layout(params.population, self.slots)
        self.edges = [
            graphs.generate_blocks(
                params.graph,
                groups_layout.blocks,
                self.slots,
                self.streams.block_seeds("graph", r, len(groups_layout.blocks)),
            )
            for r in range(replicates)
        ]
        self._graphs: list[nx.Graph] | None = None
        self.adjacency = graphs.block_diagonal(self.edges, self.slots)
        self.degree = np.asarray(self.adjacency.sum(axis=1)).reshape(replicates, self.slots)
        self.centrality = graphs.eigen_centrality(self.adjacency, replicates)
        self.traits = draw_traits(params.population, self.streams, self.degree)
        self.state = state = State(replicates, self.slots, groups_layout.max_groups)
        state.status[:, : self.members] = ACTIVE
        state.join_hour[:, : self.members] = 0
        state.group[:] = groups_layout.slot_group
        state.group_open[:, : groups_layout.start_groups] = True
        state.group_opened[:, : groups_layout.start_groups] = 0
        state.trust[:] = self.traits.trust0
        self.stage_cut = np.asarray(params.trust.stage_thresholds)
        by_trust = np.searchsorted(self.stage_cut, state.trust, side="right")
        state.stage[:] = np.where(state.ever_member, by_trust, 0)
        self.offers = OfferBook(replicates, groups_layout.max_groups)
        self.hour = 0
        self.count_member_neighbours()
        # Novelty by hours since joining (0 .. hours + 1; outside contacts have join_hour -1).
        act = params.activity
        age_days = np.arange(self.hours + 2) / 24.0
        self._novelty = act.novelty_floor + (1 - act.novelty_floor) * np.exp(
            -age_days / act.novelty_days
        )
        self.recorder = Recorder(self)

    @property
    def graphs(self) -> list[nx.Graph]:
        """Each replicate's social graph as networkx (built on first use, for the faces)."""
        if self._graphs is None:
            self._graphs = [graphs.to_networkx(e, self.slots) for e in self.edges]
        return self._graphs

    # ----------------------------------------------------------------- running
    def step(self) -> None:
        """Advance every replicate by one hour (see ``sim.engine.step`` for the order)."""
        if self.hour >= self.hours:
            raise RuntimeError(f"the campaign has {self.hours} hours and is over")
        run_step(self)

    def run(self, hours: int | None = None) -> Engine:
        """Run to the end of the campaign (or for ``hours`` more hours)."""
        stop = self.hours if hours is None else min(self.hours, self.hour + hours)
        while self.hour < stop:
            self.step()
        return self

    @property
    def done(self) -> bool:
        """Whether the campaign is over."""
        return self.hour >= self.hours

    def count_member_neighbours(self) -> None:
        """Recount, for every slot, the neighbours who are or were members."""
        members = self.state.ever_member.ravel().astype(float)
        self.state.neighbours_member = (self.adjacency @ members).reshape(self.state.status.shape)

    # ------------------------------------------------ helpers for the touchpoints
    def open_chance(self) -> np.ndarray:
        """Chance that each member opens the group in the current hour."""
        activity, state, traits = self.params.activity, self.state, self.traits
        chance = traits.activity * activity.rhythm[self.hour % 24]
        # Novelty by whole hours since joining: the starting members (the first slots) all
        # joined at hour 0; only outside contacts may have joined since.
        m = self.members
        chance[:, :m] *= self._novelty[self.hour]
        chance[:, m:] *= self._novelty[self.hour - state.join_hour[:, m:]]
        if state.anticipation.any():
            chance *= 1 + activity.anticipation_boost * state.anticipation
        if state.excitement.any():
            chance *= 1 + activity.excitement_boost * state.excitement
        if activity.busy_boost > 0:  # a lively feed draws members in; silence feeds silence
            buzz = state.buzz / (state.buzz + activity.busy_scale)
            chance *= state.per_member(1 + activity.busy_boost * buzz)
        np.multiply(chance, activity.dormant_factor, out=chance, where=state.status == DORMANT)
        np.minimum(chance, 1.0, out=chance)
        chance *= state.present  # nobody outside the group opens it
        return chance

    def book_minutes(self, minutes: float | np.ndarray) -> np.ndarray:
        """Book staff minutes where today's budget still has them.

        The team has ``operator.staff * operator.minutes_per_staff_per_day`` minutes a day
        (refilled at midnight). A task that needs more than what is left is dropped in that
        replicate, and its minutes are counted as dropped.

        Args:
            minutes: minutes needed, a number or one per replicate.

        Returns:
            The replicates (replicates,) where the task goes ahead.
        """
        state = self.state
        minutes = np.broadcast_to(np.asarray(minutes, dtype=float), (self.replicates,))
        ok = minutes <= state.minutes_left + 1e-9
        booked = np.where(ok, minutes, 0.0)
        state.minutes_left -= booked
        state.minutes += booked
        state.hour_minutes_dropped += minutes - booked
        return ok

    def spend_money(self, amount: np.ndarray) -> np.ndarray:
        """Spend money where the budget allows; returns the replicates that could pay."""
        state = self.state
        can = state.money + amount <= self.params.operator.money_budget + 1e-9
        state.money += np.where(can, amount, 0.0)
        return can

    def show_offer(self, who: np.ndarray) -> None:
        """Members in ``who`` see the open offer of their group (if any)."""
        state, offers = self.state, self.offers
        if offers.offer_id < 0:
            return
        seen = who & state.per_member(offers.is_open)
        state.seen_offer = np.where(seen, offers.offer_id, state.seen_offer)
        state.prompted |= seen

    @property
    def open_groups(self) -> np.ndarray:
        """Groups open now, per replicate (replicates,)."""
        return self.state.group_open.sum(axis=1)

    def post_to_groups(
        self, kind: int, amount: float | np.ndarray = 1.0, column: int | None = MSG_OPERATOR
    ) -> None:
        """Post ``amount`` messages of a feed kind into every open group.

        Args:
            kind: the feed counter (``FEED_OPERATOR``, ``FEED_SHILL``...).
            amount: messages per group, a number or one per replicate.
            column: the message column counted (``MSG_OPERATOR``, ``MSG_MEMBERS``,
                ``MSG_SHILLS``), or None for a weight counter that is no message of its own.
        """
        state = self.state
        amount = np.broadcast_to(np.asarray(amount, dtype=float), (self.replicates,))
        state.feed[:, :, kind] += amount[:, None] * state.group_open
        if column is not None:
            state.hour_messages[:, column] += amount * self.open_groups

    def book_group_minutes(self, minutes: float) -> np.ndarray:
        """``book_minutes`` for a task done once in every open group."""
        return self.book_minutes(minutes * self.open_groups)

    def post(self, posters: np.ndarray, count: float = 1.0) -> None:
        """The members at positions ``posters`` post ``count`` messages each in their group."""
        state = self.state
        n = np.full(posters.size, float(count))
        posts = state.group_sums(posters, n)
        state.feed[:, :, FEED_MEMBER] += posts
        state.feed[:, :, FEED_MEMBER_TRUST] += state.group_sums(
            posters, n * flat(state.trust)[posters]
        )
        state.buzz += posts
        state.hour_messages[:, MSG_MEMBERS] += np.bincount(
            state.replicate_of(posters), n, self.replicates
        )

    def invite(self, inviters: np.ndarray, reward: float = 0.0) -> None:
        """Outside contacts of the members at positions ``inviters`` may join (free seats)."""
        state, params = self.state, self.params
        if not inviters.size:
            return
        capacity = params.population.group_capacity
        seats = capacity * state.groups  # every group, open or still to be opened
        if (state.present.sum(axis=1) >= seats).all():
            return  # every seat taken in every replicate
        state.invites_this_hour += 1
        sub = state.invites_this_hour  # two invite rounds in one hour draw different numbers
        # The inviters' outside friends, each with the number of inviters among its friends.
        friends = graphs.neighbour_list(self.adjacency, inviters)
        friends, ties = np.unique(
            friends[flat(state.status)[friends] == OUTSIDE], return_counts=True
        )
        chance = -np.expm1(np.log1p(-params.advocacy.join_prob) * ties)
        joiners = friends[self.streams.uniform_at("join", self.hour, friends, sub=sub) < chance]
        if not joiners.size:
            return
        # Free seats: in open groups, then in groups the operator may still open.
        free = np.where(state.group_open, capacity - state.group_counts(state.present), capacity)
        free = np.maximum(free, 0).astype(np.int64)
        total_free = free.sum(axis=1)
        if reward > 0:
            affordable = np.floor((params.operator.money_budget - state.money) / reward)
            total_free = np.minimum(total_free, np.maximum(affordable, 0).astype(np.int64))
        if (np.bincount(state.replicate_of(joiners), minlength=self.replicates) > total_free).any():
            joiners = top_positions(joiners, self.traits.rank_noise, total_free)
            if not joiners.size:
                return
        # Seat them: free seats of open groups first (lowest group first), then new groups.
        joiners, group = seat(joiners, state.slots, free, self.traits.rank_noise)
        state.seat(joiners, group)
        opened = ~state.group_open & (state.group_sums(joiners) > 0)
        state.group_open |= opened
        state.group_opened = np.where(opened, self.hour, state.group_opened)
        flat(state.status)[joiners] = ACTIVE
        flat(state.join_hour)[joiners] = self.hour
        stage1 = self.streams.uniform_at("join_stage", self.hour, joiners, sub=sub)
        warm = stage1 < params.advocacy.join_stage1_prob
        # A referred friend joins at stage 1 (warm) or 0: their own trust, kept in that band.
        cut1, cut2 = self.stage_cut[0], self.stage_cut[1]
        trust = flat(state.trust)[joiners]
        flat(state.trust)[joiners] = np.where(
            warm,
            np.clip(trust, cut1, np.nextafter(cut2, 0)),
            np.minimum(trust, np.nextafter(cut1, 0)),
        )
        flat(state.stage)[joiners] = warm
        flat(state.last_counts)[joiners] = state.at(state.feed, joiners)
        n = np.bincount(state.replicate_of(joiners), minlength=self.replicates)
        # each joiner adds one to each of its neighbours' count, as a buyer does to theirs
        np.add.at(
            flat(state.neighbours_member), graphs.neighbour_list(self.adjacency, joiners), 1.0
        )
        state.money += reward * n
        state.hour_joins += n
