"""Operators' plan files: a campaign in the trade's words, checked, as engine parameters.

``load(path)`` reads a plan file (the format is described in ``docs/plan-format.md`` and by
the JSON Schema ``docs/plan.schema.json``) and returns a ``LoadedPlan`` whose ``params`` the
engine runs. Every problem in the file is reported at once by ``PlanErrors``, each with the
file, line, field, what is allowed and a suggestion where one is obvious.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sim.engine.params import ModelParams
from sim.engine.schedule import Schedule, compile_plan
from sim.engine.validation import ConfigError, check_model
from sim.plans import display_path

from .convert import convert
from .entries import EntryInfo
from .problems import Collector, PlanErrors, Problem, clean
from .yamlread import read

__all__ = ["EntryInfo", "LoadedPlan", "PlanErrors", "Problem", "load"]


@dataclass
class LoadedPlan:
    """A checked plan, ready to run.

    Attributes:
        params: the engine's parameters (community, team, product, calendar).
        source: the file's display path.
        warnings: things allowed but likely unintended (an offer above the list price...).
        lines: line of each field path in the file (``calendar[2].what``).
        schedule: the compiled calendar (firings by hour).
        entries: per calendar entry (in plan order): the word used, its line, whom it
            reaches in words, the operator's note.
        member_ids: with an edge list, the members' ids in slot order (slot i is
            ``member_ids[i]``); else empty.
        edge_list: the edge-list file, if any.
        currency: the currency of prices and costs.
        product: the product's name.
    """

    params: ModelParams
    source: str
    warnings: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    schedule: Schedule | None = None
    entries: list[EntryInfo] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)
    edge_list: Path | None = None
    currency: str = "CNY"
    product: str = ""


def load(path: str | Path) -> LoadedPlan:
    """Read and check a plan file.

    Args:
        path: the plan file (YAML).

    Returns:
        The plan as engine parameters, with its calendar compiled.

    Raises:
        PlanErrors: every problem found, each with file, line, field, what is allowed and a
            suggestion where one is obvious. Nothing is written.
    """
    file = Path(path)
    source = clean(display_path(file), 200) if file.exists() else clean(str(path), 200)
    out = Collector(source)
    if not file.is_file():
        out.add("", "no such file", "", "check the path")
        raise PlanErrors(out.problems)
    doc = read(file, out)
    if doc is None:
        raise PlanErrors(out.problems)
    out.lines = doc.lines
    result = convert(doc.data, out, file.parent, clean(file.stem, 60))
    if out.problems or result.params is None:
        raise PlanErrors(out.problems)
    try:  # the engine's own checks (the loader's checks should already cover them)
        check_model(result.params)
        schedule = compile_plan(result.params.strategy, result.params.days, source)
    except ConfigError as exc:
        raise PlanErrors([Problem(source, 0, "", clean(exc, 300))]) from None
    return LoadedPlan(
        params=result.params,
        source=source,
        warnings=out.warnings,
        lines=doc.lines,
        schedule=schedule,
        entries=result.entries,
        member_ids=result.member_ids,
        edge_list=result.edge_list,
        currency=result.currency,
        product=result.product,
    )
