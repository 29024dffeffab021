"""The typed configuration of the Hydra entry points, and its conversion to engine objects.

``SimConfig`` is the engine's ``ModelParams`` (the one schema of model parameters) plus what a
run needs besides: ``seed``, ``replicates`` and an optional ``plan_file``. It is registered
with Hydra's ConfigStore as ``base_config``; ``configs/config.yaml`` puts it first in its
defaults list, so every model parameter is overridable by its path
(``python -m sim herd.group_weight=0.7``) and typed (``seed=abc`` is refused by Hydra).
``SimConfig.experiment`` holds a named experiment's metadata (``ExperimentParams``, empty for a
plain run); ``CompareConfig`` (``compare_base``) defaults it to the comparison of
``python -m sim.compare``. Every ``experiments/<name>.yaml`` is registered as option ``<name>``
of the config group ``experiment`` (package ``_global_``), so
``python -m sim.compare experiment=<name>`` and ``python -m sim -m +experiment=<name>`` (a
sweep experiment, which sets ``hydra.sweeper.params`` and ``hydra.sweep.dir``) compose.

Only plain dataclasses leave this module: ``to_model_params`` turns the composed DictConfig
into ``ModelParams`` and the seed and replicate count; no DictConfig reaches the engine.
"""

from __future__ import annotations

import re
import shutil
import sys
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, NoReturn

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.engine.params import ModelParams
from sim.engine.validation import build
from sim.plans import ROOT, display_path, load_plan, plan_from_data

EXPERIMENT_DIR = ROOT / "experiments"
HYDRA_OWN = frozenset({".hydra"})  # what Hydra puts in a run directory (job logging is off)


@dataclass
class ExperimentParams:
    """A named experiment's metadata (``experiments/<name>.yaml``, key ``experiment``).

    Two kinds share it: a paired comparison of strategies run by ``python -m sim.compare``
    (``strategies`` and ``baseline`` a strategy name), and a sweep run by
    ``python -m sim.experiment <name>`` (``python -m sim -m +experiment=<name>``, the sweep in
    ``hydra.sweeper.params``, ``baseline`` a ``key=value`` of the sweep). Outside an
    experiment every field is empty.

    Attributes:
        name: the experiment's name.
        question: the question it answers, in one sentence (shown in its report).
        strategies: for ``sim.compare``: shipped strategy names or plan file paths.
        baseline: what the others are compared with: a name from ``strategies`` for
            ``sim.compare``; ``key=value`` of a swept parameter for a sweep (``strategy=sop``).
        output: the folder the results are written to (a sweep's ``hydra.sweep.dir``).
    """

    name: str = ""
    question: str = ""
    strategies: list[str] = field(default_factory=list)
    baseline: str = ""
    output: str = ""


def _default_comparison() -> ExperimentParams:
    return ExperimentParams(
        name="sop_vs_layered",
        strategies=["sop", "layered"],
        baseline="sop",
        output="results/sop_vs_layered",
    )


@dataclass
class SimConfig(ModelParams):
    """A run: every model parameter, plus the seed, the replicates and an own plan file.

    Attributes:
        seed: the run's seed; the same seed gives every strategy the same members, graph and
            random draws (common random numbers).
        replicates: campaigns run side by side, each with its own population and graph.
        plan_file: a user's plan YAML file; when set, it replaces the plan of ``strategy``.
        figures: write the run's figure (``run.png``); sweeps of many jobs may turn it off.
        experiment: the named experiment this run belongs to (``+experiment=<name>``); empty
            for a plain run. It never reaches the engine.
    """

    seed: int = 0
    replicates: int = 20
    plan_file: str = ""
    figures: bool = True
    experiment: ExperimentParams = field(default_factory=ExperimentParams)


@dataclass
class CompareConfig(SimConfig):
    """``python -m sim.compare``: the run settings shared by all strategies, and the experiment."""

    experiment: ExperimentParams = field(default_factory=_default_comparison)


# ----------------------------------------------------------------------- resolvers
def _uid() -> str:
    return uuid.uuid4().hex[:6]


def _label(plan_file: Any = "", name: Any = "") -> str:
    """A file-system-safe label for run directories: the plan file's stem, else the name."""
    text = Path(str(plan_file)).stem if plan_file else str(name or "run")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text) or "run"


def register_resolvers() -> None:
    """Register ``${sim_uid:}`` and ``${sim_label:plan_file,name}`` (idempotent).

    ``sim_uid`` is cached: it gives one random suffix per process however often Hydra
    resolves the run directory, and differs between two runs started in the same second.
    """
    if not OmegaConf.has_resolver("sim_uid"):
        OmegaConf.register_new_resolver("sim_uid", _uid, use_cache=True)
    if not OmegaConf.has_resolver("sim_label"):
        OmegaConf.register_new_resolver("sim_label", _label)


def register_configs() -> list[str]:
    """Store the schemas and the experiments in Hydra's ConfigStore.

    Returns:
        Warnings about experiment files that could not be read (they are left out).
    """
    register_resolvers()
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=SimConfig)
    cs.store(name="compare_base", node=CompareConfig)
    warnings = []
    for path in sorted(EXPERIMENT_DIR.glob("*.yaml")):
        try:
            node = OmegaConf.load(path)
        except Exception as exc:  # any YAML problem: report it, skip the file
            problem = " ".join(str(exc).split())
            where = display_path(path)
            warnings.append(f"warning: {where} is not readable YAML, skipped ({problem})")
            continue
        cs.store(group="experiment", name=path.stem, node=node, package="_global_")
    return warnings


_WARNINGS = register_configs()


def report_warnings() -> None:
    """Print the warnings collected while registering configs (to stderr)."""
    for line in _WARNINGS:
        print(line, file=sys.stderr)


# ----------------------------------------------------------------------- conversion
def to_model_params(cfg: DictConfig | SimConfig) -> tuple[ModelParams, int, int]:
    """Turn a composed config into plain engine objects.

    Args:
        cfg: the composed config (a DictConfig of ``SimConfig`` or a subclass), or a
            ``SimConfig``.

    Returns:
        ``(params, seed, replicates)``; ``params.strategy`` is the plan of ``plan_file`` when
        that is set, else the composed ``strategy``.

    Raises:
        ConfigError: a plan file that is missing or cannot be used.
    """
    obj: Any = OmegaConf.to_object(cfg) if isinstance(cfg, DictConfig) else cfg
    if isinstance(obj, dict):  # an untyped config: check it against the schema
        plan = obj.get("strategy") or {}
        data = {k: v for k, v in obj.items() if k not in ("experiment", "strategy")}
        obj = build(SimConfig, data, "config")
        obj.strategy = plan_from_data(plan, plan_source(cfg))
    params = ModelParams(**{f.name: getattr(obj, f.name) for f in fields(ModelParams)})
    if obj.plan_file:
        params.strategy = load_plan(obj.plan_file)
    return params, int(obj.seed), int(obj.replicates)


def plan_source(cfg: DictConfig | SimConfig) -> str:
    """The file the run's plan comes from, for messages (``configs/strategy/sop.yaml``).

    Falls back to ``strategy=<choice>`` (or ``strategy``) outside a Hydra run.
    """
    plan_file = getattr(cfg, "plan_file", "")
    if plan_file:
        return str(plan_file)
    if not HydraConfig.initialized():
        return "strategy"
    runtime = HydraConfig.get().runtime
    choice = runtime.choices.get("strategy")
    if choice is None:
        return "strategy"
    for src in runtime.config_sources:
        if src.schema == "file":
            path = Path(src.path) / "strategy" / f"{choice}.yaml"
            if path.is_file():
                return display_path(path)
    return f"strategy={choice}"


def run_config(params: ModelParams, seed: int, replicates: int, source: str) -> dict[str, Any]:
    """The plain dict of everything a run used, for ``summary.json``."""
    return {"seed": seed, "replicates": replicates, "plan_source": source, **asdict(params)}


# ----------------------------------------------------------------------- failing cleanly
def run_dir() -> Path:
    """The current Hydra run's output directory."""
    return Path(HydraConfig.get().runtime.output_dir)


def stop(error: BaseException | str, directory: Path | None = None) -> NoReturn:
    """Print ``error: <message>`` to stderr, drop an untouched run directory, exit with 2.

    Args:
        error: the exception (a ConfigError or GraphInputError) or message.
        directory: the run directory Hydra created; it is removed if it holds nothing but
            Hydra's own files (``.hydra/``).
    """
    print(f"error: {error}", file=sys.stderr)
    if directory is not None and directory.is_dir():
        entries = {p.name for p in directory.iterdir()}
        if entries <= HYDRA_OWN:
            shutil.rmtree(directory, ignore_errors=True)
    raise SystemExit(2)
