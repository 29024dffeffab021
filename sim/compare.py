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
strategy and metric, with the paired difference against the baseline: the columns of a
sweep's ``report/comparison.csv``, ``sim.outputs.comparison``), ``comparison.md`` (the table
printed on screen) and ``comparison.png``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.config import (
    CompareConfig,
    ExperimentParams,
    check_command_line,
    run_config,
    run_dir,
    stop,
    to_model_params,
)
from sim.engine import ConfigError, Engine
from sim.engine.graph import GraphInputError
from sim.engine.validation import excerpt
from sim.plans import load_strategy, safe_label


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
    from sim.outputs.comparison import comparison_markdown, comparison_rows

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
    folders = {name: strategy_dir(out, name).name for name in order}
    rows = comparison_rows(metrics, baseline, folders)
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
    check_command_line(CompareConfig)
    main()
