"""Pattern targets: the figures a strategy's run offers, and the loss of a target.

**The target language.** A target names a *figure* of a *strategy*'s run as
``<strategy>.<figure>`` (``sop.conversion_rate``), optionally divided by another one
(``over: sop.conversion_rate``), and the values allowed: ``min``, ``max``, both (a range) or
``value``. Examples (YAML, in ``calibration.targets``)::

    - {metric: sop.conversion_rate, min: 0.08, max: 0.12}             # in [0.08, 0.12]
    - {metric: layered.conversion_rate, over: sop.conversion_rate, min: 2}   # ratio >= 2
    - {metric: layered.offer_window_share, min: 0.4}
    - {metric: sop.dau_day14, over: sop.dau_day3, max: 0.5}
    - {metric: sop.conversion_rate, value: 0.1}

A figure is the mean over the run's replicates (NaN replicates left out); a ratio is the ratio
of the two means. The strategy label is a shipped strategy's name (``sop``, ``layered``) or a
label given a plan file under ``calibration.strategies``; ``campaign`` is the campaign's run.

**The loss.** A target with allowed range ``[lo, hi]`` and figure ``x`` costs
``weight * (d / scale)^2`` where ``d = max(lo - x, 0, x - hi)`` is the distance outside the
range; ``scale`` defaults to the range's width, else the size of the bound or value, else 1.
A ratio over zero is infinite (of the numerator's sign; NaN for 0 / 0). A figure that cannot
be computed (NaN), or an infinite one outside its range, costs ``weight * NAN_LOSS``. The
pattern loss is the sum over targets: 0 when every target holds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.validation import ConfigError

from .settings import TargetSpec

if TYPE_CHECKING:
    from sim.engine import Engine

NAN_LOSS = 100.0
ALIASES = {"conversion": "conversion_rate"}
DAILY = re.compile(r"^(dau|purchases)_day(\d+)$")

FIGURE_DOCS: dict[str, str] = {
    "<column of replicate_metrics>": (
        "conversion_rate, conversion_core, conversion_influence, conversion_peripheral, "
        "peak48_share, offer_window_share, offer_window_day, days_to_first_purchase, revenue, "
        "staff_minutes, money_spent, cost, cost_per_buyer, roi, churn_rate, dormant_share, "
        "members_ever, buyers, active_final, active_last_day (docs: FIELD_DOCS['replicates.csv'])"
    ),
    "conversion": "the same as conversion_rate",
    "conversion_max_layer": "the highest of the three layers' mean conversions",
    "dormant_or_left_share": "dormant_share + churn_rate at the campaign's end",
    "dau_day<N>": "members who opened the group on day N (daily.csv's active)",
    "purchases_day<N>": "purchases on day N",
}


def replicate_figures(engine: Engine) -> dict[str, np.ndarray]:
    """Every fixed figure of a finished run, one value per replicate.

    Args:
        engine: an engine that has run.

    Returns:
        Figure name -> values shaped (replicates,). The per-day figures (``dau_day<N>``,
        ``purchases_day<N>``) are computed by ``daily_figure``.
    """
    from sim.outputs import replicate_metrics

    m = replicate_metrics(engine)
    out = {c: m[c].to_numpy(dtype=float) for c in m.columns if c != "replicate"}
    layers = np.stack([out[f"conversion_{x}"] for x in ("core", "influence", "peripheral")])
    with np.errstate(all="ignore"):
        out["conversion_max_layer"] = np.nanmax(np.nanmean(layers, axis=1)) * np.ones(
            engine.replicates
        )
    out["dormant_or_left_share"] = out["dormant_share"] + out["churn_rate"]
    return out


def daily_figure(engine: Engine, figure: str) -> np.ndarray:
    """A per-day figure (``dau_day<N>`` or ``purchases_day<N>``) per replicate."""
    match = DAILY.match(figure)
    assert match is not None
    kind, day = match.group(1), int(match.group(2))
    rec = engine.recorder
    if kind == "dau":
        return rec.active_today[24 * day - 1].astype(float)
    return rec.purchases[24 * (day - 1) : 24 * day].sum(axis=0).astype(float)


def figure_names(engine: Engine) -> list[str]:
    """The fixed figure names a run offers (for messages)."""
    return sorted(replicate_figures(engine))


def check_figure(figure: str, fixed: list[str], days: int, where: str) -> str:
    """Check a figure name; return it with aliases resolved.

    Raises:
        ConfigError: an unknown figure, or a day outside the campaign.
    """
    figure = ALIASES.get(figure, figure)
    match = DAILY.match(figure)
    if match:
        day = int(match.group(2))
        if not 1 <= day <= days:
            raise ConfigError(
                f"{where} = {figure!r}: day {day} is outside the campaign (1..{days})"
            )
        return figure
    if figure not in fixed:
        raise ConfigError(
            f"{where}: unknown figure {figure!r}; allowed: {', '.join(fixed)}, conversion, "
            "dau_day<N>, purchases_day<N>"
        )
    return figure


def split_ref(ref: str, where: str) -> tuple[str, str]:
    """Split ``<strategy>.<figure>`` into its two parts.

    Raises:
        ConfigError: no dot, or an empty part.
    """
    label, dot, figure = str(ref).partition(".")
    if not dot or not label or not figure:
        raise ConfigError(
            f"{where} = {ref!r}: expected <strategy>.<figure>, e.g. sop.conversion_rate"
        )
    return label, figure


def figure_mean(
    label: str, figure: str, engines: dict[str, Engine], cache: dict[str, dict]
) -> np.ndarray:
    """The per-replicate values of ``figure`` in the run of ``label``."""
    if label not in cache:
        cache[label] = replicate_figures(engines[label])
    if figure not in cache[label]:
        cache[label][figure] = daily_figure(engines[label], figure)
    return cache[label][figure]


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def target_value(target: TargetSpec, value_of: Callable[[str, str], np.ndarray]) -> float:
    """The figure a target constrains: a mean, or a ratio of two means (NaN if undefined)."""
    label, figure = split_ref(target.metric, "metric")
    x = _mean(value_of(label, ALIASES.get(figure, figure)))
    if not target.over:
        return x
    label, figure = split_ref(target.over, "over")
    y = _mean(value_of(label, ALIASES.get(figure, figure)))
    if y == 0:  # x / 0: infinite (of x's sign) when x is not 0, else undefined
        return math.copysign(math.inf, x) if x and math.isfinite(x) else math.nan
    return x / y


def target_loss(target: TargetSpec, x: float) -> float:
    """The loss of one target at figure ``x`` (see the module docstring)."""
    if math.isnan(x):
        return target.weight * NAN_LOSS
    low, high = target.bounds()
    d = max(low - x, 0.0, x - high)
    if not math.isfinite(d):  # an infinite ratio outside its range
        return target.weight * NAN_LOSS
    return target.weight * (d / target.loss_scale()) ** 2
