r"""``python -m sim.experiment NAME``: run a named experiment end to end and report it.

A named experiment is ``experiments/<name>.yaml``. A sweep experiment (one that sets
``hydra.sweeper.params``) is run as the multirun ``python -m sim -m +experiment=<name>`` in a
subprocess, into its ``hydra.sweep.dir`` (``results/<name>/``; fixed, so a re-run goes to the
same place), then collected (``sim.collect``) into ``results/<name>/report/``, whose table is
printed. An experiment without a sweep (``sop_vs_layered``) is handed to
``python -m sim.compare experiment=<name>``. Examples::

    python -m sim.experiment                         # list the experiments and their questions
    python -m sim.experiment herd_strength
    python -m sim.experiment herd_strength population.members=60 replicates=2 \\
        hydra.sweep.dir=/tmp/herd                    # any override goes to every job

Run it from the project root: the experiments name their plan files relative to it. When some
jobs fail, what finished is still collected and the exit code is the sweep's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from sim.config import EXPERIMENT_DIR
from sim.engine.validation import excerpt, one_line
from sim.plans import ROOT

CONFIG_DIR = ROOT / "configs"


def experiment_files() -> dict[str, Path]:
    """Name -> file of every experiment in ``experiments/``."""
    return {p.stem: p for p in sorted(EXPERIMENT_DIR.glob("*.yaml"))}


def _read(path: Path) -> dict[str, Any]:
    try:
        data = OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    except Exception as exc:  # any YAML problem
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


def sweep_dir(name: str, overrides: Sequence[str]) -> Path | None:
    """The experiment's ``hydra.sweep.dir`` with these overrides (None if it does not compose).

    Sweep overrides (``a=1,2``) are left out: only the directory is wanted.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    try:
        plain = [o for o in overrides if not parser.parse_override(o).is_sweep_override()]
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(
                config_name="config",
                overrides=[f"+experiment={name}", *plain],
                return_hydra_config=True,
            )
            return Path(str(cfg.hydra.sweep.dir))
    except Exception:  # Hydra reports the problem itself when the sweep is run
        return None


def _python_m(module: str, *args: str) -> int:
    return subprocess.run([sys.executable, "-m", module, *args], check=False).returncode


def run(name: str, overrides: Sequence[str]) -> int:
    """Run experiment ``name`` with ``overrides``, collect it, print its table.

    Returns:
        The exit code: 2 for an unknown experiment or a sweep with nothing to collect, the
        sweep's own code if it failed, else 0.
    """
    files = experiment_files()
    if name not in files:
        print(
            f"error: experiment {excerpt(name)}: no such file experiments/{name}.yaml; available: "
            f"{', '.join(files)}",
            file=sys.stderr,
        )
        return 2
    try:
        data = _read(files[name])
    except ValueError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    if not is_sweep(data):
        return _python_m("sim.compare", f"experiment={name}", *overrides)
    out = sweep_dir(name, overrides)
    code = _python_m("sim", "-m", f"+experiment={name}", *overrides)
    if out is None or not out.is_dir():
        return code or 2
    from sim.sweep.read import SweepError
    from sim.sweep.report import collect

    try:
        done = collect(out)
    except SweepError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return code or 2
    print(done.markdown)
    print(f"wrote {out}/runs.parquet, daily.parquet and {out}/report/")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.experiment",
        description="Run a named experiment (experiments/<name>.yaml) and report it; "
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
