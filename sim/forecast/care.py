"""Who to care for: the members or kinds of members whose one-to-one care gains most.

The candidates are kinds of members (layer x degree band x need band; the bands are the
community's terciles) or, when the plan's community comes from an edge list (the same
members in every replicate), single members by id. Caring for a set of candidates means the
plan with its own care entries replaced by care entries on the same days and hours, one per
candidate in pick order, each targeting that candidate's members who have not bought (the
team's capacity is spent in that order). The objective is the expected number of buyers,
simulated on common random numbers; ``sim.forecast.celf`` picks greedily with lazy
evaluation. The ranking is compared with the plan's own care rule and with caring by degree
(highest first), on the same schedule, capacity and replicates.
"""

from __future__ import annotations

import copy
import dataclasses
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine import LAYERS, Engine, ModelParams
from sim.engine.params import PlanParams, TargetSpec, TouchpointSpec
from sim.outputs import jsonable, paired_difference

from .celf import celf
from .runs import chunks, fork

CAPACITY_UNITS = ("care",)
BANDS = ("low", "mid", "high")


@dataclass
class Candidate:
    """A kind of member (or one member) care can be aimed at."""

    label: str
    target: dict[str, Any]  # TargetSpec fields that select its members
    members: float  # members of this kind per replicate, on average


# ------------------------------------------------------------------ plans
def _runs(plan: PlanParams) -> list[TouchpointSpec]:
    return [t for t in plan.touchpoints if not t.when or plan.switches.get(t.when, False)]


def care_slots(plan: PlanParams) -> list[TouchpointSpec]:
    """The schedule of the plan's care (its care entries), or daily care at 10:00."""
    entries = [copy.deepcopy(t) for t in _runs(plan) if t.type in CAPACITY_UNITS]
    return entries or [TouchpointSpec(type="care", day=1, hour=10, every_days=1)]


def without_care(plan: PlanParams) -> PlanParams:
    """The plan with its care entries removed."""
    out = copy.deepcopy(plan)
    out.touchpoints = [t for t in out.touchpoints if t.type not in CAPACITY_UNITS]
    return out


def with_care(
    plan: PlanParams, slots: list[TouchpointSpec], targets: list[dict[str, Any]]
) -> PlanParams:
    """``plan`` (without care) plus care on ``slots`` for each target, in order."""
    out = copy.deepcopy(plan)
    for target in targets:
        for slot in slots:
            entry = copy.deepcopy(slot)
            entry.when = ""
            entry.target = TargetSpec(**{"bought": False, **target})
            out.touchpoints.append(entry)
    return out


# ------------------------------------------------------------------ candidates
def _degree_bands(degree: np.ndarray) -> list[tuple[int, int | None]]:
    """Inclusive integer degree ranges of the terciles (None: no upper bound)."""
    q1, q2 = (int(np.floor(q)) for q in np.quantile(degree, [1 / 3, 2 / 3]))
    return [(0, q1), (q1 + 1, q2), (q2 + 1, None)]


def kinds(engine: Engine) -> list[Candidate]:
    """Kinds of members: layer x degree band x need band (terciles), non-empty ones only."""
    m = engine.members
    degree = engine.degree[:, :m]
    need = engine.traits.need[:, :m]
    layer = engine.traits.layer[:, :m]
    n1, n2 = (float(q) for q in np.quantile(need, [1 / 3, 2 / 3]))
    need_bands = [(0.0, n1), (n1, n2), (n2, 1.0)]
    out = []
    for li, name in enumerate(LAYERS):
        for di, (dlo, dhi) in enumerate(_degree_bands(degree)):
            if dhi is not None and (dhi < dlo or dhi == 0):
                continue  # an empty band, or one max_degree cannot express (0: no bound)
            for ni, (nlo, nhi) in enumerate(need_bands):
                inside = (layer == li) & (degree >= dlo) & (need >= nlo) & (need <= nhi)
                if dhi is not None:
                    inside &= degree <= dhi
                size = float(inside.sum(axis=1).mean())
                if size < 0.5:
                    continue
                target = {
                    "layers": [name],
                    "min_degree": dlo,
                    "max_degree": dhi or 0,
                    "min_need": nlo,
                    "max_need": nhi,
                }
                label = f"{name} · {BANDS[di]} degree · {BANDS[ni]} need"
                out.append(Candidate(label, target, size))
    return out


def members(engine: Engine, pool: int) -> list[Candidate]:
    """Single members by id: the ``pool`` with the highest mean degree and need, as a pre-screen."""
    m = engine.members
    score = engine.degree[:, :m].mean(axis=0) / max(engine.degree[:, :m].mean(), 1e-9)
    score = score + engine.traits.need[:, :m].mean(axis=0) / 0.5
    order = np.argsort(-score, kind="stable")[:pool]
    return [Candidate(f"member {i}", {"member_slots": [int(i)]}, 1.0) for i in order]


# ------------------------------------------------------------------ evaluation
_BASES: dict[tuple[str, int, int], Engine] = {}  # per worker process: set-up built once


def _buyers(
    token: str, params: ModelParams, plans: list[PlanParams], seed: int, span: tuple[int, int]
) -> tuple[float, np.ndarray]:
    """Processor time and buyers per replicate (plans x replicates ``span``: first, count)."""
    first, count = span
    start = time.process_time()
    key = (token, first, count)
    base = _BASES.get(key)
    if base is None:
        if any(k[0] != token for k in _BASES):
            _BASES.clear()  # another ranking's set-ups
        base = Engine(params, seed=seed, replicates=count, first_replicate=first)
        _BASES[key] = base
    out = []
    for plan in plans:
        engine = fork(base, plan, "care ranking")
        engine.run()
        out.append((engine.state.bought & engine.state.ever_member).sum(axis=1))
    return time.process_time() - start, np.array(out, dtype=float)


class Evaluator:
    """Expected buyers of plans on fixed replicates, split across processes.

    Args:
        params: the community (its plan is replaced by each evaluated plan).
        seed: the run's seed.
        replicates: replicates per evaluation.
        n_jobs: worker processes.
        progress: called with the number of plans evaluated, after each batch.
    """

    def __init__(
        self,
        params: ModelParams,
        seed: int,
        replicates: int,
        n_jobs: int = 2,
        progress: Callable[[int], object] | None = None,
    ):
        self.params, self.seed, self.replicates, self.n_jobs = params, seed, replicates, n_jobs
        self.progress = progress
        self.token = uuid.uuid4().hex
        self.calls = 0
        self.cpu_seconds = 0.0  # processor time of the evaluations, summed over processes

    def __call__(self, plans: list[PlanParams]) -> list[np.ndarray]:
        """Buyers per replicate for each plan."""
        self.calls += len(plans)
        parts = chunks(self.replicates, -(-self.replicates // max(1, self.n_jobs)))
        if len(plans) >= 2 * self.n_jobs:  # many plans: split them, each on all replicates
            groups = [plans[i :: self.n_jobs] for i in range(self.n_jobs)]
            tasks = [(g, 0, self.replicates) for g in groups if g]
        else:
            tasks = [(plans, first, count) for first, count in parts]
        args = [(self.token, self.params, g, self.seed, (f, c)) for g, f, c in tasks]
        if self.n_jobs == 1:
            results = [_buyers(*a) for a in args]
        else:
            from joblib import Parallel, delayed

            results = Parallel(n_jobs=self.n_jobs)(delayed(_buyers)(*a) for a in args)
        self.cpu_seconds += sum(cpu for cpu, _ in results)
        results = [values for _, values in results]
        if self.progress is not None:
            self.progress(len(plans))
        if len(plans) >= 2 * self.n_jobs:
            out: list[np.ndarray] = [np.empty(0)] * len(plans)
            for i, block in enumerate(results):
                for j, row in enumerate(block):
                    out[i + j * self.n_jobs] = row
            return out
        joined = np.concatenate(results, axis=1)
        return list(joined)


def rank_care(
    params: ModelParams,
    *,
    seed: int,
    replicates: int,
    top: int = 20,
    n_jobs: int = 2,
    pool: int = 40,
    progress: Callable[[int], object] | None = None,
) -> dict[str, Any]:
    """Rank whom to care for by CELF and compare with the plan's rule and with degree.

    Args:
        params: the plan's parameters (community, team, product and plan).
        seed: the seed (the ranking's replicates are the forecast's first ones).
        replicates: replicates per evaluation.
        top: picks to make.
        n_jobs: worker processes.
        pool: with members by id, how many pre-screened members are candidates.
        progress: called with the number of plans evaluated, as evaluations end.

    Returns:
        The ranking, JSON-ready: ``by`` (kinds or members), ``picks`` (label, members,
        gain and its 95% interval, cumulative gain), ``rules`` (plan's own, by degree, the
        ranking's set: gains over no care), ``evaluations`` and the method's settings.
    """
    plan = params.strategy
    bare = without_care(plan)
    slots = care_slots(plan)
    probe = Engine(params, seed=seed, replicates=min(replicates, 4))
    by_id = params.graph.kind == "edgelist"
    cands = members(probe, pool) if by_id else kinds(probe)
    evaluator = Evaluator(params, seed, replicates, n_jobs, progress)

    def evaluate(sets: list[tuple[int, ...]]) -> list[np.ndarray]:
        return evaluator([with_care(bare, slots, [cands[c].target for c in s]) for s in sets])

    selection = celf(len(cands), evaluate, top)
    own, degree = evaluator([plan, with_care(bare, slots, [{"rank_by": "degree"}])])
    empty = selection.empty_values
    picks = []
    for p, values in zip(selection.picks, selection.values, strict=True):
        total = paired_difference(values, empty)
        picks.append(
            {
                "label": cands[p.candidate].label,
                "target": cands[p.candidate].target,
                "members": cands[p.candidate].members,
                "gain": p.gain,
                "gain_ci95": p.gain_ci95,
                "cumulative_gain": total["mean"],
                "cumulative_gain_ci95": total["ci95"],
            }
        )
    best = selection.values[-1] if selection.values else empty
    rules = {
        "plan's own rule": paired_difference(own, empty),
        "by degree": paired_difference(degree, empty),
        "ranking (all picks)": paired_difference(best, empty),
    }
    return jsonable(
        {
            "by": "members" if by_id else "kinds",
            "objective": "buyers",
            "replicates": replicates,
            "candidates": len(cands),
            "evaluations": selection.evaluations,
            "cpu_seconds": evaluator.cpu_seconds,
            "plain_greedy_evaluations": 1 + sum(len(cands) - i for i in range(len(picks))),
            "no_care_buyers": float(np.mean(empty)),
            "picks": picks,
            "rules": rules,
            "care_slots": [dataclasses.asdict(s) | {"target": None} for s in slots],
        }
    )
