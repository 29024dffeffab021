"""``python -m sim.explain``: split a plan's paired gain over a baseline among its components.

Every coalition of the plan's components (the plan with the other components removed) runs
on the same seed and replicates as the plan and the baseline (common random numbers); each
component's contribution is its Shapley value, per replicate, with a 95% interval.
Examples::

    python -m sim.explain                                   # layered against sop
    python -m sim.explain plan=my/plan.yaml baseline=sop replicates=40
    python -m sim.explain '+explain.components.care=[care]' '+explain.components.deal=[10,12]'
    python -m sim.explain explain.jobs=1 population.members=300

Writes to the run folder (``results/explain/<time>_<plan>_vs_<baseline>_<id>/``):
``explain.csv`` and ``explain.md`` (the decomposition), ``waterfall.png`` and
``coalitions.csv`` (every coalition's outcome per replicate). A setting that cannot be used
stops before anything runs, with one ``error:`` line and exit code 2. See docs/explain.md.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import SimConfig, run_dir, stop, to_model_params
from sim.engine import ConfigError, Engine, ModelParams
from sim.engine.graph import GraphInputError

from .components import Component, Strategy, default_components, load_labelled, named_components
from .core import Settings

MAX_EXACT = 12  # 4096 coalitions: beyond this, sample orders


@dataclass
class ExplainConfig(SimConfig):
    """``python -m sim.explain``: the run settings, the plan, its baseline and ``explain``.

    Attributes:
        plan: the plan explained: a shipped strategy's name or a plan YAML file.
        baseline: what it is compared with: a name or a file.
        explain: how to attribute (``sim.explain.core.Settings``).
    """

    plan: str = "layered"
    baseline: str = "sop"
    explain: Settings = field(default_factory=Settings)


ConfigStore.instance().store(name="explain_base", node=ExplainConfig)


@dataclass
class Job:
    """Everything checked and built before anything runs."""

    strategy: Strategy
    components: list[Component]
    params: ModelParams
    baseline_params: ModelParams
    seed: int
    replicates: int
    settings: Settings


def _params(cfg: DictConfig, strategy: Strategy) -> tuple[ModelParams, int, int]:
    try:
        merged = OmegaConf.merge(cfg, strategy.settings) if strategy.settings else cfg
    except OmegaConfBaseException as exc:
        raise ConfigError(f"{strategy.source}: {' '.join(str(exc).split())}") from exc
    params, seed, replicates = to_model_params(merged)
    params.strategy = strategy.plan
    Engine(params, seed=seed, replicates=1, plan_source=strategy.source)  # checks it all now
    return params, seed, replicates


def build_job(cfg: DictConfig) -> Job:
    """Check the config, read both strategies and find the components (nothing runs).

    Raises:
        ConfigError, GraphInputError: a setting, plan or graph that cannot be used.
    """
    if cfg.plan_file:
        raise ConfigError(
            f"plan_file = {cfg.plan_file!r}: not used by sim.explain; give plan=PATH instead"
        )
    settings = OmegaConf.to_object(cfg.explain)
    assert isinstance(settings, Settings)
    if not 0 <= settings.max_exact <= MAX_EXACT:
        raise ConfigError(
            f"explain.max_exact = {settings.max_exact}: must be from 0 to {MAX_EXACT} "
            f"(2^{MAX_EXACT} coalitions); sample orders beyond"
        )
    if settings.orders < 2:
        raise ConfigError(f"explain.orders = {settings.orders}: must be at least 2")
    strategy = load_labelled(cfg.plan)
    base = load_labelled(cfg.baseline)
    params, seed, replicates = _params(cfg, strategy)
    baseline_params, _, _ = _params(cfg, base)
    if settings.components:
        components = named_components(strategy, settings.components)
    else:
        components = default_components(strategy, base.plan)
    return Job(strategy, components, params, baseline_params, seed, replicates, settings)


def coalition_table(job: Job, values: dict) -> pd.DataFrame:
    """Every coalition's outcomes per replicate (long table)."""
    from .run import METRICS

    rows = []
    for mask, outcome in sorted(values.items()):
        inside = [c.name for k, c in enumerate(job.components) if mask >> k & 1]
        for r, row in enumerate(outcome):
            rows.append(
                {
                    "mask": mask,
                    "components": "+".join(inside) or "none",
                    "replicate": r,
                    **dict(zip(METRICS, row, strict=True)),
                }
            )
    return pd.DataFrame(rows)


@hydra.main(version_base="1.3", config_path="../../configs", config_name="explain")
def main(cfg: DictConfig) -> None:
    """Check, run every coalition, attribute, write and print the decomposition."""
    start = time.perf_counter()
    out = run_dir()
    try:
        job = build_job(cfg)
    except (ConfigError, GraphInputError) as exc:
        stop(exc, out)
    from sim.outputs import write_atomic

    from .core import coalitions_needed, explain
    from .report import explanation_markdown, explanation_table, plot_waterfall
    from .run import printer

    n = len(job.components)
    runs = len(coalitions_needed(n, job.settings)[0]) + 1
    names = ", ".join(c.name for c in job.components) or "none"
    print(
        f"explaining {job.strategy.plan.name} against {job.baseline_params.strategy.name}: "
        f"{n} components ({names}), {runs} runs of {job.replicates} replicates, seed "
        f"{job.seed}, {job.settings.jobs} processes",
        flush=True,
    )
    x = explain(
        job.strategy,
        job.components,
        job.params,
        job.baseline_params,
        job.seed,
        job.replicates,
        job.settings,
        printer("explain"),
    )
    seconds = time.perf_counter() - start
    table = explanation_table(x)
    note = (
        f"{job.replicates} replicates of {job.params.population.members} members, "
        f"{job.params.days} days, seed {job.seed}; {runs} runs in {seconds:.0f} s."
    )
    text = explanation_markdown(x, table, note)
    coalitions = coalition_table(job, x.coalitions)
    out = Path(out)
    write_atomic(out / "explain.csv", lambda p: table.to_csv(p, index=False))
    write_atomic(out / "coalitions.csv", lambda p: coalitions.to_csv(p, index=False))
    write_atomic(out / "explain.md", lambda p: p.write_text(text, encoding="utf-8"))
    write_atomic(out / "waterfall.png", lambda p: plot_waterfall(x, table, p))
    print()
    print(text)
    print(f"wrote explain.csv, explain.md, waterfall.png, coalitions.csv to {out}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
