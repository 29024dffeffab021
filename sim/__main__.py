"""``python -m sim``: run one strategy for many replicates and write its results.

Examples::

    python -m sim                                   # sop, 20 replicates, seed 0
    python -m sim strategy=layered seed=3 population.members=500
    python -m sim strategy=bass purchase.bass_p=0.02 purchase.bass_q=0.4
    python -m sim plan_file=path/to/my_plan.yaml    # a plan of your own
    python -m sim hydra.run.dir=results/my_run      # choose the output folder

Results go to ``results/runs/<date>_<time>_<strategy>_<suffix>/`` (``summary.json``,
``daily.csv``, ``hourly.csv``, ``replicates.csv``, ``run.png``, and Hydra's ``.hydra/`` with
the resolved config). A setting that cannot be used stops the run before anything is
written, with one ``error:`` line naming the file or field, and exit code 2.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from sim.config import plan_source, run_config, run_dir, stop, to_model_params
from sim.engine import ConfigError, Engine
from sim.engine.graph import GraphInputError


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> None:
    """Build the engine from the composed config, run it, write the run's files."""
    out = run_dir()
    try:
        params, seed, replicates = to_model_params(cfg)
        source = plan_source(cfg)
        engine = Engine(params, seed=seed, replicates=replicates, plan_source=source)
    except (ConfigError, GraphInputError) as exc:
        stop(exc, out)
    from sim.compare import format_stat  # pandas and matplotlib: only once the input is good
    from sim.outputs import mean_ci95, replicate_metrics, write_run

    engine.run()
    write_run(engine, out, run_config(params, seed, replicates, source), figures=cfg.figures)
    metrics = replicate_metrics(engine)
    conversion = format_stat(mean_ci95(metrics["conversion_rate"]), lambda x: f"{x:.1%}")
    revenue = format_stat(mean_ci95(metrics["revenue"]), lambda x: f"{x:,.0f}")
    print(
        f"{params.strategy.name}: conversion {conversion}, revenue {revenue} (mean [95% interval] "
        f"of {replicates} replicates, {params.population.members} members, seed {seed}) -> {out}"
    )


if __name__ == "__main__":
    main()
