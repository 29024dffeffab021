"""Decomposing a plan's paired difference against its baseline into its components' shares.

For a plan P with components C1..Cn and a baseline B, all run on the same seed and
replicates, replicate r's outcome ``y(P, r)`` (conversion, revenue):

- the coalition plan of S is P with the components not in S removed (``coalition_plan``);
  ``P_all`` is P itself, ``P_none`` is P with every component removed;
- the game is ``v(S) = y(P_S) - y(P_none)``; each component's contribution is its Shapley
  value in this game, computed per replicate (exact for up to ``max_exact`` components,
  else from sampled orders);
- efficiency: the contributions add up to ``y(P) - y(P_none)`` in every replicate;
- the rest of the paired difference, ``y(P_none) - y(B)``, is the residual: what the plan
  stripped of its components does compared with the baseline (0 when P is B plus the
  components; otherwise, e.g., minus what the baseline's own entries earn).

So ``y(P) - y(B) = sum of contributions + residual`` exactly, replicate by replicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine import Engine, ModelParams

from .components import Component, Strategy, active_entries, coalition_plan
from .run import METRICS, evaluate, outcomes
from .shapley import (
    Attribution,
    exact_shapley,
    full_mask,
    orders_masks,
    random_orders,
    sampled_shapley,
)


@dataclass
class Settings:
    """How to attribute (``explain`` in the config).

    Attributes:
        components: component name -> entry indices, types or labels (empty: by labels,
            then by the types that differ from the baseline).
        max_exact: exact Shapley values up to this many components (2^n coalitions), sampled
            orders beyond.
        orders: sampled orders of the components when there are more than ``max_exact``.
        order_seed: seed of the sampled orders.
        jobs: worker processes running coalitions (0: one per core; 1: in process).
    """

    components: dict[str, Any] = field(default_factory=dict)
    max_exact: int = 8
    orders: int = 64
    order_seed: int = 0
    jobs: int = 2


@dataclass
class Explanation:
    """The decomposition of one plan against one baseline.

    Attributes:
        plan_name, baseline_name: the strategies' names.
        components: the plan's components (in the order of ``attribution.phi``).
        shared: touchpoint types kept in every coalition (unchanged from the baseline or in
            no component).
        plan, baseline, stripped: outcomes (replicates, metrics) of the plan, the baseline
            and the plan with every component removed.
        attribution: the Shapley values per replicate.
        coalitions: mask -> outcomes of every coalition run.
        metrics: metric names (columns of ``replicate_metrics``).
    """

    plan_name: str
    baseline_name: str
    components: list[Component]
    shared: list[str]
    plan: np.ndarray
    baseline: np.ndarray
    stripped: np.ndarray
    attribution: Attribution
    coalitions: dict[int, np.ndarray]
    metrics: tuple[str, ...] = METRICS

    @property
    def residual(self) -> np.ndarray:
        """Per replicate: plan with every component removed minus the baseline."""
        return self.stripped - self.baseline

    @property
    def difference(self) -> np.ndarray:
        """Per replicate: plan minus baseline (paired)."""
        return self.plan - self.baseline


def coalitions_needed(n: int, settings: Settings) -> tuple[list[int], np.ndarray | None]:
    """The masks to run, and the sampled orders (None when exact)."""
    if n <= settings.max_exact:
        return list(range(1 << n)), None
    orders = random_orders(n, settings.orders, settings.order_seed)
    masks = set(orders_masks(orders)) | {0, full_mask(n)}
    return sorted(masks), orders


def explain(  # noqa: PLR0917 (the inputs of one decomposition)
    strategy: Strategy,
    components: list[Component],
    params: ModelParams,
    baseline_params: ModelParams,
    seed: int,
    replicates: int,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
) -> Explanation:
    """Run the baseline and every needed coalition, and attribute the difference.

    Args:
        strategy: the plan (with its labels and source).
        components: its components (``default_components`` or ``named_components``).
        params: model parameters for the plan's runs (its ``strategy`` is replaced).
        baseline_params: model parameters of the baseline, its plan included.
        seed: the seed shared by every run.
        replicates: replicate campaigns per run.
        settings: exact/sampled and parallelism settings.
        progress: called with (done, total) as coalitions finish.

    Returns:
        The explanation.
    """
    n = len(components)
    for component in components:
        component.text = component.describe(strategy.plan)
    masks, orders = coalitions_needed(n, settings)
    plans = {m: coalition_plan(strategy.plan, components, m) for m in masks}
    values = evaluate(params, seed, replicates, plans, n, settings.jobs, progress)
    base = outcomes(Engine(baseline_params, seed=seed, replicates=replicates).run())
    stripped = values[0]
    game = {m: v - stripped for m, v in values.items()}
    if n == 0:
        attribution = Attribution(
            phi=np.zeros((0, *stripped.shape)),
            mc_se=np.zeros((0, stripped.shape[1])),
            exact=True,
        )
    elif orders is None:
        attribution = exact_shapley(n, game)
    else:
        attribution = sampled_shapley(orders, game)
    covered = {i for c in components for i in c.entries}
    shared = sorted(
        {t.type for i, t in enumerate(strategy.plan.touchpoints) if i not in covered}
        & {strategy.plan.touchpoints[i].type for i in active_entries(strategy.plan)}
    )
    return Explanation(
        plan_name=strategy.plan.name,
        baseline_name=baseline_params.strategy.name,
        components=components,
        shared=shared,
        plan=values[full_mask(n)],
        baseline=base,
        stripped=stripped,
        attribution=attribution,
        coalitions=values,
    )
