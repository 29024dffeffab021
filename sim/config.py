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

import dataclasses
import os
import re
import shutil
import sys
import typing
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, NoReturn

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, ValueType
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.engine.params import ModelParams
from sim.engine.validation import (
    ConfigError,
    bounded,
    build,
    check_bounds,
    check_size,
    coerce,
    excerpt,
    one_line,
)
from sim.plans import ROOT, available_strategies, display_path, load_strategy, plan_from_data

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

    seed: int = bounded(0, 0, 2**32 - 1)
    replicates: int = bounded(20, 1, 100_000)
    plan_file: str = ""
    figures: bool = True
    experiment: ExperimentParams = field(default_factory=ExperimentParams)


@dataclass
class CompareConfig(SimConfig):
    """``python -m sim.compare``: the run settings shared by all strategies, and the experiment."""

    experiment: ExperimentParams = field(default_factory=_default_comparison)


SIM_FIELDS = frozenset(f.name for f in fields(SimConfig))


# ----------------------------------------------------------------------- resolvers
def _uid() -> str:
    return uuid.uuid4().hex[:6]


def _label(plan_file: Any = "", name: Any = "") -> str:
    """A file-system-safe label for run directories: the plan file's stem, else the name."""
    text = Path(str(plan_file)).stem if plan_file else str(name or "run")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text) or "run"


SWEPT_KEYS = "SIM_SWEPT_KEYS"  # the swept keys, comma-separated (set by sim.progress)


def swept_keys(
    task_overrides: Sequence[str], sweeper_params: Mapping[str, Any] | None
) -> list[str]:
    """The keys a multirun sweeps: command-line sweeps (``a=1,2``) and ``hydra.sweeper.params``."""
    parser = OverridesParser.create()
    keys: list[str] = []
    for text in task_overrides:
        try:
            override = parser.parse_override(str(text))
        except HydraException:
            continue
        if override.is_sweep_override():
            keys.append(override.key_or_group)
    for key, value in (sweeper_params or {}).items():
        try:
            if parser.parse_override(f"{key}={value}").is_sweep_override():
                keys.append(str(key))
        except HydraException:
            continue
    return list(dict.fromkeys(keys))


def _swept_values() -> str:
    """``_key=value_...`` of this sweep job's swept values (the strategy is named already)."""
    named = ("strategy", "plan_file")  # the label names the plan already
    keys = [k for k in os.environ.get(SWEPT_KEYS, "").split(",") if k and k not in named]
    if not keys or not HydraConfig.initialized():
        return ""
    mine = {}
    for text in HydraConfig.get().overrides.task:
        key, _, value = str(text).partition("=")
        mine[key.lstrip("+~")] = value
    short = {k: k.rsplit(".", 1)[-1] for k in keys}
    if len(set(short.values())) < len(short):
        short = {k: k for k in keys}
    parts = [f"{short[k]}={mine[k]}" for k in keys if k in mine]
    text = re.sub(r"[^A-Za-z0-9_.=,+-]+", "-", "_".join(parts))[:80]
    return f"_{text}" if text else ""


def register_resolvers() -> None:
    """Register ``${sim_uid:}``, ``${sim_label:plan_file,name}``, ``${sim_swept:}`` (idempotent).

    ``sim_swept`` gives a sweep job's swept values for its folder name (``_group_weight=0.5``).

    ``sim_uid`` is cached: it gives one random suffix per process however often Hydra
    resolves the run directory, and differs between two runs started in the same second.
    """
    if not OmegaConf.has_resolver("sim_uid"):
        OmegaConf.register_new_resolver("sim_uid", _uid, use_cache=True)
    if not OmegaConf.has_resolver("sim_label"):
        OmegaConf.register_new_resolver("sim_label", _label)
    if not OmegaConf.has_resolver("sim_swept"):
        OmegaConf.register_new_resolver("sim_swept", _swept_values)


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
def _merge(base: dict[str, Any], extra: Mapping[str, Any], keep: set[str], path: str = "") -> None:
    """Merge ``extra`` into ``base`` (nested mappings key by key), except the paths in ``keep``."""
    for key, value in extra.items():
        where = f"{path}.{key}" if path else str(key)
        if where in keep:
            continue
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value, keep, where)
        else:
            base[key] = value


def command_line_keys() -> set[str]:
    """The dotted keys the command line sets (``herd.group_weight``), inside a Hydra run."""
    if not HydraConfig.initialized():
        return set()
    keys = set()
    for text in HydraConfig.get().overrides.task:
        key = str(text).split("=", 1)[0].lstrip("+~")
        keys.add(key.split("@", 1)[0])
    return keys


def to_model_params(
    cfg: DictConfig | SimConfig,
    settings: Mapping[str, Any] | None = None,
    keep: set[str] | None = None,
) -> tuple[ModelParams, int, int]:
    """Turn a composed config into plain engine objects, checking every value.

    Args:
        cfg: the composed config (a DictConfig of ``SimConfig`` or a subclass), or a
            ``SimConfig``.
        settings: model settings a strategy file sets besides its plan (``purchase.model``
            of ``bass.yaml``); they apply unless the command line sets the same key.
        keep: dotted keys those settings must not change (default: the keys the command line
            sets, ``command_line_keys``).

    Returns:
        ``(params, seed, replicates)``; ``params.strategy`` is the plan of ``plan_file`` when
        that is set, else the composed ``strategy``.

    Raises:
        ConfigError: a value out of range, an unknown key, or a plan file that is missing or
            cannot be used; a run too big for the machine's memory.
    """
    if isinstance(cfg, DictConfig):
        try:
            data = OmegaConf.to_container(cfg, resolve=True)
        except OmegaConfBaseException as exc:
            raise ConfigError(" ".join(str(exc).split())) from exc
    else:
        data = asdict(cfg)
    assert isinstance(data, dict)
    schema = OmegaConf.get_type(cfg) if isinstance(cfg, DictConfig) else type(cfg)
    if dataclasses.is_dataclass(schema):  # a subclass's own blocks (sensitivity) are not ours
        for f in fields(schema):
            if f.name not in SIM_FIELDS:
                data.pop(f.name, None)
    plan_data = data.pop("strategy", None) or {}
    data.pop("experiment", None)
    source = plan_source(cfg)
    plan_file = data.get("plan_file") or ""
    extra = dict(settings or {})
    plan = None
    if plan_file:
        plan, extra, source = load_strategy(str(plan_file))
    if extra:
        _merge(data, extra, command_line_keys() if keep is None else keep)
    obj = build(SimConfig, data, "")
    params = ModelParams(**{f.name: getattr(obj, f.name) for f in fields(ModelParams)})
    params.strategy = plan if plan is not None else plan_from_data(plan_data, source)
    check_size(params, int(obj.replicates))
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
_EXISTED: dict[str, tuple[bool, bool]] = {}  # run dir -> (it existed, its .hydra existed)


class RunDirGuard(Callback):
    """Notes, before Hydra creates it, whether the run directory (and its ``.hydra/``) existed.

    ``stop`` then removes only what this run created: never a folder the user made.
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Record whether ``hydra.run.dir`` exists (its value is resolved once and cached)."""
        try:
            where = Path(str(OmegaConf.select(config, "hydra.run.dir"))).resolve()
        except (OmegaConfBaseException, OSError):
            return
        _EXISTED[str(where)] = (where.exists(), (where / ".hydra").exists())


def run_dir() -> Path:
    """The current Hydra run's output directory."""
    return Path(HydraConfig.get().runtime.output_dir)


def stop(error: BaseException | str, directory: Path | None = None) -> NoReturn:
    """Print ``error: <message>`` to stderr, drop what the run created, exit with 2.

    Args:
        error: the exception (a ConfigError or GraphInputError) or message; shown on one line,
            control characters (terminal escapes) quoted.
        directory: the run directory Hydra created; it is removed if this run created it and
            it holds nothing but Hydra's own files (``.hydra/``). A directory that existed
            before keeps everything but a ``.hydra/`` this run added.
    """
    print(f"error: {one_line(error)}", file=sys.stderr)
    if directory is not None and directory.is_dir():
        key = str(directory.resolve())
        existed, hydra_existed = _EXISTED.get(key, (True, True))
        entries = {p.name for p in directory.iterdir()}
        if not existed and entries <= HYDRA_OWN:
            shutil.rmtree(directory, ignore_errors=True)
        elif existed and not hydra_existed:
            shutil.rmtree(directory / ".hydra", ignore_errors=True)
    raise SystemExit(2)


# ----------------------------------------------------------------------- the command line
HYDRA_KEYS = ("hydra", "hydra.")
GROUPS = ("strategy", "experiment", "calibrated")  # config groups: chosen by name, not a field
# (``calibrated``: the folder of a ``python -m sim.calibrate`` run, added with --config-dir)


def _field_type(schema: type, path: str) -> Any:
    """The type of the field at dotted ``path`` of dataclass ``schema`` (Any past a mapping).

    Raises:
        ConfigError: no such field, naming the fields allowed at that level.
    """
    tp: Any = schema
    done: list[str] = []
    for part in path.split("."):
        if not dataclasses.is_dataclass(tp):
            return Any  # inside a mapping, a list or an untyped value
        hints = typing.get_type_hints(tp)
        if part not in hints:
            at = ".".join(done)
            names = ", ".join(f.name for f in fields(tp))
            raise ConfigError(
                f"{excerpt(path)}: no such parameter{f' in {at}' if at else ''}; allowed: {names}"
            )
        tp = hints[part]
        done.append(part)
    return tp


def _values(override: Override) -> list[Any]:
    if override.value_type in (ValueType.ELEMENT, None):
        return [override.value()]
    if override.value_type == ValueType.INTERVAL_SWEEP:
        return []
    return [Override._convert_value(v) for v in override.sweep_iterator()]


def _metadata(schema: type, path: str) -> Mapping[str, Any]:
    *parents, name = path.split(".")
    tp: Any = schema
    for part in parents:
        tp = typing.get_type_hints(tp)[part]
    for f in fields(tp):
        if f.name == name:
            return f.metadata
    return {}


def check_overrides(args: Sequence[str], schema: type = SimConfig) -> None:
    """Check the command line's ``key=value`` overrides before Hydra composes anything.

    Every key must be a parameter of ``schema`` (with or without ``+``), every single value of
    the field's type and within its bounds (the values of a sweep are checked by their jobs, so
    a bad one fails its job only), and ``strategy`` the name of a shipped plan, in a sweep too
    (a file of one's own is ``plan_file=PATH``, read as data).

    Args:
        args: the command-line arguments (flags such as ``-m`` are skipped).
        schema: the entry point's config dataclass.

    Raises:
        ConfigError: naming the override and what is allowed.
    """
    parser = OverridesParser.create()
    for arg in args:
        if arg.startswith("-") or ("=" not in arg and not arg.startswith(("+", "~"))):
            continue
        try:
            override = parser.parse_override(arg)
        except HydraException as exc:
            problem = " ".join(str(exc).split())
            raise ConfigError(
                f"override {excerpt(arg)}: cannot be read ({excerpt(problem, 160)}); write "
                "key=value, e.g. herd.group_weight=0.7"
            ) from exc
        key = override.key_or_group.split("@", 1)[0]
        if not key:
            raise ConfigError(f"override {excerpt(arg)}: no key; write key=value")
        if override.is_delete():
            continue
        if key == "strategy":
            _check_strategy(override)
            continue
        if key in GROUPS or "/" in key:  # a config group: an option's name, never a path
            _check_option(key, override)
            continue
        if key.startswith(HYDRA_KEYS):
            continue
        tp = _field_type(schema, key)
        if tp is Any:
            continue
        if override.is_sweep_override():
            continue  # each value of a sweep is checked by its job (a bad one fails that job)
        meta = _metadata(schema, key)
        for value in _values(override):
            if isinstance(value, str) and "${" in value:
                continue  # an interpolation: checked once resolved
            if value is None and tp is not None:
                raise ConfigError(f"{key} = null: a value is needed")
            checked = coerce(value, tp, key)
            check_bounds(checked, meta, key)


def _check_strategy(override: Override) -> None:
    shipped = available_strategies()
    if override.value_type == ValueType.GLOB_CHOICE_SWEEP:
        raise ConfigError(f"strategy: list the plans by name ({', '.join(shipped)})")
    for value in _values(override):
        if not isinstance(value, str) or value not in shipped:
            raise ConfigError(
                f"strategy = {excerpt(value)}: not a shipped plan; allowed: "
                f"{', '.join(shipped)} (a plan file of your own: plan_file=PATH)"
            )


def _check_option(group: str, override: Override) -> None:
    if override.value_type == ValueType.GLOB_CHOICE_SWEEP:
        return  # a glob picks among the group's own options
    for value in _values(override):
        text = str(value)
        if "/" in text or "\\" in text or ".." in text:
            raise ConfigError(
                f"{group} = {excerpt(value)}: the name of one of the group's options, not a path"
            )
        if group == "experiment":
            names = sorted(p.stem for p in EXPERIMENT_DIR.glob("*.yaml"))
            if text not in names:
                raise ConfigError(
                    f"experiment = {excerpt(value)}: no such experiment; allowed: "
                    f"{', '.join(names)}"
                )


def check_command_line(schema: type = SimConfig, args: Sequence[str] | None = None) -> None:
    """``check_overrides`` on ``sys.argv``, stopping with one ``error:`` line and exit 2."""
    try:
        check_overrides(sys.argv[1:] if args is None else args, schema)
    except ConfigError as exc:
        stop(exc)
