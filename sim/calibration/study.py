"""The calibration study: check everything, run Optuna trials on common random numbers.

``prepare`` checks a calibration before anything is simulated (parameters against the model's
ranges, targets' strategies and figures, the campaign CSV) and returns a ``Problem`` of plain,
picklable objects. ``evaluate`` runs one trial: every strategy needed (the target labels and
the campaign) with the trial's parameter values, all replicates batched in one engine each,
always on the same seed (common random numbers: two trials differ by their parameters, not by
fresh members, graphs or draws). Its loss is the pattern loss (``sim.calibration.targets``)
plus the campaign's negative log-likelihood (``sim.calibration.campaign``). ``run_study``
drives Optuna by ask-and-tell, ``n_jobs`` trials at a time in worker processes, with a
progress bar; ``spread`` reads the parameters' spread from the trials near the best.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.analysis.space import ParameterRange, check_space, coerce, with_values
from sim.engine import Engine
from sim.engine.params import ModelParams
from sim.engine.validation import ConfigError
from sim.plans import load_strategy

from .campaign import Observed, nb_nll, read_campaign, simulated_series
from .settings import CalibrationSettings, check_settings
from .targets import check_figure, figure_mean, figure_names, split_ref, target_loss, target_value

CAMPAIGN = "campaign"


@dataclass
class Problem:
    """A checked calibration, ready to run (plain objects only: picklable).

    Attributes:
        settings: the calibration settings.
        names: the fitted parameters' paths.
        types: each fitted field's type (``float`` or ``int``).
        base: the base value of each fitted parameter.
        runs: label -> the model parameters of that strategy's run (before the trial's values).
        sources: label -> the plan file of that run.
        observed: the campaign's data, or None.
        seed: the seed of every trial (common random numbers).
        replicates: replicate campaigns per strategy and trial.
    """

    settings: CalibrationSettings
    names: list[str]
    types: list[type]
    base: list[float]
    runs: dict[str, ModelParams]
    sources: dict[str, str]
    observed: Observed | None
    seed: int
    replicates: int


@dataclass
class Outcome:
    """One trial's result.

    Attributes:
        values: the parameter values run.
        loss: the objective (pattern loss + campaign negative log-likelihood).
        figures: each target's figure.
        target_losses: each target's loss.
        nll: each fitted series' negative log-likelihood.
        series: the campaign's simulated series, (days, replicates) each (empty: no campaign).
        seconds: the trial's run time.
    """

    values: list[float]
    loss: float
    figures: list[float] = field(default_factory=list)
    target_losses: list[float] = field(default_factory=list)
    nll: dict[str, float] = field(default_factory=dict)
    series: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0


# ----------------------------------------------------------------------- checking
def _default_name(key: str) -> str:
    return f"calibration.{key}"


def _run_params(base: ModelParams, plan: str, where: str) -> tuple[ModelParams, str]:
    """``base`` with the plan (and the plan file's own settings) of a strategy or file."""
    try:
        plan_obj, settings, source = load_strategy(plan)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    params = copy.deepcopy(base)
    if settings:
        merged = OmegaConf.merge(OmegaConf.structured(params), settings)
        params = OmegaConf.to_object(merged)  # type: ignore[assignment]
    params.strategy = plan_obj
    return params, source


def prepare(
    base: ModelParams,
    seed: int,
    replicates: int,
    settings: CalibrationSettings,
    name: Callable[[str], str] | None = None,
) -> Problem:
    """Check a calibration; nothing is run or written.

    Args:
        base: the model parameters the fitted ones are set on (the config's).
        seed: the seed of every trial.
        replicates: replicate campaigns per strategy and trial.
        settings: the calibration.
        name: the text naming a setting in errors (file and field), by key.

    Returns:
        The checked problem.

    Raises:
        ConfigError, GraphInputError: a setting or file that cannot be used.
    """
    name = name or _default_name
    if replicates < 1:
        raise ConfigError(f"replicates = {replicates}: must be at least 1")
    check_settings(settings, name)
    runs: dict[str, ModelParams] = {}
    sources: dict[str, str] = {}
    observed = None
    camp = settings.campaign
    if camp.data:
        params, source = _run_params(base, camp.plan, name("campaign.plan"))
        if camp.members:
            params.population.members = int(camp.members)
        runs[CAMPAIGN], sources[CAMPAIGN] = params, source
        observed = read_campaign(camp.data, params.days, list(camp.series))
    fixed: list[str] | None = None
    for i, t in enumerate(settings.targets):
        at = f"{name('targets')}[{i}]"
        for key in ("metric", "over"):
            ref = getattr(t, key)
            if key == "over" and not ref:
                continue
            label, figure = split_ref(ref, f"{at}.{key}")
            if label not in runs:
                if label == CAMPAIGN:
                    raise ConfigError(
                        f"{at}.{key} = {ref!r}: 'campaign' names the campaign's run, and "
                        f"{name('campaign.data')} is empty"
                    )
                plan = settings.strategies.get(label, label)
                runs[label], sources[label] = _run_params(base, plan, f"{at}.{key}")
            if fixed is None:
                fixed = figure_names(Engine(runs[label], seed=seed, replicates=1))
            check_figure(figure, fixed, runs[label].days, f"{at}.{key}")
    for label, params in runs.items():
        Engine(params, seed=seed, replicates=1, plan_source=sources[label])  # checks the plan
    ranges = [ParameterRange(p.name, p.low, p.high) for p in settings.parameters]
    _, types = check_space(next(iter(runs.values())), ranges, name("parameters"))
    first = next(iter(runs.values()))
    base_values = [_get(first, p.name) for p in settings.parameters]
    names = [p.name for p in settings.parameters]
    return Problem(settings, names, types, base_values, runs, sources, observed, seed, replicates)


def _get(params: ModelParams, path: str) -> float:
    obj: Any = params
    for part in path.split("."):
        obj = getattr(obj, part)
    return float(obj)


# ----------------------------------------------------------------------- one trial
def evaluate(problem: Problem, values: list[float]) -> Outcome:
    """Run one trial: every strategy needed, with ``values`` set, on the problem's seed.

    Returns:
        The trial's loss, figures, per-target losses, per-series NLL and campaign series.
    """
    start = time.perf_counter()
    engines: dict[str, Engine] = {}
    for label, params in problem.runs.items():
        trial = with_values(params, problem.names, values, problem.types)
        engines[label] = Engine(trial, seed=problem.seed, replicates=problem.replicates).run()
    cache: dict[str, dict] = {}

    def value_of(label: str, figure: str) -> np.ndarray:
        return figure_mean(label, figure, engines, cache)

    targets = problem.settings.targets
    figures = [target_value(t, value_of) for t in targets]
    losses = [target_loss(t, x) for t, x in zip(targets, figures, strict=True)]
    nll: dict[str, float] = {}
    series: dict[str, np.ndarray] = {}
    if problem.observed is not None:
        sim = simulated_series(engines[CAMPAIGN])
        series = {k: sim[k] for k in problem.observed.series}
        nll = {k: nb_nll(y, sim[k]) for k, y in problem.observed.series.items()}
    loss = float(sum(losses) + sum(nll.values()))
    values = [float(coerce(v, tp)) for v, tp in zip(values, problem.types, strict=True)]
    seconds = time.perf_counter() - start
    return Outcome(values, loss, figures, losses, nll, series, seconds)


# ----------------------------------------------------------------------- the study
def _distributions(problem: Problem) -> dict[str, Any]:
    from optuna.distributions import FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for p, tp in zip(problem.settings.parameters, problem.types, strict=True):
        if tp is int:
            out[p.name] = IntDistribution(int(p.low), int(p.high), log=p.log)
        else:
            out[p.name] = FloatDistribution(float(p.low), float(p.high), log=p.log)
    return out


def _sampler(problem: Problem) -> Any:
    import optuna

    s = problem.settings
    if s.sampler == "random":
        return optuna.samplers.RandomSampler(seed=s.sampler_seed)
    if s.sampler == "qmc":
        return optuna.samplers.QMCSampler(seed=s.sampler_seed, scramble=True)
    startup = max(1, min(10, s.trials // 3))
    return optuna.samplers.TPESampler(seed=s.sampler_seed, n_startup_trials=startup)


def _workers(n_jobs: int) -> int:
    import os

    cores = os.cpu_count() or 1
    return cores if n_jobs < 0 else n_jobs


def run_study(problem: Problem, progress: bool = True) -> tuple[Any, list[Outcome]]:
    """Run the Optuna study by ask-and-tell, ``n_jobs`` trials at a time.

    Args:
        problem: the checked calibration.
        progress: show a progress bar (tqdm, on stderr).

    Returns:
        The Optuna study and each trial's outcome, in trial order.
    """
    import optuna
    from joblib import Parallel, delayed
    from tqdm import tqdm

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = problem.settings
    study = optuna.create_study(direction="minimize", sampler=_sampler(problem))
    dists = _distributions(problem)
    inside = all(p.low <= b <= p.high for p, b in zip(s.parameters, problem.base, strict=True))
    if s.start_at_base and inside:
        study.enqueue_trial(dict(zip(problem.names, problem.base, strict=True)))
    workers = max(1, min(_workers(s.n_jobs), s.trials))
    outcomes: list[Outcome] = []
    bar = tqdm(total=s.trials, desc="calibration", unit="trial", disable=not progress)
    with Parallel(n_jobs=workers) as parallel:
        while len(outcomes) < s.trials:
            batch = [study.ask(dists) for _ in range(min(workers, s.trials - len(outcomes)))]
            points = [[t.params[n] for n in problem.names] for t in batch]
            if workers == 1:
                done = [evaluate(problem, points[0])]
            else:
                done = parallel(delayed(evaluate)(problem, v) for v in points)
            for trial, outcome in zip(batch, done, strict=True):
                study.tell(trial, outcome.loss)
                outcomes.append(outcome)
                best = min(o.loss for o in outcomes)
                bar.set_postfix(best=f"{best:.4g}", refresh=False)
                bar.update(1)
    bar.close()
    return study, outcomes


# ----------------------------------------------------------------------- tables
def history_table(problem: Problem, outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per trial: its values, loss, each target's figure and loss, each series' NLL."""
    rows = []
    for i, o in enumerate(outcomes):
        row: dict[str, Any] = {"trial": i, "loss": o.loss}
        row |= dict(zip(problem.names, o.values, strict=True))
        for k in range(len(problem.settings.targets)):
            row[f"target{k}_figure"] = o.figures[k]
            row[f"target{k}_loss"] = o.target_losses[k]
        for series, value in o.nll.items():
            row[f"nll_{series}"] = value
        row["seconds"] = o.seconds
        rows.append(row)
    return pd.DataFrame(rows)


def spread(problem: Problem, history: pd.DataFrame) -> pd.DataFrame:
    """The parameters' spread: the range of each over the trials near the best.

    The set is every trial whose loss is within ``threshold`` of the best's (with a campaign
    and no targets, the default 1.92 makes it a likelihood-ratio 95% set: each parameter's
    range over it approximates its profile-likelihood interval, as far as the trials sample
    it).

    Returns:
        One row per parameter: name, low and high (searched), best, set_low, set_high,
        set_trials, share_of_range ((set_high - set_low) / (high - low): near 0 pins the
        parameter down, near 1 leaves it free), threshold.
    """
    threshold = problem.settings.threshold()
    best_i = int(history["loss"].idxmin())
    near = history[history["loss"] <= history["loss"].min() + threshold]
    rows = []
    for p in problem.settings.parameters:
        lo, hi = float(near[p.name].min()), float(near[p.name].max())
        width = (math.log(p.high) - math.log(p.low)) if p.log else p.high - p.low
        span = (math.log(hi) - math.log(lo)) if p.log else hi - lo
        rows.append(
            {
                "parameter": p.name,
                "low": p.low,
                "high": p.high,
                "log": p.log,
                "best": float(history.loc[best_i, p.name]),
                "set_low": lo,
                "set_high": hi,
                "set_trials": len(near),
                "share_of_range": span / width if width else math.nan,
                "threshold": threshold,
            }
        )
    return pd.DataFrame(rows)
