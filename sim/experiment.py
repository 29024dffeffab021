r"""``python -m sim.experiment NAME``: run a named experiment end to end and report it.

A named experiment is ``configs/experiment/<name>.yaml``, an option of the config group
``experiment`` (``# @package _global_``, Hydra's pattern for experiments). A sweep experiment
(one that sets ``hydra.sweeper.params``) is the multirun ``python -m sim -m
+experiment=<name>``: its jobs go to its ``hydra.sweep.dir`` (``results/<name>/``; fixed, so a
re-run goes to the same place and skips the jobs already complete), and at the end of the
multirun the callback ``ExperimentReport`` (``configs/config.yaml``) collects them
(``sim.sweep.report.collect``) into ``results/<name>/report/`` and prints the table. An
experiment without a sweep (``sop_vs_layered``) is the comparison
``python -m sim.compare experiment=<name>``. This command runs the one or the other in this
process. Examples::

    python -m sim.experiment                         # list the experiments and their questions
    python -m sim.experiment herd_strength           # = python -m sim -m +experiment=herd_strength
    python -m sim.experiment herd_strength population.members=60 replicates=2 \\
        hydra.sweep.dir=/tmp/herd                    # any override goes to every job

Run it from the project root: the experiments name their plan files relative to it. When some
jobs fail, what finished is still collected and the exit code is the sweep's (1).
"""

from __future__ import annotations

import argparse
import runpy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.config import EXPERIMENT_DIR
from sim.engine.validation import excerpt, one_line


def experiment_files() -> dict[str, Path]:
    """Name -> file of every experiment in ``configs/experiment/``."""
    return {p.stem: p for p in sorted(EXPERIMENT_DIR.glob("*.yaml"))}


def _read(path: Path) -> dict[str, Any]:
    """The experiment file's data, for listing it (Hydra composes it when it runs)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: not readable YAML ({' '.join(str(exc).split())})") from exc
    return data if isinstance(data, dict) else {}


def is_sweep(data: dict[str, Any]) -> bool:
    """Whether an experiment file sets a sweep (``hydra.sweeper.params``)."""
    return bool(((data.get("hydra") or {}).get("sweeper") or {}).get("params"))


def listing() -> str:
    """A Markdown table of the experiments: name, kind and question."""
    lines = ["| experiment | kind | question |", "|---|---|---|"]
    for name, path in experiment_files().items():
        try:
            data = _read(path)
        except ValueError as exc:
            lines.append(f"| {name} | unreadable | {exc} |")
            continue
        meta = data.get("experiment") or {}
        kind = "sweep" if is_sweep(data) else "comparison"
        lines.append(f"| {name} | {kind} | {meta.get('question', '')} |")
    return "\n".join(lines)


# ----------------------------------------------------------------------- the report callback
def collect_report(sweep_dir: Path) -> bool:
    """Collect a finished sweep into ``<sweep_dir>/report/`` and print its table.

    Returns:
        Whether the report was written (an ``error:`` line is printed when it was not).
    """
    from sim.sweep.read import SweepError
    from sim.sweep.report import collect

    try:
        done = collect(sweep_dir)
    except SweepError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr, flush=True)
        return False
    print(done.markdown)
    print(f"wrote {sweep_dir}/runs.parquet, daily.parquet and {sweep_dir}/report/", flush=True)
    return True


class ExperimentReport(Callback):
    """At the end of a named experiment's multirun, collect its jobs into a report.

    Does nothing for a plain sweep (no ``experiment.name``). Configured after the progress
    callback in ``configs/config.yaml``; Hydra calls end hooks in reverse order, so the report
    is written before the progress callback prints its summary and, if a job failed, exits
    with status 1. When no job failed but nothing could be collected, exits with status 2.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Collect ``hydra.sweep.dir`` when the multirun is a named experiment."""
        if not OmegaConf.select(config, "experiment.name", default=""):
            return
        where = Path(str(config.hydra.sweep.dir))
        if not where.is_dir():
            return
        if not collect_report(where) and not any(where.glob("*/error.json")):
            raise SystemExit(2)


# ----------------------------------------------------------------------- the command
def _run_app(module: str, args: Sequence[str]) -> int:
    """Run ``python -m <module> <args>`` in this process; its exit code."""
    saved = sys.argv
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.argv = saved
    return 0


def run(name: str, overrides: Sequence[str]) -> int:
    """Run experiment ``name`` with ``overrides`` (and collect a sweep), in this process.

    Returns:
        The exit code: 2 for an unknown experiment or bad input, 1 if a job failed, else 0.
    """
    files = experiment_files()
    if name not in files:
        print(
            f"error: experiment {excerpt(name)}: no such file configs/experiment/{name}.yaml; "
            f"available: {', '.join(files)}",
            file=sys.stderr,
        )
        return 2
    try:
        data = _read(files[name])
    except ValueError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    if not is_sweep(data):
        return _run_app("sim.compare", [f"experiment={name}", *overrides])
    return _run_app("sim", ["-m", f"+experiment={name}", *overrides])


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.experiment",
        description="Run a named experiment (configs/experiment/<name>.yaml) and report it; "
        "without a name, list the experiments.",
    )
    parser.add_argument("name", nargs="?", help="the experiment's name")
    parser.add_argument(
        "overrides",
        nargs=argparse.REMAINDER,
        help="Hydra overrides for every job (population.members=60 hydra.sweep.dir=DIR ...)",
    )
    args = parser.parse_args(argv)
    if not args.name:
        print(listing())
        return 0
    return run(args.name, args.overrides)


if __name__ == "__main__":
    sys.exit(main())
