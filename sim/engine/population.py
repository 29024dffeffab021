"""Drawing the members' heterogeneous attributes (docs/ODD.md, section 2).

Every attribute is the inverse CDF of a counter-based uniform indexed by (replicate, slot),
so the population depends on the seed and the population settings only, never on the
strategy. Layers follow graph degree: members are ranked by log-degree plus noise and the
top shares become core, then influence; the rest are peripheral.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaincinv, ndtri

from .params import PopulationParams
from .rng import Streams

# Counter values of the "population" stream, one per attribute. Never renumber.
_ATTR = {
    "layer_noise": 0,
    "need": 1,
    "price": 2,
    "conformity": 3,
    "activity": 4,
    "trust": 5,
    "trust_threshold": 6,
    "herd_threshold": 7,
    "fatigue_threshold": 8,
    "rank_noise": 9,
    "purchase_clock": 10,
    "propensity": 11,
}


@dataclass
class Traits:
    """Fixed member attributes, each shaped (replicates, slots)."""

    layer: np.ndarray  # int8: 0 core, 1 influence, 2 peripheral
    need: np.ndarray
    price_ratio: np.ndarray  # reservation price / list price
    conformity: np.ndarray
    activity: np.ndarray  # chance to open the group in a peak hour, before novelty
    trust0: np.ndarray
    trust_threshold: np.ndarray
    herd_threshold: np.ndarray
    fatigue_threshold: np.ndarray
    rank_noise: np.ndarray  # tie-breaker for random targeting
    purchase_clock: np.ndarray  # Exp(1): the member buys when its summed hazard passes this
    propensity: np.ndarray  # the member's own log-odds of buying (unobserved heterogeneity)


def _beta(u: np.ndarray, mean: np.ndarray, concentration: float) -> np.ndarray:
    mean = np.clip(mean, 1e-3, 1 - 1e-3)
    return betaincinv(mean * concentration, (1 - mean) * concentration, u)


def assign_layers(
    degree: np.ndarray, noise: np.ndarray, members: int, shares: list[float], sigma: float
) -> np.ndarray:
    """Rank members by log-degree plus noise; top shares become core, then influence.

    Outside contacts (slots from ``members`` on) get the layer their score would give
    among the members, so a referred friend of high degree joins as influence or core.
    """
    score = np.log1p(degree) + sigma * noise
    layer = np.full(degree.shape, 2, dtype=np.int8)
    cut_core = np.quantile(score[:, :members], 1 - shares[0], axis=1, keepdims=True)
    cut_infl = np.quantile(score[:, :members], 1 - shares[0] - shares[1], axis=1, keepdims=True)
    layer[score >= cut_infl] = 1
    layer[score >= cut_core] = 0
    return layer


def draw_traits(params: PopulationParams, streams: Streams, degree: np.ndarray) -> Traits:
    """Draw every slot's traits.

    Args:
        params: population settings.
        streams: the run's random streams.
        degree: graph degree, shape (replicates, slots).

    Returns:
        The members' traits.
    """

    def u(name: str) -> np.ndarray:
        return streams.uniform("population", _ATTR[name], precise=True)

    def z(name: str) -> np.ndarray:
        return ndtri(np.clip(u(name), 1e-12, 1 - 1e-12))

    layer = assign_layers(
        degree, z("layer_noise"), params.members, params.layer_shares, params.layer_degree_noise
    )

    def by_layer(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=float)[layer]

    return Traits(
        layer=layer,
        need=_beta(u("need"), by_layer(params.need_mean), params.need_concentration),
        price_ratio=by_layer(params.price_ratio_median)
        * np.exp(params.price_ratio_sigma * z("price")),
        conformity=_beta(
            u("conformity"), by_layer(params.conformity_mean), params.conformity_concentration
        ),
        activity=np.minimum(
            1.0, by_layer(params.activity_median) * np.exp(params.activity_sigma * z("activity"))
        ),
        trust0=_beta(u("trust"), by_layer(params.trust_mean), params.trust_concentration),
        trust_threshold=_beta(
            u("trust_threshold"),
            by_layer(params.trust_threshold_mean),
            params.trust_threshold_concentration,
        ),
        herd_threshold=_beta(
            u("herd_threshold"),
            np.full(layer.shape, params.herd_threshold_mean),
            params.herd_threshold_concentration,
        ),
        fatigue_threshold=_beta(
            u("fatigue_threshold"),
            np.full(layer.shape, params.fatigue_threshold_mean),
            params.fatigue_threshold_concentration,
        ),
        rank_noise=u("rank_noise"),
        purchase_clock=-np.log1p(-u("purchase_clock")),
        propensity=params.propensity_sigma * z("propensity"),
    )
