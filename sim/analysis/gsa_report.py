"""Writing a sensitivity analysis: ranked tables, the report, figures, never half-written.

Files (each written atomically with ``sim.outputs.write_atomic``; ``report.md`` last):
``samples.csv`` (every evaluated point), ``morris.csv`` / ``sobol.csv`` (indices, ranked),
``morris.png`` / ``sobol.png``, ``config.yaml`` (the resolved configuration, when given) and
``report.md`` (ranked tables, settings, run count, replicate noise, wall time).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from joblib import effective_n_jobs

import sim
from sim.outputs import git_commit, write_atomic

from .gsa import Result
from .indices import NOISE_FACTOR, morris_delta

METHOD_FILES: dict[str, tuple[str, ...]] = {
    "morris": ("morris.csv", "morris.png"),
    "sobol": ("sobol.csv", "sobol.png"),
}


def _num(x: float) -> str:
    """A number with 4 significant digits, ``n/a`` when undefined."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{float(x):.4g}"


def _md_table(header: list[str], body: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(cells) + " |" for cells in body]


def _range(row: pd.Series) -> str:
    return f"{_num(row['low'])} .. {_num(row['high'])}"


# ----------------------------------------------------------------------- ranked tables
def morris_markdown(table: pd.DataFrame, output: str) -> list[str]:
    """The Morris ranking of one output as Markdown lines."""
    t = table[table["output"] == output]
    body = []
    for _, r in t.iterrows():
        lo, hi = r["mu_star"] - r["mu_star_conf"], r["mu_star"] + r["mu_star_conf"]
        verdict = "effect" if r["distinguishable"] else "indistinguishable from noise"
        mu = _num(r["mu"])
        if math.isfinite(r["mu_noise_ci"]):
            mu += f" ± {_num(r['mu_noise_ci'])}"
        body.append(
            [
                str(r["rank"]),
                f"`{r['parameter']}`",
                _range(r),
                _num(r["mu_star"]),
                f"[{_num(lo)}, {_num(hi)}]",
                mu,
                _num(r["sigma"]),
                _num(r["noise_threshold"]),
                verdict,
            ]
        )
    k = f"{NOISE_FACTOR:g}"
    header = ["rank", "parameter", "range", "mu*", "CI of mu*", "mu ± noise CI", "sigma"]
    header += [f"{k} SE of one effect", "verdict"]
    return [f"### Morris: `{output}` (ranked by mu*)", "", *_md_table(header, body), ""]


def sobol_markdown(table: pd.DataFrame, output: str) -> list[str]:
    """The Sobol ranking of one output as Markdown lines."""
    t = table[table["output"] == output]
    body = [
        [
            str(r["rank"]),
            f"`{r['parameter']}`",
            _range(r),
            f"{_num(r['ST'])} ± {_num(r['ST_conf'])}",
            f"{_num(r['S1'])} ± {_num(r['S1_conf'])}",
        ]
        for _, r in t.iterrows()
    ]
    header = ["rank", "parameter", "range", "ST ± 95% CI", "S1 ± 95% CI"]
    return [f"### Sobol: `{output}` (ranked by ST)", "", *_md_table(header, body), ""]


def ranked_markdown(result: Result) -> str:
    """Every ranked table of the analysis, and the run count."""
    lines: list[str] = []
    for output in result.plan.settings.outputs:
        if result.morris is not None and output in set(result.morris["output"]):
            lines += morris_markdown(result.morris, output)
        if result.sobol is not None and output in set(result.sobol["output"]):
            lines += sobol_markdown(result.sobol, output)
    lines.append(run_count(result))
    return "\n".join(lines) + "\n"


def run_count(result: Result) -> str:
    """One line: points (engine runs), replicate campaigns and wall time."""
    p = result.plan
    return (
        f"{result.engine_runs} model runs (sample points, one engine each) x {p.replicates} "
        f"replicates = {result.campaigns} campaigns of {p.base.population.members} members, "
        f"{result.wall_seconds:.0f} s wall time."
    )


# ----------------------------------------------------------------------- the report
def _settings_lines(result: Result, plan_source: str) -> list[str]:
    p, s = result.plan, result.plan.settings
    d = p.problem["num_vars"]
    counts = result.samples["design"].value_counts()
    lines = [
        "## Settings",
        "",
        f"- Strategy: `{p.base.strategy.name}` ({plan_source}); {p.base.population.members} "
        f"members, {p.base.days} days; every other parameter at its configured value.",
        f"- Seed {p.seed} for every sample point (common random numbers: replicate i of every "
        f"point faces the same members, graph and draws); {p.replicates} replicates per point, "
        "batched in one engine; a point's output is the mean over its replicates.",
        f"- Outputs: {', '.join(f'`{o}`' for o in s.outputs)} (columns of "
        "`sim.outputs.replicate_metrics`).",
    ]
    if "morris" in counts:
        lines.append(
            f"- Morris (`SALib.sample.morris`): r = {s.trajectories} trajectories, "
            f"{s.levels} levels, step delta = {morris_delta(s.levels):.3g} of each range; "
            f"r x (D + 1) = {counts['morris']} points. mu* is the mean absolute elementary "
            "effect (the change of the output over one step, divided by delta: an effect "
            "per full range), sigma the spread of the effects (interactions, non-linearity)."
        )
    if "sobol" in counts:
        lines.append(
            f"- Sobol (`SALib.sample.sobol`, Saltelli, no second order): N = {s.base_samples}"
            f" base samples; N x (D + 2) = {counts['sobol']} points. S1 is the first-order "
            "share of the output's variance, ST the total share (with interactions)."
        )
    lines += [
        f"- Intervals: bootstrap, {s.num_resamples} resamples, {s.conf_level:.0%} level; "
        f"design seed {s.design_seed}; n_jobs = {s.n_jobs} ({effective_n_jobs(s.n_jobs)} "
        "joblib workers).",
        f"- Cost: {run_count(result)}",
        f"- Version {sim.__version__}, commit `{git_commit()}`, written "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}.",
        "",
        f"Parameter space (D = {d}):",
        "",
    ]
    body = []
    for name, (lo, hi) in zip(p.problem["names"], p.problem["bounds"], strict=True):
        value: object = p.base
        for part in name.split("."):
            value = getattr(value, part)
        body.append([f"`{name}`", _num(lo), _num(hi), _num(value)])
    lines += _md_table(["parameter", "low", "high", "base value"], body)
    return [*lines, ""]


def _noise_lines(result: Result) -> list[str]:
    p = result.plan
    lines = ["## Replicate noise", ""]
    k = f"{NOISE_FACTOR:g}"
    if p.replicates < 2:
        return [*lines, "One replicate per point: the noise cannot be estimated.", ""]
    lines += [
        f"Each point's output is the mean of {p.replicates} replicates; its standard error "
        "is in `samples.csv` (`<output>_se`).",
    ]
    if result.morris is not None:
        lines[-1] += (
            " Morris: both points of a step share the seed, so each step has an elementary "
            "effect per replicate (paired); their spread gives the standard error of one "
            "effect, and the spread of each replicate's own mu (its effects averaged over the "
            "trajectories; replicates as the independent units) the standard error of mu. A "
            f"parameter counts as an effect when its mu* exceeds {k} standard errors of one "
            f"effect (column `{k} SE of one effect`), or when its mu is of one sign beyond "
            f"the {p.settings.conf_level:.0%} t-interval of mu from replicate noise (column "
            "`mu ± noise CI`); otherwise it is marked indistinguishable from noise. `CI of "
            "mu*` is SALib's bootstrap interval over the trajectories."
        )
    if result.sobol is not None:
        lines[-1] += (
            " Sobol: replicate noise adds variance to the outputs; its share of the variance "
            "over the design is given below, and SALib's bootstrap intervals with each index."
        )
    lines.append("")
    for _, r in result.noise.iterrows():
        out = r["output"]
        text = (
            f"- `{out}`: mean standard error of a point's output {_num(r['mean_se'])} "
            f"(mean output {_num(r['mean_value'])})."
        )
        if "ee_se" in r and pd.notna(r.get("ee_se")):
            paired, unpaired = r["ee_se"], r["ee_se_unpaired"]
            ratio = f", {paired / unpaired:.2g} of it" if unpaired > 0 else ""
            text += (
                f" Morris: standard error of one elementary effect {_num(paired)} (paired), "
                f"against {_num(unpaired)} had the two points independent seeds{ratio}."
            )
            t = result.morris[result.morris["output"] == out]
            flagged = [f"`{x}`" for x in t.loc[~t["distinguishable"], "parameter"]]
            text += f" Indistinguishable from noise: {', '.join(flagged) or 'none'}."
        if "noise_share" in r and pd.notna(r.get("noise_share")):
            text += (
                f" Sobol: replicate noise is {r['noise_share']:.1%} of the output's variance "
                "over the design."
            )
        lines.append(text)
    return [*lines, ""]


def report_markdown(result: Result, plan_source: str = "") -> str:
    """The whole report: ranked tables, settings, cost, replicate noise, notes, files."""
    p = result.plan
    title = f"# Sensitivity analysis: {p.base.strategy.name} ({p.settings.method})"
    lines = [title, "", "## Rankings", "", ranked_markdown(result).rstrip("\n"), ""]
    lines += _settings_lines(result, plan_source or "plan")
    lines += _noise_lines(result)
    if result.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in result.notes], ""]
    files = ["`samples.csv` (every point: values set, outputs, replicate SE)"]
    for design in p.settings.designs:
        csv, png = METHOD_FILES[design]
        files.append(f"`{csv}`, `{png}`")
    lines += ["## Files", "", "- " + "; ".join(files) + "; `config.yaml`; this report.", ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------- figures
def _label_x(ax: plt.Axes, output: str, what: str) -> None:
    ax.set_xlabel(f"{what} of {output}")
    ax.grid(axis="x", alpha=0.3)


def plot_morris(table: pd.DataFrame, outputs: list[str], path: Path) -> Path:
    """Ranked mu* bars with intervals and noise marks (top); mu* against sigma (bottom)."""
    outputs = [o for o in outputs if o in set(table["output"])] or outputs[:1]
    n = len(outputs)
    d = max(1, int((table["output"] == outputs[0]).sum()))
    fig, axes = plt.subplots(
        2, n, figsize=(6.5 * n, 3.0 + 0.45 * d + 4.5), layout="constrained", squeeze=False
    )
    for k, output in enumerate(outputs):
        t = table[table["output"] == output].iloc[::-1]
        bars, scatter = axes[0, k], axes[1, k]
        y = np.arange(len(t))
        colors = ["C0" if ok else "0.65" for ok in t["distinguishable"]]
        bars.barh(y, t["mu_star"], xerr=t["mu_star_conf"], color=colors, capsize=3)
        bars.scatter(
            t["noise_threshold"],
            y,
            marker="|",
            s=250,
            color="C3",
            zorder=3,
            label=f"noise: {NOISE_FACTOR:g} SE of an effect",
        )
        bars.set_yticks(y, t["parameter"])
        bars.set_xlim(left=0)
        bars.set_title(f"Morris mu* (95% CI): {output}", fontsize=10)
        _label_x(bars, output, "mu*")
        bars.legend(fontsize=8, frameon=False, loc="lower right")
        scatter.scatter(t["mu_star"], t["sigma"], color=colors)
        for _, r in t.iterrows():
            scatter.annotate(
                r["parameter"],
                (r["mu_star"], r["sigma"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
        scatter.set_title(f"mu* against sigma: {output}", fontsize=10)
        scatter.set_ylabel("sigma")
        _label_x(scatter, output, "mu*")
        scatter.set_xlim(left=0)
        scatter.set_ylim(bottom=0)
    fig.suptitle("Morris screening (grey: indistinguishable from replicate noise)")
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
    return path


def plot_sobol(table: pd.DataFrame, outputs: list[str], path: Path) -> Path:
    """S1 and ST bars with their bootstrap intervals, ranked by ST, one panel per output."""
    outputs = [o for o in outputs if o in set(table["output"])] or outputs[:1]
    n = len(outputs)
    d = max(1, int((table["output"] == outputs[0]).sum()))
    fig, axes = plt.subplots(
        1, n, figsize=(6.5 * n, 2.0 + 0.55 * d), layout="constrained", squeeze=False
    )
    for k, output in enumerate(outputs):
        ax = axes[0, k]
        t = table[table["output"] == output].iloc[::-1]
        y = np.arange(len(t))
        h = 0.38
        ax.barh(y + h / 2, t["ST"], h, xerr=t["ST_conf"], color="C1", capsize=3, label="ST")
        ax.barh(y - h / 2, t["S1"], h, xerr=t["S1_conf"], color="C0", capsize=3, label="S1")
        ax.set_yticks(y, t["parameter"])
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_title(f"Sobol indices (95% CI): {output}", fontsize=10)
        _label_x(ax, output, "share of variance")
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
    return path


# ----------------------------------------------------------------------- writing
def write_report(
    result: Result, out: str | Path, config_yaml: str = "", plan_source: str = ""
) -> list[Path]:
    """Write the analysis to ``out``; files of a method not run this time are removed.

    Args:
        result: the finished analysis.
        out: the folder (created if missing).
        config_yaml: the resolved configuration, written to ``config.yaml`` when given.
        plan_source: where the plan came from, for the report.

    Returns:
        The files written, ``report.md`` last.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    outputs = list(result.plan.settings.outputs)
    written = [write_atomic(out / "samples.csv", lambda p: result.samples.to_csv(p, index=False))]
    if result.morris is not None:
        morris = result.morris
        written.append(write_atomic(out / "morris.csv", lambda p: morris.to_csv(p, index=False)))
        written.append(write_atomic(out / "morris.png", lambda p: plot_morris(morris, outputs, p)))
    if result.sobol is not None:
        sobol = result.sobol
        written.append(write_atomic(out / "sobol.csv", lambda p: sobol.to_csv(p, index=False)))
        written.append(write_atomic(out / "sobol.png", lambda p: plot_sobol(sobol, outputs, p)))
    if config_yaml:
        written.append(
            write_atomic(out / "config.yaml", lambda p: p.write_text(config_yaml, "utf-8"))
        )
    text = report_markdown(result, plan_source)
    written.append(write_atomic(out / "report.md", lambda p: p.write_text(text, "utf-8")))
    for design, names in METHOD_FILES.items():
        if design not in result.plan.settings.designs:
            for name in names:
                (out / name).unlink(missing_ok=True)  # left from an earlier run
    return written
