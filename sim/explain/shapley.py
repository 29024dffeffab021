"""Shapley values of a game given by its coalition values, per replicate.

A coalition is a bit mask over ``n`` components (bit ``k`` set: component ``k`` is in).
Its value is an array shaped (replicates, metrics): one outcome per replicate campaign and
metric, all coalitions on common random numbers. Because the Shapley value is linear in the
coalition values, it is computed replicate by replicate; its mean over replicates is the
Shapley value of the mean outcome, and the spread over replicates gives a t-interval.

- **Exact** (``exact_shapley``): all ``2^n`` coalitions, the classic weights
  ``|S|! (n - |S| - 1)! / n!``.
- **Sampled** (``sampled_shapley``): ``P`` random orders of the components; a component's
  value is its mean marginal contribution over the orders. The Monte Carlo standard error is
  the standard deviation over orders of the (replicate-mean) marginal contribution divided
  by sqrt(P). Every order's marginals add up to ``v(all) - v(none)``, so the sampled values
  keep efficiency exactly.

Nothing here runs a model: the caller evaluates the coalitions (``orders_masks`` names the
ones sampled orders need).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass
class Attribution:
    """Shapley values per replicate, with their Monte Carlo error.

    Attributes:
        phi: (components, replicates, metrics) per-replicate Shapley values.
        mc_se: (components, metrics) Monte Carlo standard error of the replicate-mean value
            (zeros when exact).
        exact: whether every coalition was evaluated.
        orders: sampled orders (0 when exact).
    """

    phi: np.ndarray
    mc_se: np.ndarray
    exact: bool
    orders: int = 0


def full_mask(n: int) -> int:
    """The grand coalition's mask."""
    return (1 << n) - 1


def popcount(mask: int) -> int:
    """Members of a coalition."""
    return int(mask).bit_count()


def exact_shapley(n: int, values: Mapping[int, np.ndarray]) -> Attribution:
    """Exact Shapley values from the values of all ``2^n`` coalitions.

    Args:
        n: number of components.
        values: mask -> array (replicates, metrics) for every mask ``0 .. 2^n - 1``.

    Returns:
        The attribution (``mc_se`` zero).

    Raises:
        KeyError: a coalition's value is missing.
    """
    weight = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    shape = np.asarray(values[0]).shape
    phi = np.zeros((n, *shape))
    for mask in range(1 << n):
        size = popcount(mask)
        for k in range(n):
            bit = 1 << k
            if not mask & bit:
                phi[k] += weight[size] * (np.asarray(values[mask | bit]) - values[mask])
    return Attribution(phi=phi, mc_se=np.zeros((n, shape[-1])), exact=True)


def random_orders(n: int, count: int, seed: int) -> np.ndarray:
    """``count`` random orders of ``n`` components (rows), from a seeded generator."""
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(n) for _ in range(count)], dtype=np.int64).reshape(count, n)


def orders_masks(orders: np.ndarray) -> list[int]:
    """Every coalition the sampled orders pass through (each prefix of each order), sorted."""
    masks = {0}
    for order in orders:
        mask = 0
        for k in order:
            mask |= 1 << int(k)
            masks.add(mask)
    return sorted(masks)


def sampled_shapley(orders: np.ndarray, values: Mapping[int, np.ndarray]) -> Attribution:
    """Shapley values estimated from sampled orders.

    Args:
        orders: (P, n) orders of the components (``random_orders``).
        values: mask -> array (replicates, metrics) for every mask of ``orders_masks``.

    Returns:
        The attribution with its Monte Carlo standard errors.
    """
    count, n = orders.shape
    shape = np.asarray(values[0]).shape
    marginal = np.zeros((count, n, *shape))
    for p, order in enumerate(orders):
        mask = 0
        for k in order:
            bit = 1 << int(k)
            marginal[p, k] = np.asarray(values[mask | bit]) - values[mask]
            mask |= bit
    phi = marginal.mean(axis=0)
    per_order = marginal.mean(axis=2)  # (P, n, metrics): replicate means
    if count > 1:
        mc_se = per_order.std(axis=0, ddof=1) / math.sqrt(count)
    else:
        mc_se = np.full((n, shape[-1]), np.nan)
    return Attribution(phi=phi, mc_se=mc_se, exact=False, orders=count)


def interval(values: np.ndarray, mc_se: float = 0.0) -> tuple[float, float, float]:
    """Mean and 95% interval of per-replicate values, widened by a Monte Carlo error.

    The interval is the Student-t interval over replicates; with a Monte Carlo standard
    error (sampled orders, common to every replicate) its half-width is combined in
    quadrature with ``1.96 * mc_se``.

    Args:
        values: one value per replicate.
        mc_se: the Monte Carlo standard error of the mean (0 when exact).

    Returns:
        ``(mean, low, high)``; with one replicate the t part is 0.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if not x.size:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    half = 0.0
    if x.size > 1:
        half = float(stats.t.ppf(0.975, x.size - 1)) * float(x.std(ddof=1)) / math.sqrt(x.size)
    if mc_se and math.isfinite(mc_se):
        half = math.hypot(half, 1.96 * mc_se)
    return mean, mean - half, mean + half
