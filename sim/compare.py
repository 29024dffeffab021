"""``python -m sim.compare``: a paired comparison of strategies on common random numbers.

Every strategy of the experiment runs on the same seed and replicates, so replicate ``i`` of
each faces the same members, graph and random draws; differences are taken replicate by
replicate (paired), which narrows their intervals. Examples::

    python -m sim.compare                              # experiments/sop_vs_layered.yaml
    python -m sim.compare experiment=<name>            # experiments/<name>.yaml
    python -m sim.compare replicates=40 population.members=300 seed=7
    python -m sim.compare 'experiment.strategies=[sop,layered,my/plan.yaml]'
    python -m sim.compare experiment.output=results/my_comparison

Writes to ``experiment.output`` (default ``results/<experiment name>/``): one subfolder per
strategy with its run files (``sim.outputs.write_run``), ``comparison.csv`` (one row per
strategy and metric, with the paired difference against the baseline), ``comparison.md`` (the
table printed on screen) and ``comparison.png``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import (
    CompareConfig,
    ExperimentParams,
    check_command_line,
    report_warnings,
    run_config,
    run_dir,
    stop,
    to_model_params,
)
from sim.engine import ConfigError, Engine
from sim.engine.graph import GraphInputError
from sim.engine.validation import excerpt
from sim.outputs.formats import (
    MONEY,
    money,
    pct,
    pct_ratio,
    pp,
    signed_money,
    signed_pct_ratio,
)
from sim.plans import load_strategy, safe_label


@dataclass(frozen=True)
class Metric:
    """A column of ``replicate_metrics`` shown in the comparison."""

    column: str
    label: str
    fmt: Callable[[float], str]
    diff_fmt: Callable[[float], str]


METRICS: tuple[Metric, ...] = (
    Metric("conversion_rate", "Conversion", pct, pp),
    Metric("peak48_share", "Peak-48h share", pct, pp),
    Metric("offer_window_share", "Offer-window share", pct, pp),
    Metric("revenue", f"Revenue ({MONEY})", money, signed_money),
    Metric("cost", f"Cost ({MONEY})", money, signed_money),
    Metric("roi", "ROI (% of cost)", pct_ratio, signed_pct_ratio),
)


def _num(x: Any) -> float:
    return float("nan") if x is None else float(x)


def format_stat(stat: dict[str, Any], fmt: Callable[[float], str]) -> str:
    """``mean [low, high]`` of a ``mean_ci95``-style dict (``n/a`` when undefined)."""
    mean = _num(stat.get("mean"))
    if not math.isfinite(mean):
        return "n/a"
    low, high = (_num(v) for v in (stat.get("ci95") or [None, None]))
    if not (math.isfinite(low) and math.isfinite(high)):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


# ----------------------------------------------------------------------- the table
def comparison_rows(metrics: dict[str, pd.DataFrame], baseline: str) -> pd.DataFrame:
    """One row per strategy and metric: mean, 95% interval, paired difference and ratio.

    Args:
        metrics: strategy -> its ``replicate_metrics`` (the same replicates for all).
        baseline: the strategy the others are compared with.

    Returns:
        Columns: strategy, metric, replicates, mean, ci95_low, ci95_high, baseline,
        diff_mean, diff_ci95_low, diff_ci95_high, ratio, sd_paired, sd_unpaired (the
        difference columns are empty for the baseline itself).
    """
    from sim.outputs.summary import difference_columns, interval_columns, is_share

    rows = []
    base = metrics[baseline]
    for name, table in metrics.items():
        for m in METRICS:
            row: dict[str, Any] = {
                "strategy": name,
                "metric": m.column,
                "replicates": len(table),
                **interval_columns(table[m.column], share=is_share(m.column)),
                "baseline": baseline,
            }
            if name != baseline:
                row |= difference_columns(table[m.column], base[m.column])
            rows.append(row)
    columns = [
        "strategy",
        "metric",
        "replicates",
        "mean",
        "ci95_low",
        "ci95_high",
        "baseline",
        "diff_mean",
        "diff_ci95_low",
        "diff_ci95_high",
        "ratio",
        "sd_paired",
        "sd_unpaired",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


def _md_table(header: list[str], body: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(cells) + " |" for cells in body]


def comparison_markdown(rows: pd.DataFrame, title: str, note: str) -> str:
    """The comparison as Markdown: strategies with 95% intervals, then paired differences.

    Args:
        rows: the output of ``comparison_rows``.
        title: a heading (the experiment's name).
        note: one line under the heading (replicates, members, seed).
    """
    baseline = str(rows["baseline"].iloc[0])
    names = list(dict.fromkeys(rows["strategy"]))
    at = rows.set_index(["strategy", "metric"])
    body = []
    for name in names:
        cells = [name]
        for m in METRICS:
            r = at.loc[(name, m.column)]
            stat = {"mean": r["mean"], "ci95": [r["ci95_low"], r["ci95_high"]]}
            cells.append(format_stat(stat, m.fmt))
        body.append(cells)
    lines = [f"# {title}", "", note, "", "Mean over replicates [95% interval].", ""]
    lines += _md_table(["Strategy"] + [m.label for m in METRICS], body)
    others = [n for n in names if n != baseline]
    if others:
        header = ["Metric"]
        for name in others:
            header += [f"{name} - {baseline} (paired)", f"{name} / {baseline}"]
        body = []
        for m in METRICS:
            cells = [m.label]
            for name in others:
                r = at.loc[(name, m.column)]
                stat = {"mean": r["diff_mean"], "ci95": [r["diff_ci95_low"], r["diff_ci95_high"]]}
                ratio = r["ratio"]
                cells += [
                    format_stat(stat, m.diff_fmt),
                    f"{ratio:.2f}x" if math.isfinite(ratio) else "n/a",
                ]
            body.append(cells)
        intro = f"Paired differences against {baseline} (same seeds, replicate by replicate)."
        lines += ["", intro]
        lines += ["", *_md_table(header, body)]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------- the app
def _experiment(cfg: DictConfig) -> ExperimentParams:
    exp = OmegaConf.to_object(cfg.experiment)
    assert isinstance(exp, ExperimentParams)
    if HydraConfig.initialized() and HydraConfig.get().sweeper.get("params"):
        raise ConfigError(
            f"experiment {exp.name} is a sweep (hydra.sweeper.params), not a comparison; run "
            f"it with python -m sim.experiment {exp.name}"
        )
    if cfg.plan_file:
        raise ConfigError(
            f"plan_file = {excerpt(cfg.plan_file)}: not used by sim.compare; list plan files in "
            "experiment.strategies instead"
        )
    if not exp.strategies:
        raise ConfigError("experiment.strategies: empty; list the strategies to compare")
    return exp


def build_engines(cfg: DictConfig) -> tuple[ExperimentParams, str, dict[str, tuple[Engine, dict]]]:
    """Check the experiment and build one engine per strategy (nothing runs or is written).

    Returns:
        The experiment, the baseline's label, and label -> (engine, its run config).

    Raises:
        ConfigError, GraphInputError: a strategy, parameter or graph file that cannot be used.
    """
    exp = _experiment(cfg)
    engines: dict[str, tuple[Engine, dict]] = {}
    baseline = None
    for entry in exp.strategies:
        plan, settings, source = load_strategy(entry)
        params, seed, replicates = to_model_params(cfg, settings)  # plan data: never interpolated
        params.strategy = plan
        label = safe_label(plan.name, "strategy")
        if label in {safe_label(name) for name in engines}:
            raise ConfigError(
                f"experiment.strategies: two strategies are named {excerpt(label)} (as folder "
                "names); give each plan its own name"
            )
        engine = Engine(params, seed=seed, replicates=replicates, plan_source=source)
        engines[plan.name] = (engine, run_config(params, seed, replicates, source))
        if exp.baseline in (entry, plan.name):
            baseline = plan.name
    if baseline is None:
        raise ConfigError(
            f"experiment.baseline = {exp.baseline!r}: must be one of experiment.strategies "
            f"({', '.join(exp.strategies)})"
        )
    return exp, baseline, engines


def strategy_dir(out: Path, name: str) -> Path:
    """The folder of one strategy's run files: a safe label of its name, inside ``out``.

    Raises:
        ConfigError: the folder would not lie inside ``out`` (cannot happen with a safe label).
    """
    folder = (out / safe_label(name, "strategy")).resolve()
    if not folder.is_relative_to(out.resolve()) or folder == out.resolve():
        raise ConfigError(f"strategy name {excerpt(name)}: cannot be used as a folder name")
    return folder


@hydra.main(version_base="1.3", config_path="../configs", config_name="compare")
def main(cfg: DictConfig) -> None:
    """Run every strategy of the experiment on common random numbers and compare them."""
    out = run_dir()
    try:
        exp, baseline, engines = build_engines(cfg)
    except (ConfigError, GraphInputError) as exc:
        stop(exc, out)
    from sim.outputs import begin_run, end_run, fail_run

    begin_run(out)
    try:
        _run_all(cfg, out, exp, baseline, engines)
    except Exception as exc:
        fail_run(out, exc)
        raise
    end_run(out)


def _run_all(
    cfg: DictConfig,
    out: Path,
    exp: ExperimentParams,
    baseline: str,
    engines: dict[str, tuple[Engine, dict]],
) -> None:
    """Run every strategy, write its folder, then the comparison files."""
    from sim.outputs import daily_table, plot_comparison, replicate_metrics, write_atomic, write_run

    metrics: dict[str, pd.DataFrame] = {}
    dailies: dict[str, pd.DataFrame] = {}
    order = [baseline] + [name for name in engines if name != baseline]
    for name in order:
        engine, config = engines.pop(name)
        engine.run()
        write_run(engine, strategy_dir(out, name), config, extra={"experiment": exp.name})
        metrics[name] = replicate_metrics(engine)
        dailies[name] = daily_table(engine)
        del engine
    rows = comparison_rows(metrics, baseline)
    note = (
        f"{cfg.replicates} replicates of {cfg.population.members} members, {cfg.days} days, "
        f"seed {cfg.seed} (common random numbers across strategies)."
    )
    text = comparison_markdown(rows, f"Experiment {exp.name}", note)
    title = (
        f"{exp.name}: {' vs '.join(order)} ({cfg.replicates} replicates of "
        f"{cfg.population.members} members, groups of up to {cfg.population.group_capacity}, "
        f"{cfg.days} days)"
    )
    write_atomic(out / "comparison.csv", lambda p: rows.to_csv(p, index=False))
    write_atomic(out / "comparison.md", lambda p: p.write_text(text, encoding="utf-8"))
    write_atomic(out / "comparison.png", lambda p: plot_comparison(dailies, p, title, fmt="png"))
    print(text)
    print(f"wrote {out}/comparison.csv, comparison.md, comparison.png and one folder per strategy")
    sys.stdout.flush()


if __name__ == "__main__":
    report_warnings()
    check_command_line(CompareConfig)
    main()
