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
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import Engine
from sim.engine.params import ModelParams
from sim.engine.validation import ConfigError

from .space import ParameterRange, check_space, coerce, with_values

METHODS: tuple[str, ...] = ("morris", "sobol", "both")
NOISE_FACTOR = 2.0  # standard errors an effect must exceed to count (see morris_indices)


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


# ----------------------------------------------------------------------- noise
def replicate_se(y: np.ndarray) -> np.ndarray:
    """Standard error of each point's mean over replicates, shaped (points, outputs).

    NaN replicates are left out; NaN where fewer than two replicates are left.
    """
    n = np.sum(~np.isnan(y), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # fewer than two values: NaN
        sd = np.nanstd(y, axis=1, ddof=1)
    return np.where(n > 1, sd / np.sqrt(np.maximum(n, 1)), np.nan)


def point_means(y: np.ndarray) -> np.ndarray:
    """Each point's mean over its replicates (NaN replicates left out), (points, outputs)."""
    n = np.sum(~np.isnan(y), axis=1)
    total = np.nansum(y, axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def morris_noise(x: np.ndarray, yr: np.ndarray, num_vars: int, levels: int) -> dict[str, Any]:
    """Replicate noise of the Morris elementary effects, per parameter, for one output.

    Along each trajectory, consecutive points differ in one parameter. Replicate ``i`` of both
    points faces the same members, graph and draws (same seed), so the step has an
    elementary effect per replicate, ``sign x (y_i(after) - y_i(before)) / delta``; SALib's
    effect is their mean over replicates. From these:

    - ``ee_se``: the standard error of one elementary effect (the spread of its replicates'
      effects / sqrt(replicates)), root mean square over the parameter's steps;
    - ``ee_se_unpaired``: the same if the two points had independent seeds,
      ``sqrt(se_before^2 + se_after^2) / delta``;
    - ``mu_se``: the standard error of ``mu`` from replicate noise: each replicate's own
      ``mu`` (its effects averaged over the trajectories) varies between replicates; the
      replicates are the independent units, which allows for the same replicates being
      reused by every trajectory;
    - ``mu_replicates``: how many replicates' ``mu`` are defined;
    - ``mu_by_replicate``: those per-replicate ``mu``, shaped (D, replicates).

    Args:
        x: the Morris design, shaped (trajectories x (D + 1), D).
        yr: one output per point and replicate, shaped (points, replicates).
        num_vars: D.
        levels: the Morris grid levels (the step delta is levels / (2 (levels - 1))).

    Returns:
        The arrays above (NaN where fewer than two replicates are defined).
    """
    delta = morris_delta(levels)
    size = num_vars + 1
    effects: list[list[np.ndarray]] = [[] for _ in range(num_vars)]
    paired: list[list[float]] = [[] for _ in range(num_vars)]
    unpaired: list[list[float]] = [[] for _ in range(num_vars)]
    se = replicate_se(yr[:, :, None])[:, 0]
    for t in range(len(x) // size):
        for j in range(t * size + 1, (t + 1) * size):
            moved = np.flatnonzero(x[j] != x[j - 1])
            if moved.size != 1:
                continue
            v = int(moved[0])
            ee = np.sign(x[j, v] - x[j - 1, v]) * (yr[j] - yr[j - 1]) / delta
            effects[v].append(ee)
            ok = ee[~np.isnan(ee)]
            paired[v].append(np.std(ok, ddof=1) / math.sqrt(ok.size) if ok.size > 1 else np.nan)
            unpaired[v].append(math.hypot(se[j], se[j - 1]) / delta)

    def rms(values: list[float]) -> float:
        return float(np.sqrt(np.mean(np.square(values)))) if values else math.nan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicates: NaN
        by_rep = np.stack(
            [
                np.nanmean(np.stack(e), axis=0) if e else np.full(yr.shape[1], np.nan)
                for e in effects
            ]
        )
        n = np.sum(~np.isnan(by_rep), axis=1)
        mu_se = np.where(
            n > 1, np.nanstd(by_rep, axis=1, ddof=1) / np.sqrt(np.maximum(n, 1)), np.nan
        )
    return {
        "ee_se": np.array([rms(v) for v in paired]),
        "ee_se_unpaired": np.array([rms(v) for v in unpaired]),
        "mu_se": mu_se,
        "mu_replicates": n,
        "mu_by_replicate": by_rep,
    }


def morris_delta(levels: int) -> float:
    """The Morris step as a share of a parameter's range: p / (2 (p - 1))."""
    return levels / (2.0 * (levels - 1))


# ----------------------------------------------------------------------- indices
def _valid(y: np.ndarray, output: str, design: str, notes: list[str]) -> bool:
    bad = int(np.isnan(y).sum())
    if bad:
        notes.append(
            f"{design}: {output} is undefined (NaN) at {bad} of {y.size} points; "
            "its indices are not computed"
        )
        return False
    return True


def morris_indices(
    plan: Plan, x: np.ndarray, y: np.ndarray, notes: list[str]
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Morris indices per output and parameter, ranked by ``mu_star`` within each output.

    Args:
        plan: the checked analysis.
        x: the Morris design (points, D).
        y: the outputs per point and replicate (points, replicates, outputs).
        notes: caveats are appended here.

    Returns:
        The table (columns output, rank, parameter, low, high, mu, mu_star, mu_star_conf,
        sigma, ee_se, ee_se_unpaired, mu_se, mu_noise_ci, noise_threshold, distinguishable; see
        ``morris_noise``) and, per output, the root mean square ``ee_se`` and
        ``ee_se_unpaired`` over the parameters.
    """
    from SALib.analyze import morris
    from scipy.stats import t as student_t

    s, problem = plan.settings, plan.problem
    means = point_means(y)
    rows, noise = [], {}
    for o, output in enumerate(s.outputs):
        mean_y = means[:, o]
        if not _valid(mean_y, output, "morris", notes):
            continue
        si = morris.analyze(
            problem,
            x,
            mean_y,
            num_resamples=s.num_resamples,
            conf_level=s.conf_level,
            num_levels=s.levels,
            seed=s.design_seed,
        )
        nz = morris_noise(x, y[:, :, o], problem["num_vars"], s.levels)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # one replicate: all NaN
            noise[output] = {
                "ee_se": float(np.sqrt(np.nanmean(nz["ee_se"] ** 2))),
                "ee_se_unpaired": float(np.sqrt(np.nanmean(nz["ee_se_unpaired"] ** 2))),
            }
        table = pd.DataFrame(
            {
                "output": output,
                "parameter": problem["names"],
                "low": [b[0] for b in problem["bounds"]],
                "high": [b[1] for b in problem["bounds"]],
                "mu": np.asarray(si["mu"], dtype=float),
                "mu_star": np.asarray(si["mu_star"], dtype=float),
                "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
                "sigma": np.asarray(si["sigma"], dtype=float),
                "ee_se": nz["ee_se"],
                "ee_se_unpaired": nz["ee_se_unpaired"],
                "mu_se": nz["mu_se"],
            }
        )
        # The interval of mu from replicate noise: a t-interval over the replicates' own mu.
        dof = np.maximum(nz["mu_replicates"] - 1, 1)
        t_quantile = student_t.ppf(0.5 + s.conf_level / 2, dof)
        table["mu_noise_ci"] = np.where(nz["mu_replicates"] > 1, t_quantile * nz["mu_se"], np.nan)
        table["noise_threshold"] = NOISE_FACTOR * table["ee_se"]
        # An effect: larger than the noise of a single step, or of one sign beyond the
        # noise interval of mu. Without replicate spread (one replicate) nothing is flagged.
        big = ~(table["mu_star"] <= table["noise_threshold"])
        steady = table["mu"].abs() > table["mu_noise_ci"]
        table["distinguishable"] = (big | steady) & (table["mu_star"] > 0)
        table = table.sort_values("mu_star", ascending=False, kind="stable")
        table.insert(1, "rank", np.arange(1, len(table) + 1))
        rows.append(table)
    columns = [
        "output",
        "rank",
        "parameter",
        "low",
        "high",
        "mu",
        "mu_star",
        "mu_star_conf",
        "sigma",
        "ee_se",
        "ee_se_unpaired",
        "mu_se",
        "mu_noise_ci",
        "noise_threshold",
        "distinguishable",
    ]
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    return frame, noise


def sobol_indices(
    plan: Plan, y: np.ndarray, notes: list[str]
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Sobol first-order and total indices per output and parameter, ranked by ``ST``.

    Args:
        plan: the checked analysis.
        y: the outputs per point and replicate (points, replicates, outputs) of the Sobol
            design.
        notes: caveats are appended here.

    Returns:
        The table (columns output, rank, parameter, low, high, S1, S1_conf, ST, ST_conf)
        and, per output, the share of the output's variance over the design that is
        replicate noise of the point means (``noise_share``).
    """
    from SALib.analyze import sobol

    s, problem = plan.settings, plan.problem
    means, se = point_means(y), replicate_se(y)
    rows, noise = [], {}
    for o, output in enumerate(s.outputs):
        mean_y = means[:, o]
        if not _valid(mean_y, output, "sobol", notes):
            continue
        var = float(np.var(mean_y, ddof=1))
        noise[output] = {
            "variance": var,
            "noise_share": float(np.nanmean(se[:, o] ** 2) / var) if var > 0 else math.nan,
        }
        if var == 0:
            notes.append(f"sobol: {output} is the same at every point; indices are undefined")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            si = sobol.analyze(
                problem,
                mean_y,
                calc_second_order=False,
                num_resamples=s.num_resamples,
                conf_level=s.conf_level,
                seed=s.design_seed,
            )
        table = pd.DataFrame(
            {
                "output": output,
                "parameter": problem["names"],
                "low": [b[0] for b in problem["bounds"]],
                "high": [b[1] for b in problem["bounds"]],
                "S1": np.asarray(si["S1"], dtype=float),
                "S1_conf": np.asarray(si["S1_conf"], dtype=float),
                "ST": np.asarray(si["ST"], dtype=float),
                "ST_conf": np.asarray(si["ST_conf"], dtype=float),
            }
        )
        table = table.sort_values("ST", ascending=False, kind="stable", na_position="last")
        table.insert(1, "rank", np.arange(1, len(table) + 1))
        rows.append(table)
    columns = ["output", "rank", "parameter", "low", "high", "S1", "S1_conf", "ST", "ST_conf"]
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    return frame, noise


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
