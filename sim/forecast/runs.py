"""Run a plan, its baseline and counterfactual scenarios on common random numbers.

Every scenario runs on the same seed and replicates, so replicate ``k`` of each faces the same
members, graph and random draws. Replicates are split into chunks run in separate processes
(joblib); a chunk builds its population and graphs once (``Engine`` with
``first_replicate``) and forks that engine for each scenario (``fork``), so the split changes
nothing but the speed: replicate ``k`` of a chunk equals replicate ``k`` of any other split.

Each run is kept as a ``RunData``: per-replicate figures (the columns of
``sim.outputs.replicate_metrics``), daily series, the trust-stage funnel, the team's
workload, muting and leaving, quiet groups and quotas sold out early.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine import Engine, ModelParams
from sim.engine.params import N_STAGES, PlanParams
from sim.engine.schedule import compile_plan
from sim.engine.state import DORMANT, LEFT
from sim.engine.targeting import select
from sim.engine.validation import check_model

QUIET_SHARE = 0.05  # a group whose members open it less than this share a day is quiet
QUIET_DAYS = 3  # ... on average over the campaign's last days


@dataclass
class Scenario:
    """One plan to run: a name, the plan's touchpoints, where they came from."""

    name: str
    strategy: PlanParams
    source: str


# Per-replicate fields of RunData and the axis their replicates lie on.
_AXES: dict[str, int] = {
    "daily_purchases": 1,
    "daily_revenue": 1,
    "daily_minutes": 1,
    "care_demand": 1,
    "care_used": 1,
    "care_dropped_engine": 1,
    "minutes_dropped_engine": 1,
    "funnel": 0,
    "layer_members": 0,
    "muted": 0,
    "left": 0,
    "shill_found": 0,
    "shill_left": 0,
    "group_quiet": 0,
    "group_open": 0,
    "sold_out_hour": 1,
}


@dataclass
class RunData:
    """What the forecast keeps of one scenario's run (replicates along the stated axis).

    Attributes:
        metrics: the columns of ``sim.outputs.replicate_metrics``, one value per replicate.
        daily_purchases: purchases per day (days, replicates).
        daily_revenue: revenue per day (days, replicates).
        daily_minutes: staff minutes booked per day (days, replicates).
        care_demand: one-to-one conversations the plan's rules asked for per day, before the
            team's capacity cut them (days, replicates).
        care_used: one-to-one conversations held per day (days, replicates).
        care_dropped_engine: the engine's own count of dropped care per day, when it keeps
            one (``recorder.care_dropped``), else None.
        minutes_dropped_engine: the engine's dropped staff minutes per day
            (``recorder.minutes_dropped``), else None.
        funnel: members who ever joined, by layer, at or past each trust stage at the end
            (replicates, 3, 7).
        layer_members: members who ever joined, by layer (replicates, 3).
        muted: members who muted the group and stayed (replicates,).
        left: members who left (replicates,).
        shill_found: members who saw through shills (replicates,).
        shill_left: of those, members who left (replicates,).
        group_quiet: groups quiet at the end (replicates, groups).
        group_open: groups open at the end (replicates, groups).
        sold_out_hour: per offer with a quota, the hour its quota sold out in each group
            (-1: not sold out) (offers, replicates, groups).
        offers: per offer with a quota, ``{"day", "quota", "deadline_hour"}``.
        care_capacity: one-to-one conversations the team can hold per day.
        cpu_seconds: processor time the runs took, summed over processes.
    """

    metrics: dict[str, np.ndarray]
    daily_purchases: np.ndarray
    daily_revenue: np.ndarray
    daily_minutes: np.ndarray
    care_demand: np.ndarray
    care_used: np.ndarray
    care_dropped_engine: np.ndarray | None
    minutes_dropped_engine: np.ndarray | None
    funnel: np.ndarray
    layer_members: np.ndarray
    muted: np.ndarray
    left: np.ndarray
    shill_found: np.ndarray
    shill_left: np.ndarray
    group_quiet: np.ndarray
    group_open: np.ndarray
    sold_out_hour: np.ndarray
    offers: list[dict[str, Any]] = field(default_factory=list)
    care_capacity: int = 0
    cpu_seconds: float = 0.0  # processor time its runs took (summed over processes)

    @property
    def replicates(self) -> int:
        """Replicates held."""
        return int(self.daily_purchases.shape[1])


def concat(parts: list[RunData]) -> RunData:
    """Join chunks of one scenario, in replicate order."""
    first = parts[0]
    values: dict[str, Any] = {
        "metrics": {k: np.concatenate([p.metrics[k] for p in parts]) for k in first.metrics},
        "offers": first.offers,
        "care_capacity": first.care_capacity,
        "cpu_seconds": sum(p.cpu_seconds for p in parts),
    }
    for name, axis in _AXES.items():
        arrays = [getattr(p, name) for p in parts]
        values[name] = None if arrays[0] is None else np.concatenate(arrays, axis=axis)
    return RunData(**values)


# ------------------------------------------------------------------ one engine
def fork(engine: Engine, strategy: PlanParams, source: str = "strategy") -> Engine:
    """A copy of an engine that has not run yet, with another plan's touchpoints.

    The copy keeps the members, graphs and random streams (its set-up is not redone), so it
    runs exactly as ``Engine(params with strategy, seed, replicates, first_replicate)``.

    Raises:
        ConfigError: the strategy cannot be compiled.
    """
    if engine.hour:
        raise RuntimeError("fork an engine before it runs")
    clone = copy.deepcopy(engine)
    clone.params = dataclasses.replace(engine.params, strategy=strategy)
    check_model(clone.params)
    clone.schedule = compile_plan(strategy, clone.params.days, source)
    return clone


class _CareMeter:
    """Wraps a capacity-using unit to count what its rule asks for before the capacity cut."""

    def __init__(self, unit: Any, demand: np.ndarray):
        self.unit, self.demand = unit, demand
        self.name, self.Params = unit.name, unit.Params

    def __getattr__(self, name: str) -> Any:
        if name == "unit":  # not set yet (copying): no recursion
            raise AttributeError(name)
        return getattr(self.unit, name)  # duration, during, uses_capacity and any later method

    def start(self, engine: Engine, firing: Any, targets: np.ndarray) -> None:
        # ``select`` is a pure function of the state and the counter-based streams, so asking
        # it again without the capacity limit changes nothing in the run.
        wanted = select(engine, firing.target, engine.hour, limit=None, sub=firing.plan_index + 1)
        self.demand[engine.hour // 24] += wanted.sum(axis=1)
        self.unit.start(engine, firing, targets)


def _per_day(values: np.ndarray | None, days: int, hours: int) -> np.ndarray | None:
    if values is None:
        return None
    x = np.asarray(values, dtype=float)
    if x.shape[0] == hours:
        return x.reshape(days, 24, *x.shape[1:]).sum(axis=1)
    if x.shape[0] == days:
        return x
    return None


def run_engine(engine: Engine, tick: Callable[[int], object] | None = None) -> RunData:
    """Run an engine to the end and keep what the forecast needs.

    Args:
        engine: a fresh engine (or a ``fork``).
        tick: called with the number of replicates at the end of every campaign day.

    Returns:
        The run's ``RunData``.
    """
    from sim.outputs import replicate_metrics

    p, r, days = engine.params, engine.replicates, engine.params.days
    demand = np.zeros((days, r))
    for firing in engine.schedule.all():
        if firing.unit.uses_capacity():
            firing.unit = _CareMeter(firing.unit, demand)
    capacity = p.operator.staff * p.operator.care_per_staff_per_day
    used = np.zeros((days, r))
    quota_offers: list[dict[str, Any]] = []
    sold_out: list[np.ndarray] = []
    offers, tracked = engine.offers, -1  # tracked: id of the quota offer being watched
    while not engine.done:
        was_open, offer_id = offers.is_open.copy(), offers.offer_id
        engine.step()
        hour = engine.hour - 1
        if hour % 24 == 23:
            used[hour // 24] = capacity - engine.state.care_left
            if tick is not None:
                tick(r)
        terms = offers.terms
        if offers.offer_id != offer_id and terms is not None and terms.quota > 0:
            tracked = offers.offer_id
            deadline = offers.deadline()
            quota_offers.append(
                {
                    "day": hour // 24 + 1,
                    "quota": int(terms.quota),
                    "deadline_hour": float(deadline) if np.isfinite(deadline) else None,
                }
            )
            sold_out.append(np.full(offers.is_open.shape, -1, dtype=np.int64))
        elif tracked >= 0 and offers.offer_id == tracked:
            gone = was_open & ~offers.is_open & (hour < offers.deadline())
            sold_out[-1] = np.where(gone & (sold_out[-1] < 0), hour, sold_out[-1])
    s, rec = engine.state, engine.recorder
    metrics = {k: v.to_numpy() for k, v in replicate_metrics(engine).items()}
    ever = s.ever_member
    layer = engine.traits.layer
    stage = np.where(ever, s.stage.astype(np.int64), -1)
    funnel = np.stack(
        [
            np.stack([((layer == li) & (stage >= k)).sum(axis=1) for k in range(N_STAGES)], 1)
            for li in range(3)
        ],
        axis=1,
    )
    layer_members = np.stack([((layer == li) & ever).sum(axis=1) for li in range(3)], axis=1)
    minutes_end = rec.minutes[23::24][:days]
    daily_minutes = np.diff(np.vstack([np.zeros((1, r)), minutes_end]), axis=0)
    found = s.shill_detected & ever
    tail = slice(max(0, days - QUIET_DAYS), days)
    present = rec.group_present[tail].astype(float)
    share = rec.group_active[tail].sum(axis=0) / np.maximum(present.sum(axis=0), 1.0)
    group_open = s.group_open.copy()
    hours = engine.hours
    sold = np.stack(sold_out) if sold_out else np.zeros((0, r, s.groups), dtype=np.int64)
    return RunData(
        metrics=metrics,
        daily_purchases=rec.purchases.reshape(days, 24, r).sum(axis=1).astype(float),
        daily_revenue=rec.revenue.reshape(days, 24, r).sum(axis=1),
        daily_minutes=daily_minutes,
        care_demand=demand,
        care_used=used,
        care_dropped_engine=_per_day(rec.care_dropped, days, hours),
        minutes_dropped_engine=_per_day(rec.minutes_dropped, days, hours),
        funnel=funnel,
        layer_members=layer_members,
        muted=((s.status == DORMANT) & ever).sum(axis=1),
        left=((s.status == LEFT) & ever).sum(axis=1),
        shill_found=found.sum(axis=1),
        shill_left=(found & (s.status == LEFT)).sum(axis=1),
        group_quiet=group_open & (share < QUIET_SHARE),
        group_open=group_open,
        sold_out_hour=sold,
        offers=quota_offers,
        care_capacity=int(capacity),
    )


# ------------------------------------------------------------------ many engines
def run_chunk(
    params: ModelParams,
    scenarios: list[Scenario],
    seed: int,
    span: tuple[int, int],
    tick: Callable[[int], object] | None = None,
) -> dict[str, RunData]:
    """Run every scenario on the replicates ``span = (first, count)`` (one process's share).

    The population and graphs are built once and forked for each scenario. ``tick`` is called
    with the replicate count at the end of every campaign day of every scenario.
    """
    first, count = span
    start = time.process_time()
    base = Engine(
        dataclasses.replace(params, strategy=scenarios[0].strategy),
        seed=seed,
        replicates=count,
        first_replicate=first,
        plan_source=scenarios[0].source,
    )
    setup = time.process_time() - start
    out = {}
    for sc in [*scenarios[1:], scenarios[0]]:
        began = time.process_time()
        engine = base if sc is scenarios[0] else fork(base, sc.strategy, sc.source)
        out[sc.name] = run_engine(engine, tick)  # the set-up itself serves the first, last
        out[sc.name].cpu_seconds = time.process_time() - began + setup / len(scenarios)
    for data in out.values():
        data.metrics["replicate"] = data.metrics["replicate"] + first
    return out


def chunks(replicates: int, size: int) -> list[tuple[int, int]]:
    """``(first, count)`` of consecutive replicate chunks of at most ``size``."""
    size = max(1, size)
    return [(a, min(size, replicates - a)) for a in range(0, replicates, size)]


def run_scenarios(
    params: ModelParams,
    scenarios: list[Scenario],
    *,
    seed: int,
    replicates: int,
    n_jobs: int = 2,
    chunk: int = 0,
    progress: Callable[[int], object] | None = None,
) -> dict[str, RunData]:
    """Run scenarios on the same seed and replicates, split across processes.

    Args:
        params: the community, team and product (``params.strategy`` is ignored).
        scenarios: the plans to run; the first builds the shared set-up.
        seed: the run's seed.
        replicates: replicates per scenario.
        n_jobs: worker processes (1: in this process).
        chunk: replicates per task (0: an equal share per process, the fastest: the engine's
            hourly overhead is paid once per batch). Results do not depend on it.
        progress: called with campaign-days done (replicates x days), as the runs advance
            (from worker processes through a queue).

    Returns:
        Scenario name -> its ``RunData`` over all replicates, in replicate order.
    """
    tasks = chunks(replicates, chunk or -(-replicates // max(1, n_jobs)))
    results: dict[int, dict[str, RunData]] = {}
    if n_jobs == 1 or len(tasks) == 1:
        for span in tasks:
            results[span[0]] = run_chunk(params, scenarios, seed, span, progress)
    else:
        with _Ticks(progress) as tick:
            from joblib import Parallel, delayed

            done = Parallel(n_jobs=n_jobs)(
                delayed(run_chunk)(params, scenarios, seed, span, tick) for span in tasks
            )
        results = {span[0]: result for span, result in zip(tasks, done, strict=True)}
    order = sorted(results)
    return {sc.name: concat([results[f][sc.name] for f in order]) for sc in scenarios}


class _Ticks:
    """Progress from worker processes: a managed queue drained by a thread into ``progress``."""

    def __init__(self, progress: Callable[[int], object] | None):
        self.progress = progress
        self.manager: Any = None
        self.thread: threading.Thread | None = None

    def __enter__(self) -> Callable[[int], object] | None:
        if self.progress is None:
            return None
        import multiprocessing

        self.manager = multiprocessing.get_context("spawn").Manager()  # no fork of threads
        self.queue = self.manager.Queue()
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()
        return self.queue.put

    def _drain(self) -> None:
        while (n := self.queue.get()) is not None:
            assert self.progress is not None
            self.progress(n)

    def __exit__(self, *exc: object) -> None:
        if self.manager is not None:
            self.queue.put(None)
            if self.thread is not None:
                self.thread.join()
            self.manager.shutdown()
