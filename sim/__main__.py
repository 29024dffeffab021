"""``python -m sim``: run one strategy for many replicates and write its results.

Examples::

    python -m sim                                   # sop, 20 replicates, seed 0
    python -m sim strategy=layered seed=3 population.members=500
    python -m sim strategy=bass purchase.bass_p=0.02 purchase.bass_q=0.4
    python -m sim strategy=layered +plan_edit.switches.shills=true   # change a plan's value
    python -m sim plan_file=path/to/my_plan.yaml    # a plan of your own
    python -m sim hydra.run.dir=results/my_run      # choose the output folder
    python -m sim -m strategy=sop,layered herd.group_weight='range(0,1,0.25)'   # a sweep
    python -m sim -m +experiment=herd_strength      # a named sweep, collected at its end

``strategy`` names a shipped plan (``configs/plans/strategies/<name>.yaml``); the plan is read
as data (``sim.plans``), never composed by Hydra, so ``${...}`` in a plan stays plain text.

Results go to ``results/runs/<date>_<time>_<strategy>_<suffix>/`` (the files of
``sim.outputs.RUN_FILES``: ``summary.json``, ``daily.csv``, ``stages.csv``, ``hourly.csv``,
``replicates.csv``, ``groups.csv``, ``trust_sources.csv``, ``run.png``; and Hydra's
``.hydra/`` with the resolved config). A setting that cannot be used stops the run before
anything is written, with one ``error:`` line naming the file or field, and exit code 2.

With ``-m`` (a sweep, run in parallel by the joblib launcher) each parameter point is one job
in ``results/sweeps/<date>_<time>_<suffix>/<num>_<label><swept values>/``; a job that fails leaves
``error.json`` and the others go on; the same command with ``hydra.sweep.dir=<that folder>``
skips the jobs already complete (``sim.sweep``).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import hydra
from omegaconf import DictConfig

from sim import sweep
from sim.config import (
    SimConfig,
    check_command_line,
    plan_source,
    run_config,
    run_dir,
    stop,
    to_model_params,
)
from sim.engine import ConfigError, Engine, ModelParams
from sim.engine.graph import GraphInputError


class Run(NamedTuple):
    """What one run needs: the engine parameters, seed, replicates and the plan's source."""

    params: ModelParams
    seed: int
    replicates: int
    source: str

    def config(self) -> dict:
        """The run config recorded in ``summary.json``."""
        return run_config(self.params, self.seed, self.replicates, self.source)

    def engine(self) -> Engine:
        """The engine for this run (raises ConfigError/GraphInputError for bad values)."""
        return Engine(
            self.params, seed=self.seed, replicates=self.replicates, plan_source=self.source
        )


def prepare(cfg: DictConfig) -> Run:
    """Turn the composed config into a ``Run`` (raises ConfigError for a bad plan)."""
    params, seed, replicates = to_model_params(cfg)
    return Run(params, seed, replicates, plan_source(cfg))


def finish(run: Run, engine: Engine, out: Path, figures: bool) -> None:
    """Run the engine, write the run's files (``summary.json`` last) and print its result."""
    # pandas and matplotlib: only once the input is good
    from sim.outputs import begin_run, end_run, mean_ci95, replicate_metrics, write_run
    from sim.outputs.formats import format_stat
    from sim.outputs.intervals import metric_bounds

    begin_run(out)
    engine.run()
    write_run(engine, out, run.config(), figures=figures)
    end_run(out)
    metrics = replicate_metrics(engine)
    conversion = format_stat(
        mean_ci95(metrics["conversion_rate"], share=True), lambda x: f"{x:.1%}"
    )
    revenue_ci = mean_ci95(metrics["revenue"], bounds=metric_bounds("revenue"))
    revenue = format_stat(revenue_ci, lambda x: f"{x:,.0f}")
    print(
        f"{run.params.strategy.name}: conversion {conversion}, revenue {revenue} (mean [95% "
        f"interval] of {run.replicates} replicates, {run.params.population.members} members, "
        f"seed {run.seed}) -> {out}"
    )


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> str | None:
    """Build the engine from the composed config, run it, write the run's files.

    In a multirun, returns the job's outcome (``done``, ``skipped``, ``failed``) instead of
    stopping on an error.
    """
    out = run_dir()
    figures = bool(cfg.figures)
    if sweep.in_multirun():
        return sweep.run_job(
            sweep.current_job(out),
            prepare=lambda: prepare(cfg),
            recorded=Run.config,
            execute=lambda run: finish(run, run.engine(), out, figures),
            figures=figures,
        )
    try:
        run = prepare(cfg)
        engine = run.engine()
    except (ConfigError, GraphInputError) as exc:
        stop(exc, out)
    except Exception as exc:  # a bug: keep the traceback, marked, in the run folder
        _fail(out, exc)
        raise
    try:
        finish(run, engine, out, figures)
    except Exception as exc:
        _fail(out, exc)
        raise
    return None


def _fail(out: Path, exc: BaseException) -> None:
    from sim.outputs import fail_run

    fail_run(out, exc)


if __name__ == "__main__":
    check_command_line(SimConfig)
    main()
