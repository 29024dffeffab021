"""Write a finished run to a directory: summary, tables and figure, never half-written.

Every file is first written under a hidden temporary name in the run directory; only
when all of them are complete are they renamed into place with ``os.replace``, with
``summary.json`` last, so a directory holding ``summary.json`` holds a complete run.

While a run works, its folder holds ``INCOMPLETE.txt`` (``begin_run``); the marker goes once
the last file is in place (``end_run``), and a run that fails with an unexpected error writes
its traceback there (``fail_run``). A run killed on the way leaves the marker and hidden
``.*.tmp`` files; the next run in that folder removes them (``clean_stale``).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sim

from .figures import plot_run
from .metrics import replicate_metrics
from .per_group import group_summary, groups_table
from .summary import jsonable, summarize
from .tables import daily_table, hourly_table, stages_table
from .trust_sources import trust_sources_summary, trust_sources_table

if TYPE_CHECKING:
    from sim.engine import Engine

RUN_FILES: tuple[str, ...] = (
    "daily.csv",
    "groups.csv",
    "hourly.csv",
    "replicates.csv",
    "run.png",
    "stages.csv",
    "summary.json",
    "trust_sources.csv",
)


@functools.cache
def git_commit() -> str:
    """HEAD commit of the checkout this package lives in, or ``"unknown"``."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(sim.__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else "unknown"


def run_title(summary: dict[str, Any]) -> str:
    """A figure title naming the strategy, seed, replicates, members, group size and days."""
    population = (summary.get("config") or {}).get("population") or {}
    capacity = population.get("group_capacity")
    groups = (summary.get("groups") or {}).get("groups")
    size = ""
    if groups:
        size = f" in {groups:.3g} group{'s' if groups != 1 else ''}"
        size += f" of up to {capacity}" if capacity else ""
    return (
        f"{summary['strategy']}: {summary['replicates']} replicates of {summary['members']} "
        f"members{size}, {summary['days']} days, seed {summary['seed']}"
    )


INCOMPLETE = "INCOMPLETE.txt"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale(run_dir: Path) -> list[Path]:
    """Remove hidden ``.*.tmp`` files left by processes that no longer run.

    Returns:
        The files removed.
    """
    removed = []
    for temp in Path(run_dir).glob(".*.tmp"):
        parts = temp.name.rsplit(".", 3)  # .<name>.<pid>.<hex>.tmp
        pid = int(parts[1]) if len(parts) == 4 and parts[1].isdigit() else None
        if pid is None or pid == os.getpid() or not _pid_alive(pid):
            temp.unlink(missing_ok=True)
            removed.append(temp)
    return removed


def begin_run(run_dir: str | Path) -> Path:
    """Mark ``run_dir`` as a run in progress (``INCOMPLETE.txt``) after clearing stale temps.

    Returns:
        The marker's path.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(run_dir)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    text = (
        f"This run has not finished (started {started}, process {os.getpid()}).\n"
        "Files beside this one are not results until it is gone; running again in this "
        "folder replaces them.\n"
    )
    marker = run_dir / INCOMPLETE
    write_atomic(marker, lambda p: p.write_text(text, encoding="utf-8"))
    return marker


def fail_run(run_dir: str | Path, error: BaseException) -> None:
    """Keep why a run failed in its ``INCOMPLETE.txt`` (the traceback of an unexpected error)."""
    import traceback

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return
    text = "This run failed; the files beside this one are not results.\n\n" + "".join(
        traceback.format_exception(error)
    )
    write_atomic(run_dir / INCOMPLETE, lambda p: p.write_text(text, encoding="utf-8"))


def end_run(run_dir: str | Path) -> None:
    """Remove the in-progress marker: the run's files are complete."""
    (Path(run_dir) / INCOMPLETE).unlink(missing_ok=True)


_UMASK = os.umask(0)  # read the process's umask (set back at once)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK  # what a file opened for writing would get


def temp_path(directory: Path, name: str) -> Path:
    """A fresh, empty hidden file ``.<name>.<pid>.<random>.tmp`` in ``directory``.

    Made by ``tempfile.mkstemp`` (a unique name, created atomically), with the permissions
    an ordinary new file gets, so the final file does not end up private to its owner. The
    process id in the name tells ``clean_stale`` whether its writer still runs.
    """
    fd, name_made = tempfile.mkstemp(suffix=".tmp", prefix=f".{name}.{os.getpid()}.", dir=directory)
    os.close(fd)
    os.chmod(name_made, FILE_MODE)
    return Path(name_made)


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write one file atomically, so a killed run never leaves a half-written file.

    ``write(temp)`` writes a hidden temporary beside ``path``, which is then renamed into place.

    Args:
        path: the final file.
        write: writes the content to the path it is given (e.g. ``frame.to_csv``).

    Returns:
        ``path``.
    """
    path = Path(path)
    temp = temp_path(path.parent, path.name)
    try:
        write(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def write_run(
    engine: Engine,
    run_dir: str | Path,
    config: dict[str, Any],
    extra: dict[str, Any] | None = None,
    *,
    figures: bool = True,
) -> dict[str, Any]:
    """Write a run's files and return its summary.

    Files: ``summary.json`` (``summarize`` plus config, seed, version, git_commit,
    created), ``daily.csv`` (``daily_table``), ``hourly.csv`` (``hourly_table``),
    ``replicates.csv`` (``replicate_metrics``), ``groups.csv`` (``groups_table``: one row
    per replicate and group), ``stages.csv`` (``stages_table``: members by replicate, day,
    layer and trust stage), ``trust_sources.csv`` (``trust_sources_table``: trust gained
    by source, replicate and layer) and ``run.png`` (``plot_run``).

    Args:
        engine: an engine that has run.
        run_dir: the run's directory (created if missing; files there are replaced).
        config: the resolved configuration, stored under ``"config"``.
        extra: more top-level entries for ``summary.json`` (e.g. timings); they override
            computed entries of the same name.
        figures: write ``run.png`` (sweeps of many jobs may leave it out for speed).

    Returns:
        The summary dict as written to ``summary.json``.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(run_dir)
    metrics = replicate_metrics(engine)
    daily = daily_table(engine)
    groups = groups_table(engine)
    summary = summarize(engine, metrics)
    summary["groups"] = jsonable(group_summary(groups, engine.replicates))
    sources = trust_sources_table(engine)
    summary["trust_gain_by_source"] = trust_sources_summary(sources)
    summary.update(
        {
            "config": jsonable(config),
            "seed": int(engine.seed),
            "version": sim.__version__,
            "git_commit": git_commit(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    if extra:
        summary.update(jsonable(extra))

    def write_json(path: Path) -> None:
        with path.open("w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2, allow_nan=False)
            f.write("\n")

    writers: dict[str, Callable[[Path], Any]] = {
        "daily.csv": lambda path: daily.to_csv(path, index=False),
        "groups.csv": lambda path: groups.to_csv(path, index=False),
        "hourly.csv": lambda path: hourly_table(engine).to_csv(path, index=False),
        "replicates.csv": lambda path: metrics.to_csv(path, index=False),
        "run.png": lambda path: plot_run(daily, path, title=run_title(summary), fmt="png"),
        "stages.csv": lambda path: stages_table(engine).to_csv(path, index=False),
        "summary.json": write_json,
        "trust_sources.csv": lambda path: sources.to_csv(path, index=False),
    }
    temps: dict[str, Path] = {}
    try:
        names = [n for n in RUN_FILES if figures or not n.endswith(".png")]
        for name in names:
            temps[name] = temp_path(run_dir, name)
            writers[name](temps[name])
        for name in names:
            os.replace(temps.pop(name), run_dir / name)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return summary
