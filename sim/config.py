"""The typed configuration of the Hydra entry points, and its conversion to engine objects.

``SimConfig`` is the engine's ``ModelParams`` (the one schema of model parameters) plus what a
run needs besides: ``seed``, ``replicates``, the plan (``strategy``, the name of a shipped
plan, or ``plan_file``, a path) and ``plan_edit`` (values of the plan changed from the command
line). It is registered with Hydra's ConfigStore as ``base_config``; ``configs/config.yaml``
puts it first in its defaults list, so every model parameter is overridable by its path
(``python -m sim herd.group_weight=0.7``) and typed (``seed=abc`` is refused by Hydra).

Plans are data, never config: ``strategy`` is a plain string, and the plan it names
(``configs/plans/strategies/<name>.yaml``) is read by ``to_model_params`` with the project's
safe YAML loader and checked (``sim.plans``), so nothing in a plan is composed or interpolated
by Hydra.

``SimConfig.experiment`` holds a named experiment's metadata (``ExperimentParams``, empty for a
plain run); ``CompareConfig`` (``compare_base``) defaults it to the comparison of
``python -m sim.compare``. The experiments are the config group ``experiment``
(``configs/experiment/<name>.yaml``, each ``# @package _global_``, Hydra's pattern for
experiments): ``python -m sim -m +experiment=<name>`` runs a sweep experiment and
``python -m sim.compare experiment=<name>`` a comparison (its defaults list names one).

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
from typing import Any, ClassVar, NoReturn

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, ValueType
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.engine.params import ModelParams, PlanParams
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
from sim.plans import ROOT, available_strategies, display_path, load_strategy, shipped_plan

CONFIG_DIR = ROOT / "configs"
EXPERIMENT_DIR = CONFIG_DIR / "experiment"  # the config group ``experiment``
HYDRA_OWN = frozenset({".hydra"})  # what Hydra puts in a run directory (job logging is off)


@dataclass
class ExperimentParams:
    """A named experiment's metadata (``configs/experiment/<name>.yaml``, key ``experiment``).

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
    """A run: every model parameter, plus the seed, the replicates and the plan.

    Attributes:
        strategy: the name of a shipped plan (``configs/plans/strategies/<name>.yaml``: sop,
            layered, bass, cascade, threshold), read as data when the run starts; a name
            only, never a path.
        plan_edit: values of the plan to change, by their path in the plan file
            (``+plan_edit.switches.shills=true``,
            ``+plan_edit.touchpoints.13.params.detect_prob=0.1``); applied to the plan's data
            before it is checked.
        seed: the run's seed; the same seed gives every strategy the same members, graph and
            random draws (common random numbers).
        replicates: campaigns run side by side, each with its own population and graph.
        plan_file: a user's plan YAML file; when set, it replaces the plan of ``strategy``.
        figures: write the run's figure (``run.png``); sweeps of many jobs may turn it off.
        experiment: the named experiment this run belongs to (``+experiment=<name>``); empty
            for a plain run. It never reaches the engine.
    """

    USES_PLAN: ClassVar[bool] = True  # False: the app reads its plans itself (compare)

    strategy: str = "sop"  # type: ignore[assignment]  # a name here; the plan in ModelParams
    plan_edit: dict[str, Any] = field(default_factory=dict)
    seed: int = bounded(0, 0, 2**32 - 1)
    replicates: int = bounded(20, 1, 100_000)
    plan_file: str = ""
    figures: bool = True
    experiment: ExperimentParams = field(default_factory=ExperimentParams)


@dataclass
class CompareConfig(SimConfig):
    """``python -m sim.compare``: the run settings shared by all strategies, and the experiment.

    The plans come from ``experiment.strategies``; ``strategy`` and ``plan_file`` are not used.
    """

    USES_PLAN: ClassVar[bool] = False

    experiment: ExperimentParams = field(default_factory=_default_comparison)


SIM_FIELDS = frozenset(f.name for f in fields(SimConfig))


# ----------------------------------------------------------------------- resolvers
def _uid() -> str:
    return uuid.uuid4().hex[:6]


def _label(plan_file: Any = "", name: Any = "") -> str:
    """A file-system-safe label for run directories: the plan file's stem, else the name."""
    text = Path(str(plan_file)).stem if plan_file else str(name or "run")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text) or "run"


SWEPT_KEYS = "SIM_SWEPT_KEYS"  # the swept keys, comma-separated (set by sim.sweep.progress)


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


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore.

    The experiments are files of the config group ``experiment`` (``configs/experiment/``),
    found by Hydra itself in the config search path.
    """
    register_resolvers()
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=SimConfig)
    cs.store(name="compare_base", node=CompareConfig)


register_configs()


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


def command_line_keys(cfg: Any = None) -> set[str]:
    """The dotted keys the command line sets (``herd.group_weight``).

    Read from ``cfg``'s own ``hydra`` node when it has one (``compose(...,
    return_hydra_config=True)``), else from the running Hydra app; empty outside both.
    """
    task = OmegaConf.select(cfg, "hydra.overrides.task") if isinstance(cfg, DictConfig) else None
    if task is None:
        if not HydraConfig.initialized():
            return set()
        task = HydraConfig.get().overrides.task
    keys = set()
    for text in task:
        key = str(text).split("=", 1)[0].lstrip("+~")
        keys.add(key.split("@", 1)[0])
    return keys


def _set_keys(data: Mapping[str, Any], default: Mapping[str, Any], path: str = "") -> set[str]:
    """Dotted paths of the leaves of ``data`` whose value differs from ``default``."""
    keys: set[str] = set()
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        base = default.get(key) if isinstance(default, Mapping) else None
        if isinstance(value, Mapping) and isinstance(base, Mapping):
            keys |= _set_keys(value, base, where)
        elif value != base:
            keys.add(where)
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
            of ``bass.yaml``), for callers that read the plan themselves (``sim.compare``);
            they apply unless the command line sets the same key. When omitted, the plan of
            ``plan_file`` or ``strategy`` is read here, and its file's settings stand in for
            the schema's defaults: they apply to the keys that the command line does not set
            and the composed config (an experiment, say) leaves at their defaults.
        keep: dotted keys those settings must not change (default: as just said).

    Returns:
        ``(params, seed, replicates)``; ``params.strategy`` is the plan of ``plan_file`` when
        that is set, else of the shipped plan ``strategy`` (with ``plan_edit`` applied); an
        empty plan when the app reads its plans itself (``USES_PLAN`` false, or ``settings``
        given).

    Raises:
        ConfigError: a value out of range, an unknown key, or a plan file that is missing or
            cannot be used; a run too big for the machine's memory.
    """
    if isinstance(cfg, DictConfig):
        own = [str(k) for k in cfg if k != "hydra"]  # Hydra's node (return_hydra_config)
        try:
            data = OmegaConf.to_container(OmegaConf.masked_copy(cfg, own), resolve=True)
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
    name = data.pop("strategy", None)
    edits = data.pop("plan_edit", None) or {}
    data.pop("experiment", None)
    extra = dict(settings or {})
    plan = PlanParams()
    if settings is None and getattr(schema, "USES_PLAN", True):
        plan, extra, _ = read_plan(name, str(data.get("plan_file") or ""), edits)
    if extra:
        if keep is None:
            keep = command_line_keys(cfg)
            if settings is None:
                keep |= _set_keys(data, asdict(SimConfig()))
        _merge(data, extra, keep)
    obj = build(SimConfig, data, "")
    params = ModelParams(**{f.name: getattr(obj, f.name) for f in fields(ModelParams)})
    params.strategy = plan
    check_size(params, int(obj.replicates))
    return params, int(obj.seed), int(obj.replicates)


def read_plan(
    strategy: Any, plan_file: str = "", edits: Mapping[str, Any] | None = None
) -> tuple[PlanParams, dict[str, Any], str]:
    """Read the run's plan as data: ``plan_file`` if set, else the shipped plan ``strategy``.

    Returns:
        ``(plan, settings, source)`` as ``sim.plans.load_strategy``.

    Raises:
        ConfigError: ``strategy`` is not a shipped plan's name (a path is refused), or the
            file cannot be used.
    """
    if plan_file:
        return load_strategy(plan_file, edits)
    if not isinstance(strategy, str):
        raise ConfigError(
            f"strategy = {excerpt(strategy)}: the name of a shipped plan; allowed: "
            f"{', '.join(available_strategies())}"
        )
    return load_strategy(str(shipped_plan(strategy)), edits)


def plan_source(cfg: DictConfig | SimConfig) -> str:
    """The file the run's plan comes from, as shown in messages and ``summary.json``.

    ``configs/plans/strategies/<name>.yaml`` for a shipped plan, or the ``plan_file`` as given.
    """
    plan_file = str(getattr(cfg, "plan_file", "") or "")
    if plan_file:
        return plan_file
    name = str(getattr(cfg, "strategy", "") or "")
    try:
        return display_path(shipped_plan(name))
    except ConfigError:
        return f"strategy={name}"


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
GROUPS = ("experiment", "calibrated")  # config groups: chosen by name, not a field
# (``calibrated``: the folder of a ``python -m sim.calibrate`` run, added with --config-dir);
# the plan folders under configs/plans/ are data, never a group to compose


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

    Every key must be a parameter of ``schema`` (with or without ``+``), every value, a swept
    one too, of the field's type and within its bounds (so a sweep with one bad value is
    refused before any job runs; rules across fields are checked by each job, and a job that
    breaks one fails alone), and ``strategy`` the name of a shipped plan, in a sweep too
    (a file of one's own is ``plan_file=PATH``, read as data). A plan's values are changed
    with ``+plan_edit.<path>=VALUE``, never as ``strategy.<path>``; the only config groups
    are the experiments (and a calibration's ``calibrated``).

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
        if key in GROUPS or key.startswith("hydra/"):  # a group: an option's name, not a path
            _check_option(key, override)
            continue
        if key.startswith(HYDRA_KEYS):
            continue
        _check_plan_key(key, override)
        tp = _field_type(schema, key)
        if tp is Any:
            continue
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


def _check_plan_key(key: str, override: Override) -> None:
    """Refuse what would treat plan data as config: ``strategy.<path>``, plan folders as groups."""
    if key.startswith("strategy."):
        path = key.removeprefix("strategy.")
        raise ConfigError(
            f"{key}: strategy is the name of a shipped plan; change a value of its plan with "
            f"+plan_edit.{path}=VALUE"
        )
    if "/" in key:
        raise ConfigError(
            f"{key}: no such config group; allowed: {', '.join(GROUPS)} (a plan is chosen with "
            "strategy=NAME or plan_file=PATH, never composed as config)"
        )
    if key.startswith("plan_edit.") and not override.is_add():
        raise ConfigError(f"{key}: write +{override.input_line} (plan_edit adds to the plan)")


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
