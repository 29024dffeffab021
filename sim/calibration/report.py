"""Writing a calibration: best parameters as a config, history, spread, fit figures, report.

Files (every one written atomically, ``report.md`` last):

- ``calibrated/best.yaml``: the best parameters as a Hydra config (``# @package _global_``),
  run with ``python -m sim --config-dir <output> +calibrated=best`` (any other override may
  follow, e.g. ``strategy=layered``);
- ``history.csv``: one row per trial (``sim.calibration.study.history_table``);
- ``spread.csv`` and ``profile.png``: each parameter's range over the trials near the best,
  and the loss of every trial against each parameter;
- ``fit.csv`` and ``fit.png`` (with a campaign): observed against simulated per day, the
  simulated mean with a band holding the central ``band`` share of the replicates;
- ``targets.csv`` (with targets): each target at the best trial: its figure, range, loss;
- ``config.yaml``: the resolved configuration; ``report.md``: the summary.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.outputs import write_atomic

from .study import Outcome, Problem

CALIBRATED_GROUP = "calibrated"


def best_config(problem: Problem, best: Outcome) -> dict[str, Any]:
    """The best values as a nested mapping (``{"purchase": {"intercept": -7.6}}``)."""
    out: dict[str, Any] = {}
    for path, value, tp in zip(problem.names, best.values, problem.types, strict=True):
        *groups, last = path.split(".")
        node = out
        for g in groups:
            node = node.setdefault(g, {})
        node[last] = round(value) if tp is int else float(value)
    return out


def best_yaml(problem: Problem, best: Outcome, history: pd.DataFrame, out: Path) -> str:
    """The text of ``calibrated/best.yaml``: a header saying what it is, then the values."""
    s = problem.settings
    fit = ", ".join(
        x
        for x in (
            f"{len(s.targets)} targets" if s.targets else "",
            f"campaign {problem.observed.source}" if problem.observed else "",
        )
        if x
    )
    lines = [
        "# @package _global_",
        f"# Best parameters of calibration {s.name!r} ({fit}): trial "
        f"{int(history['loss'].idxmin())} of {len(history)}, loss {best.loss:.6g}.",
        f"# Fitted with seed {problem.seed}, {problem.replicates} replicates per strategy; "
        f"runs: {', '.join(f'{k}={v}' for k, v in problem.sources.items())}.",
        f"# Use: python -m sim --config-dir {out} +{CALIBRATED_GROUP}=best [more overrides]",
    ]
    body = yaml.safe_dump(best_config(problem, best), sort_keys=False)
    return "\n".join(lines) + "\n" + body


def fit_table(problem: Problem, best: Outcome, base: Outcome | None) -> pd.DataFrame:
    """Per series and day: observed, simulated mean and band at the best (and base) trial."""
    assert problem.observed is not None
    band = problem.settings.band
    q = [(1 - band) / 2, 1 - (1 - band) / 2]
    frames = []
    for k, y in problem.observed.series.items():
        sim = best.series[k]
        frame = pd.DataFrame(
            {
                "series": k,
                "day": np.arange(1, len(y) + 1),
                "observed": y.astype(int),
                "simulated_mean": sim.mean(axis=1),
                "band_low": np.quantile(sim, q[0], axis=1),
                "band_high": np.quantile(sim, q[1], axis=1),
            }
        )
        if base is not None:
            frame["base_mean"] = base.series[k].mean(axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def plot_fit(fit: pd.DataFrame, problem: Problem, path: Path) -> None:
    """Observed against simulated, one panel per series, with the replicates' band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(fit["series"]))
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.8 * len(names)), squeeze=False)
    band = problem.settings.band
    for ax, name in zip(axes[:, 0], names, strict=True):
        f = fit[fit["series"] == name]
        ax.fill_between(
            f["day"],
            f["band_low"],
            f["band_high"],
            alpha=0.25,
            color="C0",
            label=f"simulated, central {band:.0%} of {problem.replicates} replicates",
        )
        ax.plot(f["day"], f["simulated_mean"], color="C0", label="simulated mean (best)")
        if "base_mean" in f:
            ax.plot(f["day"], f["base_mean"], color="C0", ls=":", label="simulated mean (base)")
        ax.plot(f["day"], f["observed"], "o-", color="C3", ms=3, label="observed")
        ax.set_ylabel(name)
        ax.set_xlabel("day")
        ax.legend(fontsize=7, loc="upper right")
    axes[0, 0].set_title(f"{problem.settings.name}: {problem.observed.source}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)


def plot_profile(history: pd.DataFrame, table: pd.DataFrame, path: Path) -> None:
    """Each trial's loss against each parameter; the trials of the spread set highlighted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    n = len(table)
    fig, axes = plt.subplots(1, n, figsize=(4 * n, 3.4), squeeze=False)
    best = history["loss"].min()
    threshold = float(table["threshold"].iloc[0])
    near = history["loss"] <= best + threshold
    for ax, row in zip(axes[0], table.itertuples(), strict=True):
        x = history[row.parameter]
        ax.scatter(x[~near], history["loss"][~near], s=10, color="0.6", label="trials")
        ax.scatter(
            x[near], history["loss"][near], s=14, color="C3", label=f"within {threshold:g} of best"
        )
        ax.axhline(best + threshold, color="C3", lw=0.8, ls="--")
        if row.log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels overlap
        if history["loss"].min() > 0 and history["loss"].max() / max(best, 1e-12) > 100:
            ax.set_yscale("log")
        ax.set_xlabel(row.parameter)
        ax.set_ylabel("loss")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)


def targets_table(problem: Problem, best: Outcome) -> pd.DataFrame:
    """Each target at the best trial: its text, figure, range, scale, loss, whether it holds."""
    rows = []
    for k, t in enumerate(problem.settings.targets):
        low, high = t.bounds()
        rows.append(
            {
                "target": k,
                "text": t.text(),
                "figure": best.figures[k],
                "low": low if math.isfinite(low) else None,
                "high": high if math.isfinite(high) else None,
                "scale": t.loss_scale(),
                "weight": t.weight,
                "loss": best.target_losses[k],
                "holds": bool(best.target_losses[k] == 0),
                "note": t.note,
            }
        )
    return pd.DataFrame(rows)


def _cell(v: Any) -> str:
    """A table cell: numbers to 4 significant digits, missing values empty."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _md(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = [_cell(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(
    problem: Problem,
    outcomes: list[Outcome],
    *,
    history: pd.DataFrame,
    spread_table: pd.DataFrame,
    out: Path,
    config_text: str,
    seconds: float,
) -> list[Path]:
    """Write every file of the calibration to ``out`` (``report.md`` last).

    Returns:
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / CALIBRATED_GROUP).mkdir(exist_ok=True)
    best_i = int(history["loss"].idxmin())
    best = outcomes[best_i]
    s = problem.settings
    base = (
        outcomes[0] if s.start_at_base and np.allclose(outcomes[0].values, problem.base) else None
    )
    written = [
        write_atomic(
            out / CALIBRATED_GROUP / "best.yaml",
            lambda p: p.write_text(best_yaml(problem, best, history, out), encoding="utf-8"),
        ),
        write_atomic(out / "history.csv", lambda p: history.to_csv(p, index=False)),
        write_atomic(out / "spread.csv", lambda p: spread_table.to_csv(p, index=False)),
        write_atomic(out / "profile.png", lambda p: plot_profile(history, spread_table, p)),
        write_atomic(out / "config.yaml", lambda p: p.write_text(config_text, encoding="utf-8")),
    ]
    sections = [
        f"# Calibration {s.name}",
        "",
        s.description.strip(),
        "",
        f"{len(outcomes)} trials ({s.sampler} sampler, seed {s.sampler_seed}), "
        f"{problem.replicates} replicates per strategy and trial on seed {problem.seed} "
        f"(common random numbers), {seconds:.0f} s. Best: trial {best_i}, loss {best.loss:.6g}"
        + (f" (base values, trial 0: loss {outcomes[0].loss:.6g})." if base else "."),
        "",
        "Runs: " + ", ".join(f"`{k}` = {v}" for k, v in problem.sources.items()) + ".",
        "",
        "## Best parameters and their spread",
        "",
        f"Spread: the range of each parameter over the {int(spread_table['set_trials'].iloc[0])}"
        f" trials whose loss is within {s.threshold():g} of the best"
        + (" (likelihood-ratio 95% set)" if problem.observed is not None else "")
        + "; `share_of_range` near 0 means the fit pins the parameter down.",
        "",
        _md(spread_table.drop(columns=["threshold"])),
        "",
        f"Run them: `python -m sim --config-dir {out} +{CALIBRATED_GROUP}=best`",
    ]
    if s.targets:
        targets = targets_table(problem, best)
        written.append(write_atomic(out / "targets.csv", lambda p: targets.to_csv(p, index=False)))
        sections += ["", "## Pattern targets at the best trial", "", _md(targets)]
    if problem.observed is not None:
        fit = fit_table(problem, best, base)
        written.append(write_atomic(out / "fit.csv", lambda p: fit.to_csv(p, index=False)))
        written.append(write_atomic(out / "fit.png", lambda p: plot_fit(fit, problem, p)))
        nll = ", ".join(f"{k} {v:.2f}" for k, v in best.nll.items())
        sections += [
            "",
            "## Fit to the campaign",
            "",
            f"Data: {problem.observed.source} ({problem.observed.days} days). Negative "
            f"log-likelihood at the best (negative binomial, dispersion from the replicates): "
            f"{nll}. Figure: `fit.png`; table: `fit.csv`.",
        ]
    text = "\n".join(sections) + "\n"
    written.append(write_atomic(out / "report.md", lambda p: p.write_text(text, encoding="utf-8")))
    return written
