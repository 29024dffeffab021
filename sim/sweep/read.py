"""Reading a sweep directory (``python -m sim -m ...``) into its jobs and tidy frames.

A sweep directory holds ``multirun.yaml`` (Hydra's record of the sweep) and one directory per
job: a finished job has ``summary.json`` (written last), a failed one ``error.json``, and a job
still running or killed half-way has neither (only ``.hydra/``). ``read_sweep`` finds the
swept parameters, in sweep order, from ``multirun.yaml`` (``hydra.sweeper.params`` then the
command line's ``hydra.overrides.task``, as Hydra's basic sweeper combines them) and each job's
values from its ``.hydra/overrides.yaml``, parsed as Hydra parses them (``0.3`` a float,
``true`` a bool). ``collect_frames`` stacks the finished jobs' ``replicates.csv`` and
``daily.csv`` with the job and its swept values as columns.

A directory written by ``python -m sim.compare`` (one folder per strategy, each with
``summary.json`` and no ``.hydra/``) reads as a sweep over ``strategy``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf

DONE, FAILED, UNFINISHED = "done", "failed", "unfinished"
JOB_COLUMNS: tuple[str, ...] = ("job", "job_num")
REPORT_DIR = "report"


class SweepError(Exception):
    """A directory that cannot be collected (missing, empty, not a sweep, nothing finished)."""


@dataclass(frozen=True)
class SweptParam:
    """A swept parameter: its key (``purchase.herd``) and its values in sweep order.

    ``values`` is empty when the sweep's values are not a plain list (a sweeper other than
    Hydra's basic one); the jobs' own values are then used.
    """

    key: str
    values: tuple[Any, ...] = ()


@dataclass
class JobDir:
    """One job directory of a sweep.

    Attributes:
        name: the directory's name (``3_layered``).
        num: Hydra's job number (``hydra.job.num``).
        path: the directory.
        status: ``done`` (summary.json), ``failed`` (error.json) or ``unfinished`` (neither).
        overrides: the job's command-line overrides (``.hydra/overrides.yaml``).
        params: swept key -> this job's value.
        seed: the run's seed (finished jobs).
        error: for a failed job: ``error_type`` and ``message`` (from ``error.json``).
        summary: the job's ``summary.json`` (finished jobs).
    """

    name: str
    num: int
    path: Path
    status: str
    overrides: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    error: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sweep:
    """A sweep directory as read by ``read_sweep``.

    Attributes:
        path: the directory.
        params: the swept parameters in sweep order (the first varies slowest).
        jobs: every job directory, by job number.
        fixed: the overrides every job shares (``population.members=60``).
        expected_jobs: the jobs the sweep launches (None if it cannot be told).
        experiment: the named experiment's metadata (``experiment`` of the config), if any.
        notes: caveats found while reading (shown in the report).
    """

    path: Path
    params: list[SweptParam]
    jobs: list[JobDir]
    fixed: list[str] = field(default_factory=list)
    expected_jobs: int | None = None
    experiment: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        """The swept keys in sweep order."""
        return [p.key for p in self.params]

    def with_status(self, status: str) -> list[JobDir]:
        """The jobs with that status (``done``, ``failed``, ``unfinished``), by number."""
        return [job for job in self.jobs if job.status == status]

    @property
    def not_started(self) -> int:
        """Jobs the sweep launches that have no directory yet (0 if unknown)."""
        if self.expected_jobs is None:
            return 0
        return max(0, self.expected_jobs - len(self.jobs))


# ----------------------------------------------------------------------- overrides
_PARSER = OverridesParser.create()


def _key(override: Any) -> str:
    """The override's key without its ``+``/``++``/``~`` prefix (``strategy``, ``a.b``)."""
    return str(override.get_key_element()).lstrip("+~")


def _plain(value: Any, text: str) -> Any:
    """A scalar as parsed; anything else (a list, a dict) as its override text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return text


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``key=value`` into the key and the value as Hydra parses it.

    Raises:
        SweepError: the text is not an override.
    """
    try:
        override = _PARSER.parse_override(text)
    except HydraException as exc:
        raise SweepError(f"{text!r}: not a key=value override ({exc})") from exc
    text_value = override.get_value_element_as_str() if not override.is_delete() else ""
    return _key(override), _plain(override.value(), text_value)


def _swept(overrides: list[str]) -> tuple[list[SweptParam], list[str], int | None]:
    """Swept parameters, fixed overrides and job count, as the basic sweeper combines them.

    A later override of a key replaces an earlier one, in the earlier one's place.
    """
    try:
        parsed = _PARSER.parse_overrides(overrides)
    except HydraException as exc:
        raise SweepError(f"multirun.yaml: the sweep's overrides cannot be parsed ({exc})") from exc
    final = {_key(o): o for o in parsed}
    params: list[SweptParam] = []
    fixed: list[str] = []
    count: int | None = 1
    for key, o in final.items():
        if not o.is_sweep_override():
            fixed.append(str(o.input_line))
        elif o.is_discrete_sweep():
            values = tuple(parse_override(f"{key}={v}")[1] for v in o.sweep_string_iterator())
            params.append(SweptParam(key, values))
            count = None if count is None else count * len(values)
        else:  # an interval or other sweep the basic sweeper cannot expand
            params.append(SweptParam(key))
            count = None
    return params, fixed, count


# ----------------------------------------------------------------------- reading
def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SweepError(f"{path}: not readable JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise SweepError(f"{path}: expected a JSON object")
    return data


def _read_overrides(path: Path) -> list[str] | None:
    file = path / ".hydra" / "overrides.yaml"
    if not file.is_file():
        return None
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return [str(x) for x in data] if isinstance(data, list) else []


def _is_job_dir(path: Path) -> bool:
    if not path.is_dir() or path.name.startswith(".") or path.name == REPORT_DIR:
        return False
    return any((path / name).exists() for name in (".hydra", "summary.json", "error.json"))


def _is_single_run(path: Path) -> bool:
    """Whether ``path`` was written by a single run (``hydra.mode: RUN``), not a sweep job."""
    hydra_file = path / ".hydra" / "hydra.yaml"
    try:
        text = hydra_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s+mode: RUN\s*$", text, flags=re.MULTILINE) is not None


def _job_num(path: Path, error: dict[str, Any]) -> int:
    if isinstance(error.get("num"), int):
        return int(error["num"])
    match = re.match(r"(\d+)(?:_|$)", path.name)
    if match:
        return int(match.group(1))
    hydra_file = path / ".hydra" / "hydra.yaml"
    if hydra_file.is_file():
        try:
            num = OmegaConf.load(hydra_file).hydra.job.get("num")
            return int(num)
        except Exception:  # an unreadable hydra.yaml: order by name instead
            pass
    return -1


def _read_job(path: Path) -> JobDir:
    overrides = _read_overrides(path)
    summary_file, error_file = path / "summary.json", path / "error.json"
    job = JobDir(path.name, -1, path, UNFINISHED, overrides or [])
    if summary_file.is_file():
        job.status = DONE
        try:
            job.summary = _read_json(summary_file)
            job.seed = int(job.summary["seed"])
        except (SweepError, KeyError, TypeError, ValueError) as exc:
            job.status = FAILED
            job.error = {"error_type": "CollectError", "message": f"summary.json: {exc}"}
    elif error_file.is_file():
        job.status = FAILED
        try:
            data = _read_json(error_file)
        except SweepError as exc:
            data = {"error_type": "CollectError", "message": str(exc)}
        job.error = {
            "error_type": str(data.get("error_type", "")),
            "message": " ".join(str(data.get("message", "")).split()),
        }
        if overrides is None and isinstance(data.get("overrides"), list):
            job.overrides = [str(x) for x in data["overrides"]]
        job.num = _job_num(path, data)
    if job.num < 0:
        job.num = _job_num(path, {})
    return job


def _multirun(path: Path) -> tuple[list[str], dict[str, Any]]:
    """The sweep's overrides (sweeper params then the command line) and experiment metadata."""
    try:
        conf = OmegaConf.to_container(OmegaConf.load(path / "multirun.yaml"), resolve=False)
    except Exception as exc:  # any YAML or OmegaConf problem
        raise SweepError(f"{path / 'multirun.yaml'}: not readable ({exc})") from exc
    if not isinstance(conf, dict):
        raise SweepError(f"{path / 'multirun.yaml'}: not a Hydra multirun record")
    hydra = conf.get("hydra") or {}
    params = ((hydra.get("sweeper") or {}).get("params")) or {}
    task = ((hydra.get("overrides") or {}).get("task")) or []
    overrides = [f"{k}={v}" for k, v in params.items()] + [str(x) for x in task]
    experiment = conf.get("experiment") or {}
    return overrides, experiment if isinstance(experiment, dict) else {}


def _inferred(jobs: list[JobDir]) -> tuple[list[SweptParam], list[str]]:
    """Swept keys as the keys whose values differ between jobs (without multirun.yaml)."""
    per_job = [dict(parse_override(line) for line in job.overrides) for job in jobs]
    keys = list(dict.fromkeys(k for values in per_job for k in values))
    params, fixed = [], []
    for key in keys:
        seen = list(dict.fromkeys(_hashable(values.get(key)) for values in per_job))
        if len(seen) > 1:
            params.append(SweptParam(key, tuple(seen)))
        else:
            fixed.append(next(line for line in jobs[0].overrides if _key_of(line) == key))
    return params, fixed


def _hashable(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def _key_of(line: str) -> str:
    return parse_override(line)[0]


def read_sweep(path: str | Path) -> Sweep:
    """Read a sweep directory: its swept parameters and the state of every job.

    Args:
        path: the sweep directory (``hydra.sweep.dir``).

    Returns:
        The sweep; jobs are in job-number order, each with its swept values.

    Raises:
        SweepError: the directory is missing, empty, holds neither ``multirun.yaml`` nor job
            directories, or its records cannot be read.
    """
    root = Path(path)
    if not root.exists():
        raise SweepError(f"{root}: no such directory")
    if not root.is_dir():
        raise SweepError(f"{root}: not a directory")
    has_multirun = (root / "multirun.yaml").is_file()
    jobs = sorted(
        (_read_job(p) for p in root.iterdir() if _is_job_dir(p)), key=lambda j: (j.num, j.name)
    )
    if not has_multirun and not jobs:
        what = "empty" if not any(root.iterdir()) else "not a sweep"
        raise SweepError(
            f"{root}: {what}: no multirun.yaml and no job directories (a sweep directory is "
            "written by `python -m sim -m key=a,b ...`)"
        )
    if not jobs:
        raise SweepError(f"{root}: the sweep has not started any job yet (no job directories)")
    if not has_multirun and all(_is_single_run(job.path) for job in jobs):
        raise SweepError(
            f"{root}: a folder of single runs (python -m sim without -m), not a sweep; each "
            "run's results are in its own folder. To compare settings run a sweep "
            "(python -m sim -m key=a,b) or python -m sim.compare, then collect that folder"
        )
    sweep = Sweep(root, [], jobs)
    if has_multirun:
        overrides, sweep.experiment = _multirun(root)
        sweep.params, sweep.fixed, sweep.expected_jobs = _swept(overrides)
    elif all(job.overrides == [] and job.status == DONE for job in jobs):
        _as_comparison(sweep)
    else:
        sweep.params, sweep.fixed = _inferred(jobs)
        sweep.notes.append("no multirun.yaml: the swept parameters are inferred from the jobs")
    for job in jobs:
        _assign_params(sweep, job)
    return sweep


def _assign_params(sweep: Sweep, job: JobDir) -> None:
    if job.params:
        return
    values = dict(parse_override(line) for line in job.overrides)
    job.params = {p.key: values.get(p.key) for p in sweep.params}


def _as_comparison(sweep: Sweep) -> None:
    """Read a ``sim.compare`` directory as a sweep over ``strategy``.

    The strategies are taken in the order their runs were written (the baseline first).
    """
    sweep.jobs.sort(key=lambda j: (str(j.summary.get("created", "")), j.name))
    for num, job in enumerate(sweep.jobs):
        job.num = num
        job.params = {"strategy": job.summary.get("strategy", job.name)}
    values = tuple(job.params["strategy"] for job in sweep.jobs)
    sweep.params = [SweptParam("strategy", values)]
    sweep.expected_jobs = len(sweep.jobs)
    experiment = next((j.summary.get("experiment") for j in sweep.jobs), None)
    if experiment:
        sweep.experiment = {"name": experiment}
    sweep.notes.append("a sim.compare directory: each strategy's folder is read as a job")


# ----------------------------------------------------------------------- frames
def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise SweepError(f"{path}: not readable ({' '.join(str(exc).split())})") from exc


def _with_job(table: pd.DataFrame, job: JobDir) -> pd.DataFrame:
    lead = {"job": job.name, "job_num": job.num, **job.params, "seed": job.seed}
    table = table.drop(columns=[c for c in lead if c in table.columns])
    for i, (name, value) in enumerate(lead.items()):
        table.insert(i, name, [value] * len(table))
    return table


def collect_frames(sweep: Sweep) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack the finished jobs' ``replicates.csv`` and ``daily.csv``.

    Each frame starts with ``job``, ``job_num``, the swept values (one column per swept key,
    named by the key) and ``seed``; then come the file's own columns. A finished job whose
    files cannot be read is marked failed (``CollectError``) and left out of both frames.

    Returns:
        ``(runs, daily)``: one row per job and replicate, and one per job, replicate and day.
    """
    runs, daily = [], []
    for job in sweep.with_status(DONE):
        try:
            tables = [_read_csv(job.path / name) for name in ("replicates.csv", "daily.csv")]
        except SweepError as exc:
            job.status = FAILED
            job.error = {"error_type": "CollectError", "message": str(exc)}
            continue
        runs.append(_with_job(tables[0], job))
        daily.append(_with_job(tables[1], job))
    return _concat(runs, sweep), _concat(daily, sweep)


def _concat(frames: list[pd.DataFrame], sweep: Sweep) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=[*JOB_COLUMNS, *sweep.keys, "seed"])
    out = pd.concat(frames, ignore_index=True)
    for key in sweep.keys:
        out[key] = _uniform(out[key])
    return out


def _uniform(column: pd.Series) -> pd.Series:
    """One type per column (a file format needs it): mixed strings and numbers become text."""
    kinds = {type(v) for v in column if v is not None and not _is_nan(v)}
    if str in kinds and len(kinds) > 1:
        return column.map(lambda v: None if v is None else str(v)).astype(object)
    return column


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def value_label(value: Any) -> str:
    """A short label of a swept value: a plan file's stem, ``true``/``false``, or the value."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    text = str(value)
    if text.endswith((".yaml", ".yml")):
        return Path(text).stem
    return text


def point_label(params: dict[str, Any], keys: Iterable[str]) -> str:
    """``key=value, ...`` of the given keys (short labels)."""
    return ", ".join(f"{k}={value_label(params.get(k))}" for k in keys)
