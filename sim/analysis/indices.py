"""Sensitivity indices and replicate noise, from evaluated sample points.

``morris_indices`` and ``sobol_indices`` run SALib's analyses on each point's mean over its
replicates and add what replicate noise means for them: ``morris_noise`` gives, per
parameter, the standard error of one elementary effect (replicates paired: both points of a
step share the seed) and of ``mu`` (replicates as the independent units); ``sobol_indices``
gives the share of the output's variance over the design that is replicate noise.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .gsa import Plan

NOISE_FACTOR = 2.0  # standard errors an effect must exceed to count (see morris_indices)


def _parameter_columns(output: str, problem: dict[str, Any]) -> dict[str, Any]:
    """The leading columns of an index table: output, parameter and its bounds."""
    return {
        "output": output,
        "parameter": problem["names"],
        "low": [b[0] for b in problem["bounds"]],
        "high": [b[1] for b in problem["bounds"]],
    }


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
                **_parameter_columns(output, problem),
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
                **_parameter_columns(output, problem),
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
