"""Global sensitivity analysis of the simulator (SALib): designs, evaluation, indices, noise.

The analysis varies model parameters (a ``ParameterRange`` list, see ``sim.analysis.space``)
around a base ``ModelParams`` and measures columns of ``sim.outputs.replicate_metrics``:

1. **Design.** Morris trajectories (``SALib.sample.morris``: ``trajectories`` x (D + 1) points
   on a grid of ``levels``) and/or a Sobol' design (``SALib.sample.sobol``, Saltelli's scheme
   without second order: ``base_samples`` x (D + 2) points).
2. **Evaluation.** Each point is one ``Engine(params, seed=seed, replicates=k)``: the base
   parameters with the point's values set by path, all ``k`` replicates batched in one engine.
   Every point uses the *same* seed (common random numbers), so two points differ by their
   parameters, not by fresh members, graphs and draws. The output of a point is the mean over
   its replicates (NaN replicates left out); points run in parallel with joblib.
3. **Indices.** Morris: ``mu``, ``mu_star`` (with its bootstrap interval) and ``sigma`` per
   parameter and output, ranked by ``mu_star``. Sobol: first-order ``S1`` and total ``ST``
   with SALib's bootstrap intervals, ranked by ``ST``.
4. **Replicate noise.** Each point's replicate standard error. For Morris, each step's
   elementary effect per replicate (both points share the seed, so replicate i is paired),
   hence the standard error of one effect and of ``mu``. A parameter counts as an effect
   when ``mu_star`` exceeds twice the standard error of one effect, or when ``mu`` is of one
   sign beyond its replicate-noise interval (a t-interval over the replicates' own ``mu``);
   otherwise it is marked indistinguishable from noise. For Sobol, the share of the
   output's variance over the design that is replicate noise of the point means, beside
   SALib's bootstrap intervals.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import Engine
from sim.engine.params import ModelParams
from sim.engine.validation import ConfigError

from .indices import morris_indices, point_means, replicate_se, sobol_indices
from .space import ParameterRange, check_space, coerce, with_values

METHODS: tuple[str, ...] = ("morris", "sobol", "both")


@dataclass
class SensitivitySettings:
    """What a sensitivity analysis varies, measures and how large it is.

    Attributes:
        method: ``morris`` (screening), ``sobol`` (variance-based) or ``both``.
        parameters: the varied model parameters with their ranges.
        outputs: columns of ``sim.outputs.replicate_metrics`` analysed.
        trajectories: Morris trajectories ``r`` (each costs D + 1 engine runs).
        levels: Morris grid levels ``p`` (even; the step is p / (2 (p - 1)) of the range).
        base_samples: Sobol base samples ``N`` (a power of 2; costs N x (D + 2) engine runs).
        design_seed: seed of the SALib designs and of their bootstrap intervals.
        n_jobs: parallel workers for the evaluation (joblib; -1: all cores, 1: in process).
        num_resamples: bootstrap resamples for the confidence intervals.
        conf_level: confidence level of the intervals.
        output: the folder the analysis is written to.
    """

    method: str = "morris"
    parameters: list[ParameterRange] = field(default_factory=list)
    outputs: list[str] = field(default_factory=lambda: ["conversion_rate", "peak48_share"])
    trajectories: int = 20
    levels: int = 4
    base_samples: int = 64
    design_seed: int = 0
    n_jobs: int = -1
    num_resamples: int = 1000
    conf_level: float = 0.95
    output: str = "results/sensitivity"

    @property
    def designs(self) -> list[str]:
        """The designs run: ``["morris"]``, ``["sobol"]`` or both."""
        return ["morris", "sobol"] if self.method == "both" else [self.method]


@dataclass
class Plan:
    """A checked analysis, ready to run: plain objects only (picklable)."""

    base: ModelParams
    seed: int
    replicates: int
    settings: SensitivitySettings
    problem: dict[str, Any]
    types: list[type]


@dataclass
class Result:
    """A finished analysis.

    Attributes:
        plan: what was run.
        samples: one row per evaluated point: design, sample, the parameter values set, each
            output's mean over replicates and its standard error (``<output>_se``).
        morris: Morris indices (one row per output and parameter), or None.
        sobol: Sobol indices (one row per output and parameter), or None.
        noise: one row per output: replicate standard errors and what they mean for the
            indices.
        notes: caveats (outputs skipped for NaN values, degenerate variances...).
        wall_seconds: time taken by the evaluation and the analysis.
        values: per design, the outputs per point and replicate, shaped (points,
            replicates, outputs), points in the order of ``samples``.
    """

    plan: Plan
    samples: pd.DataFrame
    morris: pd.DataFrame | None
    sobol: pd.DataFrame | None
    noise: pd.DataFrame
    notes: list[str]
    wall_seconds: float
    values: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def engine_runs(self) -> int:
        """Engines run: one per sample point."""
        return len(self.samples)

    @property
    def campaigns(self) -> int:
        """Replicate campaigns simulated: points x replicates."""
        return len(self.samples) * self.plan.replicates


# ----------------------------------------------------------------------- checking
def _default_name(key: str) -> str:
    return f"sensitivity.{key}"


def check_settings(
    settings: SensitivitySettings, columns: Sequence[str], name: Callable[[str], str] | None = None
) -> None:
    """Check the method, the sizes and the outputs of an analysis.

    Args:
        settings: the analysis settings.
        columns: the columns ``replicate_metrics`` gives (the outputs allowed).
        name: the text naming a setting in errors (file and field), by key.

    Raises:
        ConfigError: naming the setting and what is allowed.
    """
    name = name or _default_name
    s = settings
    if s.method not in METHODS:
        raise ConfigError(
            f"{name('method')} = {s.method!r}: allowed values are {', '.join(METHODS)}"
        )
    if not s.outputs:
        raise ConfigError(f"{name('outputs')}: empty; allowed: {', '.join(columns)}")
    for i, out in enumerate(s.outputs):
        if out not in columns:
            raise ConfigError(
                f"{name('outputs')}[{i}] = {out!r}: not a column of replicate_metrics; "
                f"allowed: {', '.join(columns)}"
            )
    if len(set(s.outputs)) != len(s.outputs):
        raise ConfigError(f"{name('outputs')} = {s.outputs}: an output is listed twice")
    if "morris" in s.designs:
        if s.trajectories < 2:
            raise ConfigError(f"{name('trajectories')} = {s.trajectories}: must be at least 2")
        if s.levels < 2 or s.levels % 2:
            raise ConfigError(f"{name('levels')} = {s.levels}: must be an even number, >= 2")
    if "sobol" in s.designs:
        n = s.base_samples
        if n < 2 or n & (n - 1):
            raise ConfigError(
                f"{name('base_samples')} = {n}: must be a power of 2 (e.g. 64, 128, 256)"
            )
    if s.n_jobs == 0:
        raise ConfigError(f"{name('n_jobs')} = 0: use -1 (all cores), 1 (in process) or more")
    if s.num_resamples < 2:
        raise ConfigError(f"{name('num_resamples')} = {s.num_resamples}: must be at least 2")
    if not 0 < s.conf_level < 1:
        raise ConfigError(f"{name('conf_level')} = {s.conf_level}: must be between 0 and 1")
    if not s.output:
        raise ConfigError(f"{name('output')}: empty; give the folder to write to")


def prepare(
    base: ModelParams,
    seed: int,
    replicates: int,
    settings: SensitivitySettings,
    name: Callable[[str], str] | None = None,
) -> Plan:
    """Check everything an analysis needs before it runs; nothing is run or written.

    The base parameters are built into an engine (the plan, graph and ranges are checked),
    the outputs are checked against the columns of ``replicate_metrics``, and the parameter
    space with ``check_space`` (every bound and every corner of the box).

    Args:
        base: the base parameters (the varied ones are set per point).
        seed: the seed of every point (common random numbers).
        replicates: replicate campaigns per point.
        settings: the analysis settings.
        name: the text naming a setting in errors (file and field), by key.

    Returns:
        The checked plan.

    Raises:
        ConfigError, GraphInputError: a setting that cannot be used.
    """
    from sim.outputs import replicate_metrics

    name = name or _default_name
    if replicates < 1:
        raise ConfigError(f"replicates = {replicates}: must be at least 1")
    engine = Engine(base, seed=seed, replicates=1)
    columns = [c for c in replicate_metrics(engine).columns if c != "replicate"]
    check_settings(settings, columns, name)
    problem, types = check_space(base, settings.parameters, name("parameters"))
    return Plan(base, int(seed), int(replicates), settings, problem, types)


# ----------------------------------------------------------------------- designs
def morris_design(plan: Plan) -> np.ndarray:
    """Morris trajectories: ``trajectories`` x (D + 1) points, one parameter moved per step."""
    from SALib.sample import morris as morris_sample

    s = plan.settings
    return morris_sample.sample(
        plan.problem, s.trajectories, num_levels=s.levels, seed=s.design_seed
    )


def sobol_design(plan: Plan) -> np.ndarray:
    """Saltelli's Sobol' design without second order: ``base_samples`` x (D + 2) points."""
    from SALib.sample import sobol as sobol_sample

    s = plan.settings
    return sobol_sample.sample(
        plan.problem, s.base_samples, calc_second_order=False, seed=s.design_seed
    )


# ----------------------------------------------------------------------- evaluation
def evaluate_point(
    base: ModelParams,
    names: Sequence[str],
    types: Sequence[type],
    values: Sequence[float],
    *,
    seed: int,
    replicates: int,
    outputs: Sequence[str],
) -> np.ndarray:
    """Run one sample point: one engine with every replicate batched in it.

    Returns:
        The outputs per replicate, shaped (replicates, outputs).
    """
    from sim.outputs import replicate_metrics

    params = with_values(base, names, values, types)
    engine = Engine(params, seed=seed, replicates=replicates)
    engine.run()
    return replicate_metrics(engine)[list(outputs)].to_numpy(dtype=float)


def print_progress(done: int, total: int, elapsed: float) -> None:
    """Print ``evaluated done/total points, elapsed, time left`` (flushed)."""
    left = elapsed / done * (total - done) if done else float("nan")
    print(
        f"evaluated {done}/{total} points ({100 * done / total:.0f}%), "
        f"{elapsed:.0f} s elapsed, about {left:.0f} s left",
        flush=True,
    )


def evaluate(
    plan: Plan, x: np.ndarray, progress: Callable[[int, int, float], None] | None = None
) -> np.ndarray:
    """Evaluate every row of ``x`` (in parallel when ``n_jobs`` != 1).

    Args:
        plan: the checked analysis.
        x: the points, shaped (points, D).
        progress: called as ``progress(done, total, elapsed_seconds)`` about every 5% of the
            points and at the end.

    Returns:
        The outputs, shaped (points, replicates, outputs).
    """
    from joblib import Parallel, delayed

    names = plan.problem["names"]
    s = plan.settings
    total = len(x)
    jobs = (
        delayed(evaluate_point)(
            plan.base,
            names,
            plan.types,
            row.tolist(),
            seed=plan.seed,
            replicates=plan.replicates,
            outputs=s.outputs,
        )
        for row in x
    )
    every = max(1, math.ceil(total / 20))
    start = time.perf_counter()
    out = []
    for i, y in enumerate(Parallel(n_jobs=s.n_jobs, return_as="generator")(jobs), start=1):
        out.append(y)
        if progress is not None and (i % every == 0 or i == total):
            progress(i, total, time.perf_counter() - start)
    return np.stack(out)


# ----------------------------------------------------------------------- the whole analysis
def samples_table(plan: Plan, design: str, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """One row per point: design, sample, the values set, each output's mean and SE."""
    names = plan.problem["names"]
    cols: dict[str, Any] = {"design": design, "sample": np.arange(len(x))}
    for i, (n, tp) in enumerate(zip(names, plan.types, strict=True)):
        cols[n] = [coerce(v, tp) for v in x[:, i]]
    means, se = point_means(y), replicate_se(y)
    for o, output in enumerate(plan.settings.outputs):
        cols[output] = means[:, o]
        cols[f"{output}_se"] = se[:, o]
    cols["replicates"] = plan.replicates
    return pd.DataFrame(cols)


def noise_table(
    plan: Plan, samples: pd.DataFrame, morris: dict[str, dict], sobol: dict[str, dict]
) -> pd.DataFrame:
    """One row per output: the replicate noise and what it means for the indices."""
    rows = []
    for output in plan.settings.outputs:
        se = samples[f"{output}_se"]
        row: dict[str, Any] = {
            "output": output,
            "replicates": plan.replicates,
            "mean_se": float(se.mean()) if se.notna().any() else math.nan,
            "mean_value": float(samples[output].mean()),
        }
        row |= morris.get(output, {})
        row |= sobol.get(output, {})
        rows.append(row)
    return pd.DataFrame(rows)


def run(plan: Plan, progress: Callable[[int, int, float], None] | None = print_progress) -> Result:
    """Sample, evaluate and analyse.

    Args:
        plan: the checked analysis (``prepare``).
        progress: progress printer (``None``: silent).

    Returns:
        The result: samples, indices, noise and notes.
    """
    start = time.perf_counter()
    designs = {
        "morris": morris_design if "morris" in plan.settings.designs else None,
        "sobol": sobol_design if "sobol" in plan.settings.designs else None,
    }
    xs = {name: make(plan) for name, make in designs.items() if make is not None}
    y_all = evaluate(plan, np.concatenate(list(xs.values())), progress)
    ys, at = {}, 0
    for name, x in xs.items():
        ys[name] = y_all[at : at + len(x)]
        at += len(x)
    notes: list[str] = []
    morris_frame = sobol_frame = None
    morris_noise: dict[str, dict] = {}
    sobol_noise: dict[str, dict] = {}
    if "morris" in xs:
        morris_frame, morris_noise = morris_indices(plan, xs["morris"], ys["morris"], notes)
    if "sobol" in xs:
        sobol_frame, sobol_noise = sobol_indices(plan, ys["sobol"], notes)
    samples = pd.concat(
        [samples_table(plan, name, xs[name], ys[name]) for name in xs], ignore_index=True
    )
    if plan.replicates < 2:
        notes.append("one replicate per point: replicate noise cannot be estimated")
    noise = noise_table(plan, samples, morris_noise, sobol_noise)
    wall = time.perf_counter() - start
    return Result(plan, samples, morris_frame, sobol_frame, noise, notes, wall, ys)
