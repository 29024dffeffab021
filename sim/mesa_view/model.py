"""The Mesa face: a ``mesa.Model`` that views one replicate of the array engine.

:class:`CommunityModel` builds an :class:`~sim.engine.Engine` with one replicate and shows
it the Mesa way: each member is a :class:`~sim.mesa_view.agents.Member` agent on a
``mesa.discrete_space.Network`` built from the replicate's social graph, and a
``DataCollector`` records the campaign hour by hour. It is a view, never a second copy of
the dynamics: ``step`` advances the engine by one hour and the agents read (and, for
``trust``, write) the engine's arrays. Replicate ``r`` of seed ``s`` viewed here is the
same campaign as replicate ``r`` of a batch ``Engine(seed=s, replicates=n)``.

Usage::

    from sim.mesa_view import CommunityModel

    model = CommunityModel(seed=1, strategy="layered", members=300)
    model.run()  # or model.step() hour by hour, or model.run_model()
    frame = model.datacollector.get_model_vars_dataframe()
    core = model.members.select(lambda m: m.layer == "core")

With Mesa's batch runner, vary the seed through its ``rng`` argument (``batch_run`` fills
this model's ``seed`` keyword from it, overwriting any ``"seed"`` in ``parameters``)::

    mesa.batch_run(CommunityModel, parameters={"members": [100, 200], "days": 10},
                   rng=[1, 2], max_steps=240)
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.agentset import AgentSet
from mesa.discrete_space import Network

from sim.engine import ConfigError, Engine, ModelParams, PlanParams
from sim.engine.params import N_STAGES, TouchpointSpec
from sim.engine.state import ACTIVE, DORMANT, LEFT
from sim.engine.validation import build
from sim.plans import load_strategy

from .agents import ROW, Member

DEFAULT_STRATEGY = "sop"
"""The plan ``CommunityModel`` runs when given neither a strategy nor a plan of its own."""

# --------------------------------------------------------------- model reporters
# Each reads the engine's arrays for the model's replicate (row ROW) at collection time.


def _hour(model: CommunityModel) -> int:
    return model.engine.hour


def _day(model: CommunityModel) -> int:
    hour = model.engine.hour
    return (hour - 1) // 24 + 1 if hour > 0 else 0


def _count_status(model: CommunityModel, code: int) -> int:
    return int((model.engine.state.status[ROW] == code).sum())


def _present(model: CommunityModel) -> int:
    return int(model.engine.state.present[ROW].sum())


def _ever_members(model: CommunityModel) -> int:
    return int(model.engine.state.ever_member[ROW].sum())


def _buyers(model: CommunityModel) -> int:
    s = model.engine.state
    return int((s.bought[ROW] & s.ever_member[ROW]).sum())


def _conversion(model: CommunityModel) -> float:
    return _buyers(model) / max(_ever_members(model), 1)


def _revenue(model: CommunityModel) -> float:
    return float(model.engine.state.revenue[ROW])


def _last_hour(model: CommunityModel, table: str, column: int | None = None) -> Any:
    """The recorder's value for the hour just simulated (0 before the first step)."""
    hour = model.engine.hour
    if hour == 0:
        return 0
    row = getattr(model.engine.recorder, table)[hour - 1, ROW]
    return (row if column is None else row[column]).item()


def _stage_count(model: CommunityModel, stage: int) -> int:
    s = model.engine.state
    return int((s.stage[ROW][s.present[ROW]] == stage).sum())


MODEL_REPORTERS: dict[str, Any] = {
    "hour": _hour,
    "day": _day,
    "present": _present,
    "ever_members": _ever_members,
    "buyers": _buyers,
    "conversion": _conversion,
    "purchases": partial(_last_hour, table="purchases"),
    "revenue": _revenue,
    "joins": partial(_last_hour, table="joins"),
    "active_status": partial(_count_status, code=ACTIVE),
    "dormant": partial(_count_status, code=DORMANT),
    "left": partial(_count_status, code=LEFT),
    **{f"stage_{k}": partial(_stage_count, stage=k) for k in range(N_STAGES)},
    "messages_operator": partial(_last_hour, table="messages", column=0),
    "messages_members": partial(_last_hour, table="messages", column=1),
    "messages_shills": partial(_last_hour, table="messages", column=2),
}
"""Model-level reporters of every ``CommunityModel`` collector.

``hour``: hours simulated so far; ``day``: campaign day (1-based) of the last simulated
hour, 0 before the first step; ``members``: present (active or dormant) members;
``ever_members``: everyone who was ever a member (present or left); ``buyers`` and
``conversion`` (buyers / ever members); ``purchases``, ``joins`` and ``messages_*``
(operator, members, shills): counts in the hour just simulated; ``revenue``: cumulative;
``active_status``, ``dormant``, ``left``: members by status; ``stage_0`` .. ``stage_6``:
present members at each trust-ladder stage.
"""

AGENT_REPORTERS: dict[str, str] = {
    "trust": "trust",
    "stage": "stage",
    "layer": "layer",
    "status": "status",
    "bought": "bought",
}
"""Agent-level reporters (``Member`` attribute names) collected when ``collect_agents``."""


class CommunityModel(mesa.Model):
    """One replicate campaign of a community under a plan, as a Mesa model.

    The engine (``model.engine``) runs the dynamics; this model adds Mesa agents on a
    ``Network`` and a ``DataCollector``. Every ``step`` is one campaign hour: the engine
    steps once, members who joined in that hour (through referrals) get their agents, and
    the collector records the hour. ``running`` turns ``False`` at the end of the campaign.

    Agents exist for everyone who is, or has been, a member: the starting members from the
    outset, outside contacts from the hour they join. Members who leave keep their agent
    (``status == "left"``), so agents are never removed and a member's agent is stable.
    The network has a cell for every slot of the social graph, outside contacts included;
    a member's agent sits on the cell of its slot (``cell.coordinate == member.slot``).

    Args:
        params: model parameters (defaults if omitted); never modified (overrides apply
            to a deep copy).
        seed: the engine's seed (members, graph and every random draw); ``None`` draws a
            fresh one (Mesa's convention, used by ``batch_run`` without ``rng``), kept in
            ``model.seed``.
        replicate: which replicate of the seed to view (the same campaign as that index
            of a batch engine run with the seed).
        members: override of ``population.members``; raises ``group_capacity`` to at
            least this, so that a bigger group fits.
        days: override of the campaign length ``days``.
        strategy: override of the plan: a shipped strategy's name (``"sop"``,
            ``"layered"``), the path of a plan file, or a ``PlanParams``. Without it the
            plan of ``params`` runs; when that is the empty default plan (or ``params`` is
            omitted), the shipped ``sop`` plan runs, as its name says.
        layout: node positions for the network cells (a mapping or a callable such as
            ``networkx.spring_layout``); ``None`` (the default) leaves the network purely
            topological, which is fast.
        collect_agents: whether the collector also records every agent's ``trust``,
            ``stage``, ``layer``, ``status`` and ``bought`` each hour (switch off for long
            batch runs).
        rng: seed or generator for Mesa's own random numbers (agent-set shuffles and the
            network's ``random``); defaults to ``seed``. The dynamics never use it.

    Raises:
        ConfigError: a parameter or plan entry out of range, an unknown strategy, or
            ``days`` shorter than the plan (a touchpoint on a later day).
    """

    def __init__(
        self,
        params: ModelParams | None = None,
        *,
        seed: int | None = 0,
        replicate: int = 0,
        members: int | None = None,
        days: int | None = None,
        strategy: str | Path | PlanParams | None = None,
        layout: Any = None,
        collect_agents: bool = True,
        rng: Any = None,
    ) -> None:
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
        self.seed = int(seed)
        if replicate < 0:
            raise ConfigError(f"replicate = {replicate}: must be at least 0")
        self.replicate = int(replicate)
        super().__init__(rng=self.seed if rng is None else rng)

        params, plan_source = _apply_overrides(params, members, days, strategy)
        check_days(params, plan_source)
        self.engine = Engine(
            params,
            seed=self.seed,
            replicates=1,
            first_replicate=self.replicate,
            plan_source=plan_source,
        )
        self.network = Network(self.engine.graphs[ROW], random=self.random, layout=layout)
        self._agents_of: dict[int, Member] = {}
        self._has_agent = np.zeros(self.engine.slots, dtype=bool)
        self._add_new_members()
        self.datacollector = mesa.DataCollector(
            model_reporters=MODEL_REPORTERS,
            agent_reporters=AGENT_REPORTERS if collect_agents else None,
        )
        self.datacollector.collect(self)
        self.running = not self.engine.done

    # -------------------------------------------------------------- properties
    @property
    def params(self) -> ModelParams:
        """The parameters the engine runs with (overrides applied)."""
        return self.engine.params

    @property
    def members(self) -> AgentSet[Member]:
        """All member agents (present and left), in the order they joined."""
        return self.agents_by_type[Member]

    @property
    def grid(self) -> Network:
        """The network, under the name Mesa's visualization looks for (``model.grid``)."""
        return self.network

    @property
    def hour(self) -> int:
        """Campaign hours simulated so far."""
        return self.engine.hour

    def member(self, slot: int) -> Member:
        """The agent of the member in ``slot``.

        Raises:
            KeyError: the slot is an outside contact who has not joined.
        """
        return self._agents_of[slot]

    # ----------------------------------------------------------------- running
    def step(self) -> None:
        """Advance the campaign by one hour (a no-op once it is over)."""
        if self.engine.done:
            self.running = False
            return
        self.engine.step()
        self._add_new_members()
        self.datacollector.collect(self)
        self.running = not self.engine.done

    def run(self, hours: int | None = None) -> CommunityModel:
        """Step to the end of the campaign, or for at most ``hours`` hours.

        Args:
            hours: hours to run (``None``: until the campaign ends).

        Returns:
            The model itself.
        """
        left = self.engine.hours - self.engine.hour
        for _ in range(left if hours is None else min(hours, left)):
            if not self.running:
                break
            self.step()
        return self

    def _add_new_members(self) -> None:
        """Create agents for everyone who became a member and has none yet."""
        state = self.engine.state
        new = np.flatnonzero(state.ever_member[ROW] & ~self._has_agent)
        for slot in new.tolist():
            self._agents_of[slot] = Member(self, slot)
        self._has_agent[new] = True


def _apply_overrides(
    params: ModelParams | None,
    members: int | None,
    days: int | None,
    strategy: str | Path | PlanParams | None,
) -> tuple[ModelParams, str]:
    """A deep copy of ``params`` with the keyword overrides applied, and the plan source.

    A strategy read from a file replaces the plan, and the model settings the file sets
    beside it (a ``# @package _global_`` file such as ``bass.yaml``) replace theirs;
    ``members`` and ``days`` are applied last, so they win over the file.
    """
    p = copy.deepcopy(params) if params is not None else ModelParams()
    source = "strategy"
    if isinstance(strategy, PlanParams):
        p.strategy = copy.deepcopy(strategy)
    elif strategy is not None or p.strategy == PlanParams():
        # No strategy and no plan of one's own: the shipped plan the default name promises.
        plan, settings, source = load_strategy(str(strategy or DEFAULT_STRATEGY))
        apply_settings(p, settings, source)
        p.strategy = plan
    if members is not None:
        pop = p.population
        p.population = dataclasses.replace(
            pop, members=int(members), group_capacity=max(pop.group_capacity, int(members))
        )
    if days is not None:
        p.days = int(days)
    return p, source


def last_plan_day(plan: PlanParams) -> tuple[int, str]:
    """The last campaign day a plan's entries name, and the type of the entry naming it.

    An entry names its ``day`` and, when it repeats, its ``until_day``; entries behind a
    switch count too (switching them on must not make the campaign too short).

    Returns:
        ``(day, type)``; ``(0, "")`` for a plan without touchpoints.
    """
    last, kind = 0, ""
    for entry in plan.touchpoints:
        spec = entry if isinstance(entry, TouchpointSpec) else None
        day = spec.day if spec else int(entry.get("day", 1))
        until = spec.until_day if spec else int(entry.get("until_day", 0) or 0)
        kind_here = spec.type if spec else str(entry.get("type", "?"))
        if max(day, until) > last:
            last, kind = max(day, until), kind_here
    return last, kind


def check_days(params: ModelParams, source: str = "strategy") -> None:
    """Refuse a campaign shorter than its plan.

    Raises:
        ConfigError: ``days`` is below the last day the plan names, saying both.
    """
    last, kind = last_plan_day(params.strategy)
    if params.days < last:
        raise ConfigError(
            f"days = {params.days}: the plan {params.strategy.name!r} ({source}) has a "
            f"touchpoint ({kind}) on day {last}; give days >= {last} or a plan that ends sooner"
        )


def apply_settings(p: ModelParams, settings: Mapping[str, Any], source: str) -> None:
    """Set (nested) model parameters from a mapping, checking names and types.

    Args:
        p: the parameters to change (in place).
        settings: ``{section: {field: value}}`` or ``{field: value}`` for top-level fields.
        source: where the settings come from, named in errors.

    Raises:
        ConfigError: an unknown section or field, or a value of the wrong type.
    """
    names = {f.name for f in dataclasses.fields(ModelParams)} - {"strategy"}
    for key, value in settings.items():
        if key not in names:
            raise ConfigError(
                f"{source}: unknown setting {key!r}; allowed: {', '.join(sorted(names))}"
            )
        current = getattr(p, key)
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            merged = {**dataclasses.asdict(current), **value}
            setattr(p, key, build(type(current), merged, f"{source}: {key}"))
        else:
            setattr(p, key, getattr(build(ModelParams, {key: value}, source), key))
