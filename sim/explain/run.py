"""Running coalition plans on common random numbers, in parallel worker processes.

Every coalition runs with the same seed and replicates, so replicate i of each coalition
faces the same members, graph and draws. The members and graph do not depend on the plan:
each process builds them once (a template engine) and gives every coalition a copy with the
coalition's schedule, instead of drawing them again. Coalitions also share the hours before
their differing components first fire (``run_tree``), and worker processes take subtrees.
"""

from __future__ import annotations

import copy
import math
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np

from sim.engine import Engine, ModelParams, PlanParams
from sim.engine.schedule import Schedule, compile_plan
from sim.engine.touchpoints import Firing
from sim.outputs import replicate_metrics

from .components import SWITCH

METRICS: tuple[str, ...] = ("conversion_rate", "revenue")

_TEMPLATE: Engine | None = None  # the worker's template engine (set by _start_worker)


def outcomes(engine: Engine) -> np.ndarray:
    """The metrics of a finished run, (replicates, metrics) in the order of ``METRICS``."""
    table = replicate_metrics(engine)
    return table[list(METRICS)].to_numpy(dtype=float)


def template_engine(params: ModelParams, seed: int, replicates: int) -> Engine:
    """An engine that has not run, whose members and graph every coalition shares."""
    return Engine(params, seed=seed, replicates=replicates)


def run_coalition(template: Engine, plan: PlanParams) -> np.ndarray:
    """Run ``plan`` on a copy of ``template`` (same members, graph and streams).

    Returns:
        The outcomes, (replicates, metrics).
    """
    engine = copy.deepcopy(template)
    engine.params = replace(template.params, strategy=plan)
    engine.schedule = compile_plan(plan, engine.params.days, "coalition")
    return outcomes(engine.run())


def first_hours(template: Engine, plans: dict[int, PlanParams], n: int) -> list[int]:
    """The hour each component first fires (the campaign's length if it never does)."""
    days, hours = template.params.days, template.hours
    plan = with_mask(next(iter(plans.values())), (1 << n) - 1, n)
    first = [hours] * n
    entry_component = {
        i: k for i, e in enumerate(plan.touchpoints) for k in range(n) if e.when == SWITCH.format(k)
    }
    for firing in compile_plan(plan, days, "coalition").all():
        k = entry_component.get(firing.plan_index)
        if k is not None:
            first[k] = min(first[k], firing.start)
    return first


def _switch_to(engine: Engine, plan: PlanParams, schedule: Schedule) -> None:
    engine.params = replace(engine.params, strategy=plan)
    engine.schedule = schedule


class _Schedules:
    """Coalition schedules cut from the grand coalition's (compiled once)."""

    def __init__(self, base: PlanParams, n: int, days: int):
        self.base, self.n = base, n
        self.full = compile_plan(with_mask(base, (1 << n) - 1, n), days, "coalition")
        self.component = {
            i: k
            for i, e in enumerate(base.touchpoints)
            for k in range(n)
            if e.when == SWITCH.format(k)
        }

    def of(self, mask: int) -> tuple[PlanParams, Schedule]:
        def keep(f: Firing) -> bool:
            k = self.component.get(f.plan_index)
            return k is None or bool(mask >> k & 1)

        by_hour = {h: [f for f in fs if keep(f)] for h, fs in self.full.by_hour.items()}
        schedule = Schedule(
            hours=self.full.hours,
            by_hour={h: fs for h, fs in by_hour.items() if fs},
            lasting=[f for f in self.full.lasting if keep(f)],
        )
        return with_mask(self.base, mask, self.n), schedule


def run_tree(
    template: Engine,
    plans: dict[int, PlanParams],
    n: int,
    prefix: tuple[int, int] = (0, 0),
    done: Callable[[int], None] | None = None,
) -> dict[int, np.ndarray]:
    """Run coalitions as a tree that shares the hours before components first fire.

    Components are taken in the order they first fire. Until component k first fires,
    coalitions that differ only in components k, k+1, ... are the same run (nothing of
    theirs has happened yet, and every entry keeps its own random draws), so the run is
    made once, copied, and continued with and without k. The results equal separate runs
    of each coalition exactly (``tests/test_explain.py`` checks it).

    Args:
        template: an engine at hour 0 (not changed).
        plans: mask -> coalition plan, for the masks wanted.
        n: number of components.
        prefix: ``(levels, mask)``: only the subtree whose first ``levels`` components (in
            firing order) are decided as in ``mask`` (for splitting work between processes).
        done: called with each finished mask.

    Returns:
        mask -> outcomes (replicates, metrics), for the wanted masks of the subtree.
    """
    first = first_hours(template, plans, n)
    order = sorted(range(n), key=lambda k: (first[k], k))
    wanted = set(plans)
    schedules = _Schedules(next(iter(plans.values())), n, template.params.days)
    results: dict[int, np.ndarray] = {}

    def decided(level: int) -> int:
        return sum(1 << order[i] for i in range(level))

    def grow(engine: Engine, level: int, mask: int) -> None:
        fixed = decided(level)
        if not any(m & fixed == mask for m in wanted):
            return
        if level == n:
            _switch_to(engine, *schedules.of(mask))
            results[mask] = outcomes(engine.run())
            if done:
                done(mask)
            return
        _switch_to(engine, *schedules.of(mask))
        engine.run(max(0, first[order[level]] - engine.hour))
        levels, choice = prefix
        options = [0, 1] if level >= levels else [choice >> order[level] & 1]
        for i, bit in enumerate(options):
            child = engine if i == len(options) - 1 else copy.deepcopy(engine)
            grow(child, level + 1, mask | bit << order[level])

    grow(copy.deepcopy(template), 0, 0)
    return results


def with_mask(plan: PlanParams, mask: int, n: int) -> PlanParams:
    """A coalition plan with the components of ``mask`` on and the others off."""
    new = copy.deepcopy(plan)
    for k in range(n):
        new.switches[SWITCH.format(k)] = bool(mask >> k & 1)
    return new


def _start_worker(params: ModelParams, seed: int, replicates: int) -> None:
    global _TEMPLATE  # noqa: PLW0603 (one template per worker process)
    _TEMPLATE = template_engine(params, seed, replicates)


def _work(item: tuple[dict[int, PlanParams], int, tuple[int, int]]) -> dict[int, np.ndarray]:
    assert _TEMPLATE is not None
    plans, n, prefix = item
    return run_tree(_TEMPLATE, plans, n, prefix)


def evaluate(  # noqa: PLR0917
    params: ModelParams,
    seed: int,
    replicates: int,
    plans: dict[int, PlanParams],
    n: int,
    jobs: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, np.ndarray]:
    """Run every coalition plan (a tree of shared prefixes, ``run_tree``).

    Args:
        params: the model parameters (their ``strategy`` is replaced by each plan).
        seed: the run's seed (common to all coalitions).
        replicates: replicate campaigns per coalition.
        plans: mask -> coalition plan.
        n: number of components.
        jobs: worker processes (0 or less: one per core; 1: in this process). The tree is
            split into ``4 x jobs`` subtrees by the first components to fire.
        progress: called with (done, total) as coalitions finish.

    Returns:
        mask -> outcomes (replicates, metrics).
    """
    jobs = jobs if jobs > 0 else os.cpu_count() or 1
    total = len(plans)
    results: dict[int, np.ndarray] = {}
    if jobs == 1 or n < 2:
        template = template_engine(params, seed, replicates)

        finished = 0

        def tick(mask: int) -> None:
            nonlocal finished
            finished += 1
            if progress:
                progress(finished, total)

        results.update(run_tree(template, plans, n, done=tick))
        return results
    template = template_engine(params, seed, replicates)
    first = first_hours(template, plans, n)
    order = sorted(range(n), key=lambda k: (first[k], k))
    levels = min(n, max(1, math.ceil(math.log2(4 * jobs))))
    items = []
    for choice in range(1 << levels):
        mask = sum(1 << order[i] for i in range(levels) if choice >> i & 1)
        fixed = sum(1 << order[i] for i in range(levels))
        sub = {m: p for m, p in plans.items() if m & fixed == mask}
        if sub:
            items.append((sub, n, (levels, mask)))
    # forkserver: workers start from a clean process (forking a process with BLAS or other
    # threads can deadlock); spawn where there is no forkserver
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(items)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(params, seed, replicates),
    ) as pool:
        for part in pool.map(_work, items, chunksize=1):
            results.update(part)
            if progress:
                progress(len(results), total)
    return results


def printer(label: str, every_seconds: float = 10.0) -> Callable[[int, int], None]:
    """A progress callback printing ``label: done/total`` at most every ``every_seconds``."""
    start = last = time.perf_counter()

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if done == total or now - last >= every_seconds:
            last = now
            print(f"{label}: {done}/{total} runs ({now - start:.0f} s)", flush=True)

    return report
