r"""``python -m sim.calibrate``: fit model parameters to pattern targets and to a campaign.

The calibration is ``configs/calibration/<name>.yaml`` (config group ``calibration``; the
schema is ``sim.calibration.CalibrationSettings``): the parameters fitted (dotted paths with
bounds, optional log scale), pattern targets on strategies' figures, and/or a past campaign's
daily CSV with its plan and group size. Every trial runs on the same seed with ``replicates``
replicates per strategy (common random numbers); Optuna proposes the trials. Examples::

    python -m sim.calibrate                                   # calibration=default: the patterns
    python -m sim.calibrate calibration=example_campaign      # fit the example campaign CSV
    python -m sim.calibrate calibration=example_campaign calibration.campaign.data=my.csv \
        calibration.campaign.plan=my_plan.yaml calibration.campaign.members=180
    python -m sim.calibrate calibration.trials=100 replicates=20 calibration.n_jobs=2
    python -m sim.calibrate calibration.output=results/my_fit

Writes to ``calibration.output`` (default ``results/calibration/<name>/``):
``calibrated/best.yaml`` (run it with ``python -m sim --config-dir <output>
+calibrated=best``), ``history.csv``, ``spread.csv``, ``profile.png``, ``fit.csv``/``fit.png``
(campaign), ``targets.csv`` (targets), ``config.yaml`` and ``report.md``. A setting or CSV that
cannot be used stops before anything runs or is written, with one ``error:`` line naming the
file and field, and exit code 2. See ``docs/calibrate.md``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from sim.calibration.settings import CalibrationSettings
from sim.calibration.study import Problem, prepare
from sim.config import SimConfig, run_dir, stop, to_model_params
from sim.engine import ConfigError
from sim.engine.graph import GraphInputError
from sim.plans import ROOT, display_path


@dataclass
class CalibrateConfig(SimConfig):
    """``python -m sim.calibrate``: the base model parameters, seed, replicates, calibration.

    The plans come from the calibration (its targets' strategies, its campaign's plan);
    ``strategy`` is not used.
    """

    USES_PLAN: ClassVar[bool] = False

    replicates: int = 10
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)


ConfigStore.instance().store(name="calibrate_base", node=CalibrateConfig)


def _calibration_file() -> str:
    """The calibration's file (``configs/calibration/default.yaml``), for messages."""
    if not HydraConfig.initialized():
        return "calibration"
    runtime = HydraConfig.get().runtime
    choice = runtime.choices.get("calibration")
    for src in runtime.config_sources:
        if src.schema == "file" and choice:
            path = Path(src.path) / "calibration" / f"{choice}.yaml"
            if path.is_file():
                return display_path(path)
    return f"calibration={choice}" if choice else "calibration"


def setting_name(key: str) -> str:
    """Name a setting in errors: ``<calibration file>: calibration.<key>``, or the command line."""
    path = f"calibration.{key}"
    if HydraConfig.initialized():
        task = HydraConfig.get().overrides.task
        if any(o.lstrip("+~").split("=")[0].startswith(path) for o in task):
            return f"command line: {path}"
    return f"{_calibration_file()}: {path}"


def _settings(cfg: DictConfig) -> CalibrationSettings:
    try:
        settings = OmegaConf.to_object(cfg.calibration)
    except MissingMandatoryValue as exc:  # an entry without name, low, high or metric
        key = str(getattr(exc, "full_key", "") or "").removeprefix("calibration.")
        top, bracket, rest = key.partition("[")
        raise ConfigError(
            f"{setting_name(top)}{bracket}{rest}: missing; parameters need name, low and "
            "high, targets need metric"
        ) from exc
    except OmegaConfBaseException as exc:
        problem = " ".join(str(exc).split())
        raise ConfigError(f"{_calibration_file()}: calibration: {problem}") from exc
    assert isinstance(settings, CalibrationSettings)
    data = settings.campaign.data
    if data and not Path(data).expanduser().exists() and (ROOT / data).exists():
        settings.campaign.data = str(ROOT / data)  # a shipped example, run from elsewhere
    return settings


def build_problem(cfg: DictConfig) -> Problem:
    """Check the composed config and return the calibration problem (nothing runs).

    Raises:
        ConfigError, GraphInputError: a setting or file that cannot be used.
    """
    settings = _settings(cfg)
    params, seed, replicates = to_model_params(cfg)
    return prepare(params, seed, replicates, settings, setting_name)


@hydra.main(version_base="1.3", config_path="../configs", config_name="calibrate")
def main(cfg: DictConfig) -> None:
    """Check the calibration, run the study, write and print the best parameters."""
    start = time.perf_counter()
    out = run_dir()
    try:
        problem = build_problem(cfg)
    except (ConfigError, GraphInputError) as exc:
        stop(exc, out)
    from sim.calibration.report import write_report
    from sim.calibration.study import history_table, run_study, spread

    s = problem.settings
    fits = [f"{len(s.targets)} pattern targets" if s.targets else ""]
    fits.append(f"campaign {problem.observed.source}" if problem.observed else "")
    print(
        f"calibration {s.name}: {len(problem.names)} parameters to "
        f"{' and '.join(x for x in fits if x)}; {s.trials} trials, {problem.replicates} "
        f"replicates per strategy on seed {problem.seed}",
        flush=True,
    )
    _, outcomes = run_study(problem)
    history = history_table(problem, outcomes)
    table = spread(problem, history)
    config_text = OmegaConf.to_yaml(cfg, resolve=True)
    written = write_report(
        problem,
        outcomes,
        history=history,
        spread_table=table,
        out=out,
        config_text=config_text,
        seconds=time.perf_counter() - start,
    )
    best = outcomes[int(history["loss"].idxmin())]
    values = ", ".join(f"{n}={v:.6g}" for n, v in zip(problem.names, best.values, strict=True))
    print(f"best (loss {best.loss:.6g}): {values}")
    print(f"wrote {', '.join(p.name for p in written)} to {out}")
    print(f"run it: python -m sim --config-dir {out} +calibrated=best")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
