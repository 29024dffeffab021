"""The documentation covers every parameter and stays inside the repository.

``docs/parameters.md`` must name every field of every dataclass in ``sim/engine/params.py``
by its config path (``purchase.reservation``), plan and target fields by their own names
(``strategy.name``, ``day``, ``target.care_rest_hours``), and every touchpoint unit's
``Params`` field (with ``LadderStep`` for ``offer``) in that unit's own section. No page in
``docs/`` may point at files outside the repository.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from sim.engine.offer_book import LadderStep
from sim.engine.params import ModelParams, PlanParams, TargetSpec, TouchpointSpec
from sim.engine.touchpoints import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PARAMETERS = DOCS / "parameters.md"
FORBIDDEN = ("MODEL.md", "DESIGN.md", "/work/", "shared/")


def _text() -> str:
    return PARAMETERS.read_text(encoding="utf-8")


def _names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _model_paths() -> list[str]:
    """Config paths of every model parameter: ``section.field`` or a top-level name."""
    paths = []
    for f in dataclasses.fields(ModelParams):
        default = f.default_factory() if callable(f.default_factory) else f.default
        if f.name == "strategy":
            paths += [f"strategy.{name}" for name in _names(PlanParams)]
        elif dataclasses.is_dataclass(default):
            paths += [f"{f.name}.{name}" for name in _names(type(default))]
        else:
            paths.append(f.name)
    return paths


def _mentions(text: str, name: str) -> bool:
    """Whether ``name`` appears in backticks (as a table row or in the text names it)."""
    return re.search(rf"`{re.escape(name)}`", text) is not None


def _section(text: str, heading: str) -> str:
    """The text under a ``### heading`` line, up to the next heading of level 2 or 3."""
    match = re.search(rf"^### {re.escape(heading)}\s*$", text, flags=re.MULTILINE)
    assert match, f"docs/parameters.md has no section '### {heading}'"
    rest = text[match.end() :]
    end = re.search(r"^#{2,3} ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


@pytest.mark.parametrize("path", _model_paths())
def test_every_model_parameter_is_documented(path):
    assert _mentions(_text(), path), f"docs/parameters.md does not mention `{path}`"


@pytest.mark.parametrize("name", _names(TouchpointSpec))
def test_every_plan_entry_field_is_documented(name):
    assert _mentions(_text(), name), f"docs/parameters.md does not mention entry field `{name}`"


@pytest.mark.parametrize("name", _names(TargetSpec))
def test_every_target_field_is_documented(name):
    text = _text()
    assert _mentions(text, f"target.{name}"), f"docs/parameters.md lacks `target.{name}`"


@pytest.mark.parametrize(
    ("unit", "name"),
    [(unit, f.name) for unit, tp in sorted(REGISTRY.items()) for f in dataclasses.fields(tp.Params)]
    + [("offer", f.name) for f in dataclasses.fields(LadderStep)],
)
def test_every_touchpoint_parameter_is_in_its_units_section(unit, name):
    section = _section(_text(), f"`{unit}`")
    assert _mentions(section, name), f"section `{unit}` of docs/parameters.md lacks `{name}`"


def test_the_section_helper_stops_at_the_next_unit():
    """A parameter of one unit is not found in another unit's section (the check can fail)."""
    text = _text()
    assert not _mentions(_section(text, "`teaser`"), "show_up")
    assert _mentions(_section(text, "`event`"), "show_up")


TEXT_PAGES = sorted(p for p in DOCS.iterdir() if p.suffix in (".md", ".json", ".txt", ".yaml"))


def test_there_are_pages_to_check():
    assert PARAMETERS in TEXT_PAGES and DOCS / "ODD.md" in TEXT_PAGES


@pytest.mark.parametrize("page", TEXT_PAGES, ids=lambda p: p.name)
def test_docs_point_only_inside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    found = [word for word in FORBIDDEN if word in text]
    assert not found, f"docs/{page.name} mentions {', '.join(found)}"


def _project_files(root: Path) -> list[Path]:
    """The files git tracks (outputs a run wrote and git ignores are not the project's)."""
    done = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=False
    )
    if done.returncode == 0 and done.stdout.strip():
        return [root / line for line in done.stdout.splitlines()]
    tops = ("sim", "configs", "experiments", "benchmarks", "scripts", "tests", "docs")
    found = [p for top in tops for p in (root / top).rglob("*")]
    return found + [root / name for name in ("README.md", "CHANGELOG.md", "pyproject.toml")]


def test_the_repository_stands_on_its_own():
    """No text file of the project points at the brief or other files outside it."""
    root = Path(__file__).resolve().parents[1]
    suffixes = {".py", ".md", ".yaml", ".yml", ".toml", ".csv", ".txt", ".json", ""}
    offenders = []
    for path in _project_files(root):
        if path.resolve() == Path(__file__).resolve() or not path.is_file():
            continue
        if path.suffix in suffixes:
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{path.relative_to(root)}: {w}" for w in FORBIDDEN if w in text]
    assert not offenders, offenders
