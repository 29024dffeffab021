"""What a calibration fits, to what, and how long: typed settings and their checks.

A calibration (``configs/calibration/<name>.yaml``, the ``calibration`` key of
``python -m sim.calibrate``) lists:

- ``parameters``: model parameters by dotted path (``purchase.intercept``), each with bounds
  and an optional log scale;
- ``targets``: pattern targets on the figures of one or more strategies
  (``sim.calibration.targets``);
- ``campaign``: a past campaign's daily series in a CSV, with its plan and group size
  (``sim.calibration.campaign``);

at least one of ``targets`` and ``campaign``. The checks here run before anything is
simulated; each failure is one ``ConfigError`` naming the setting and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from omegaconf import MISSING

from sim.engine.validation import ConfigError

SAMPLERS: tuple[str, ...] = ("tpe", "random", "qmc")
CAMPAIGN_THRESHOLD = 1.92  # half the 95% point of chi-square(1): likelihood-ratio set
TARGET_THRESHOLD = 0.1  # pattern loss above the best's still counted as a good fit


@dataclass
class FitParameter:
    """One fitted parameter.

    Attributes:
        name: dotted path of a number field of ``ModelParams`` (``purchase.intercept``).
        low: lower bound of the search.
        high: upper bound (above ``low``).
        log: search on a log scale (both bounds must be positive).
    """

    name: str = MISSING
    low: float = MISSING
    high: float = MISSING
    log: bool = False


@dataclass
class TargetSpec:
    """One pattern target: a figure (or a ratio of two) that must lie in a range.

    Attributes:
        metric: ``<strategy>.<figure>``, e.g. ``sop.conversion_rate`` or ``sop.dau_day14``
            (figures: ``sim.calibration.targets.FIGURE_DOCS``).
        over: optional ``<strategy>.<figure>``: the target is then ``metric / over``.
        min: lowest allowed value (none: unbounded below).
        max: highest allowed value (none: unbounded above).
        value: the single value wanted (instead of ``min``/``max``).
        scale: the distance outside the range that costs a loss of 1 (none: the range's
            width, else the size of the bound or value, else 1).
        weight: multiplies this target's loss.
        note: free text shown in the report (e.g. ``pattern 1``).
    """

    metric: str = MISSING
    over: str = ""
    min: float | None = None
    max: float | None = None
    value: float | None = None
    scale: float | None = None
    weight: float = 1.0
    note: str = ""

    def bounds(self) -> tuple[float, float]:
        """The allowed range ``[low, high]`` (infinite where open)."""
        if self.value is not None:
            return float(self.value), float(self.value)
        low = -math.inf if self.min is None else float(self.min)
        high = math.inf if self.max is None else float(self.max)
        return low, high

    def loss_scale(self) -> float:
        """The distance that costs a loss of 1 (see ``scale``)."""
        if self.scale is not None:
            return float(self.scale)
        low, high = self.bounds()
        if math.isfinite(low) and math.isfinite(high) and high > low:
            return high - low
        finite = [abs(b) for b in (low, high) if math.isfinite(b) and b != 0]
        return max(finite) if finite else 1.0

    def text(self) -> str:
        """The target in words: ``layered.conversion_rate / sop.conversion_rate >= 2``."""
        name = f"{self.metric} / {self.over}" if self.over else self.metric
        low, high = self.bounds()
        if self.value is not None:
            return f"{name} = {self.value:g}"
        if math.isfinite(low) and math.isfinite(high):
            return f"{name} in [{low:g}, {high:g}]"
        if math.isfinite(low):
            return f"{name} >= {low:g}"
        return f"{name} <= {high:g}"


@dataclass
class CampaignSpec:
    """A past campaign to fit: its daily series, its plan and its group size.

    Attributes:
        data: CSV file (columns ``day``, ``purchases`` and optionally ``active``, ``left``;
            see ``sim.calibration.campaign``); empty: no campaign.
        plan: the campaign's plan: a shipped strategy name (``sop``) or a plan YAML file.
        members: members at the start (0: ``population.members``).
        series: the columns fitted (empty: every series column the CSV has).
    """

    data: str = ""
    plan: str = "sop"
    members: int = 0
    series: list[str] = field(default_factory=list)


@dataclass
class CalibrationSettings:
    """A calibration: the parameters fitted, the targets and data, the study's size.

    Attributes:
        name: the calibration's name (the default output folder's name).
        description: what it calibrates and why, in a sentence or two.
        parameters: the fitted parameters with their bounds.
        targets: pattern targets on strategies' figures.
        strategies: label -> shipped strategy name or plan file, for the labels used in
            ``targets`` (a label not listed is a shipped strategy's name).
        campaign: a past campaign to fit (``campaign.data`` empty: none).
        trials: Optuna trials (each runs every strategy needed with ``replicates`` replicates,
            on the same seed: common random numbers).
        sampler: ``tpe`` (Bayesian), ``random`` or ``qmc`` (Sobol quasi-random).
        sampler_seed: seed of the sampler.
        start_at_base: make the first trial the base values (when inside the bounds).
        n_jobs: trials run at once in worker processes (-1: all cores; 1: in process).
        spread_threshold: loss above the best within which trials make up the parameters'
            spread (none: 1.92 with a campaign, the likelihood-ratio 95% set; 0.1 otherwise).
        band: central share of the replicates shaded in the fit figure (0..1).
        output: the folder written.
    """

    name: str = "calibration"
    description: str = ""
    parameters: list[FitParameter] = field(default_factory=list)
    targets: list[TargetSpec] = field(default_factory=list)
    strategies: dict[str, str] = field(default_factory=dict)
    campaign: CampaignSpec = field(default_factory=CampaignSpec)
    trials: int = 50
    sampler: str = "tpe"
    sampler_seed: int = 0
    start_at_base: bool = True
    n_jobs: int = -1
    spread_threshold: float | None = None
    band: float = 0.9
    output: str = "results/calibration/${calibration.name}"

    def threshold(self) -> float:
        """The spread threshold in force (see ``spread_threshold``)."""
        if self.spread_threshold is not None:
            return float(self.spread_threshold)
        return CAMPAIGN_THRESHOLD if self.campaign.data else TARGET_THRESHOLD


def _default_name(key: str) -> str:
    return f"calibration.{key}"


def check_settings(s: CalibrationSettings, name: Callable[[str], str] | None = None) -> None:
    """Check the sizes and choices of a calibration (paths and targets are checked later).

    Args:
        s: the settings.
        name: the text naming a setting in errors (file and field), by key.

    Raises:
        ConfigError: naming the setting and what is allowed.
    """
    name = name or _default_name
    if not s.parameters:
        raise ConfigError(f"{name('parameters')}: empty; list at least one {{name, low, high}}")
    if not s.targets and not s.campaign.data:
        raise ConfigError(
            f"{name('targets')}: empty and no {name('campaign.data')}; give pattern targets, "
            "a campaign CSV, or both"
        )
    if s.trials < 1:
        raise ConfigError(f"{name('trials')} = {s.trials}: must be at least 1")
    if s.sampler not in SAMPLERS:
        raise ConfigError(
            f"{name('sampler')} = {s.sampler!r}: allowed values are {', '.join(SAMPLERS)}"
        )
    if s.n_jobs == 0:
        raise ConfigError(f"{name('n_jobs')} = 0: use -1 (all cores), 1 (in process) or more")
    if not 0 < s.band < 1:
        raise ConfigError(f"{name('band')} = {s.band}: must be between 0 and 1")
    if s.spread_threshold is not None and not s.spread_threshold >= 0:
        raise ConfigError(f"{name('spread_threshold')} = {s.spread_threshold}: must be >= 0")
    if not s.output:
        raise ConfigError(f"{name('output')}: empty; give the folder to write to")
    for i, p in enumerate(s.parameters):
        if p.log and not (p.low > 0 and p.high > 0):
            raise ConfigError(
                f"{name('parameters')}[{i}] ({p.name}): log: true needs positive bounds, got "
                f"low = {p.low!r}, high = {p.high!r}"
            )
    if s.campaign.data and s.campaign.members < 0:
        raise ConfigError(f"{name('campaign.members')} = {s.campaign.members}: must be >= 0")
    for i, t in enumerate(s.targets):
        at = f"{name('targets')}[{i}]"
        if t.value is not None and (t.min is not None or t.max is not None):
            raise ConfigError(f"{at} ({t.metric}): give either value or min/max, not both")
        if t.value is None and t.min is None and t.max is None:
            raise ConfigError(f"{at} ({t.metric}): give value, min, max, or min and max")
        low, high = t.bounds()
        if low > high:
            raise ConfigError(f"{at} ({t.metric}): min = {low:g} is above max = {high:g}")
        if not t.loss_scale() > 0:
            raise ConfigError(f"{at} ({t.metric}): scale = {t.scale!r} must be positive")
        if not t.weight >= 0:
            raise ConfigError(f"{at} ({t.metric}): weight = {t.weight!r} must be >= 0")
