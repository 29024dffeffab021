"""``python -m sim.sensitivity``: global sensitivity analysis of the simulator (SALib).

Varies the model parameters listed under ``sensitivity.parameters`` (dotted paths with
ranges, ``configs/sensitivity.yaml``) and ranks them by their effect on the outputs
(columns of ``sim.outputs.replicate_metrics``), with Morris screening, Sobol indices or both.
Every sample point is one engine on the same seed (common random numbers) with
``replicates`` campaigns. Examples::

    python -m sim.sensitivity                                  # Morris, layered, 5 replicates
    python -m sim.sensitivity sensitivity.method=sobol sensitivity.base_samples=256
    python -m sim.sensitivity strategy=sop replicates=10 population.members=300
    python -m sim.sensitivity sensitivity.trajectories=40 sensitivity.n_jobs=2
    python -m sim.sensitivity 'sensitivity.parameters=[{name: purchase.herd, low: 1, high: 4}]'

Writes to ``sensitivity.output`` (default ``results/sensitivity/``): ``samples.csv``,
``morris.csv``/``morris.png`` and/or ``sobol.csv``/``sobol.png``, ``config.yaml`` and
``report.md``, and Hydra's ``.hydra/`` (the composed config and the overrides), as every run.
A setting that cannot be used stops the analysis before anything runs or is written (a
``.hydra/`` this run created is removed), with one ``error:`` line naming the file or field,
and exit code 2.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from sim.analysis.gsa import Plan, SensitivitySettings, prepare
from sim.config import (
    SimConfig,
    check_command_line,
    plan_source,
    run_dir,
    stop,
    to_model_params,
)
from sim.engine import ConfigError
from sim.engine.graph import GraphInputError
from sim.plans import display_path


@dataclass
class SensitivityConfig(SimConfig):
    """``python -m sim.sensitivity``: a run's settings (the base point) and the analysis."""

    sensitivity: SensitivitySettings = field(default_factory=SensitivitySettings)


ConfigStore.instance().store(name="sensitivity_base", node=SensitivityConfig)


def _config_file() -> str:
    """The primary config file of this run (``configs/sensitivity.yaml``), for messages."""
    if not HydraConfig.initialized():
        return "config"
    hc = HydraConfig.get()
    for src in hc.runtime.config_sources:
        if src.schema == "file":
            path = Path(src.path) / f"{hc.job.config_name}.yaml"
            if path.is_file():
                return display_path(path)
    return f"{hc.job.config_name}.yaml"


def setting_name(key: str) -> str:
    """Name a setting in errors: ``<config file>: sensitivity.<key>``, or the command line."""
    path = f"sensitivity.{key}"
    if HydraConfig.initialized():
        task = HydraConfig.get().overrides.task
        if any(o.lstrip("+~").split("=")[0].startswith(path) for o in task):
            return f"command line: {path}"
    return f"{_config_file()}: {path}"


def _settings(cfg: DictConfig) -> SensitivitySettings:
    try:
        settings = OmegaConf.to_object(cfg.sensitivity)
    except MissingMandatoryValue as exc:  # a parameter entry without name, low or high
        key = str(getattr(exc, "full_key", "") or "").removeprefix("sensitivity.")
        top, bracket, rest = key.partition("[")
        raise ConfigError(
            f"{setting_name(top)}{bracket}{rest}: missing; every entry of "
            "sensitivity.parameters needs name, low and high"
        ) from exc
    except OmegaConfBaseException as exc:
        problem = " ".join(str(exc).split())
        raise ConfigError(f"{_config_file()}: sensitivity: {problem}") from exc
    assert isinstance(settings, SensitivitySettings)
    return settings


def build_plan(cfg: DictConfig) -> Plan:
    """Check the composed config and return the analysis plan (nothing runs or is written).

    Raises:
        ConfigError, GraphInputError: a setting that cannot be used.
    """
    settings = _settings(cfg)  # first: a missing bound would stop to_model_params unclearly
    params, seed, replicates = to_model_params(cfg)
    return prepare(params, seed, replicates, settings, setting_name)


@hydra.main(version_base="1.3", config_path="../configs", config_name="sensitivity")
def main(cfg: DictConfig) -> None:
    """Check the settings, sample, evaluate, analyse, write and print the rankings."""
    start = time.perf_counter()
    out = run_dir()
    try:
        plan = build_plan(cfg)
    except (ConfigError, GraphInputError) as exc:
        stop(exc, out)
    from sim.analysis.gsa import run
    from sim.analysis.gsa_report import ranked_markdown, write_report

    s = plan.settings
    print(
        f"sensitivity ({s.method}) of {plan.problem['num_vars']} parameters on "
        f"{plan.base.strategy.name}: {plan.replicates} replicates per point, seed {plan.seed}",
        flush=True,
    )
    result = run(plan)
    result.wall_seconds = time.perf_counter() - start
    source = plan_source(cfg)
    written = write_report(result, out, OmegaConf.to_yaml(cfg, resolve=True), source)
    print()
    print(ranked_markdown(result))
    for note in result.notes:
        print(f"note: {note}")
    print(f"wrote {', '.join(p.name for p in written)} to {out}")
    sys.stdout.flush()


if __name__ == "__main__":
    check_command_line(SensitivityConfig)
    main()
