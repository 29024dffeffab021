"""Lessons: preset classroom scenarios, read from YAML files a teacher can copy and edit.

A lesson file (``configs/lessons/<name>.yaml``, or any folder named by the environment
variable ``SIM_LESSONS_DIR``) looks like this::

    title: The herd effect
    order: 1                      # position in the page's list
    explanation: Two sentences shown on the page.
    question: A question for the class.
    settings: {strategy: layered, members: 300, seed: 1}   # the page's controls at start
    with:
      label: herd on
      settings: {herd: 2.5}
    without:
      label: herd off
      settings: {herd: 0.0}
      params: {herd.group_weight: 0.0}      # optional: any model parameter, by path
      remove: [{type: care}]                # optional: drop plan entries matching these
      add: [{type: event, day: 30, hour: 20}]  # optional: add plan entries

``settings`` keys are the page's controls (``sim.classroom.settings.CONTROLS``). In
side-by-side mode the two sides run the same seed, one with each side's changes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.classroom.settings import MATCH_KEYS, SIDE_KEYS, SideSpec, check_settings
from sim.engine import ConfigError
from sim.plans import ROOT, display_path

LESSON_DIR = ROOT / "configs" / "lessons"
LESSONS_ENV = "SIM_LESSONS_DIR"
LESSON_KEYS = ("title", "order", "explanation", "question", "settings", "with", "without")


@dataclass
class Lesson:
    """One lesson: its text for the class, its start settings and its two sides."""

    name: str
    title: str
    explanation: str
    question: str
    order: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    with_side: SideSpec = field(default_factory=SideSpec)
    without_side: SideSpec = field(default_factory=SideSpec)
    source: str = ""

    @property
    def contrast(self) -> dict[str, tuple[Any, Any]]:
        """Controls the two sides set differently: ``{name: (with value, without value)}``."""
        names = set(self.with_side.settings) | set(self.without_side.settings)
        merged_with = self.settings | self.with_side.settings
        merged_without = self.settings | self.without_side.settings
        return {n: (merged_with.get(n), merged_without.get(n)) for n in sorted(names)}


def lesson_dir() -> Path:
    """The folder lessons are read from (``$SIM_LESSONS_DIR`` or ``configs/lessons``)."""
    env = os.environ.get(LESSONS_ENV, "").strip()
    return Path(env).expanduser() if env else LESSON_DIR


def load_lessons(folder: Path | None = None) -> dict[str, Lesson]:
    """Every lesson of a folder, by name (the file's stem), in their ``order``.

    Raises:
        ConfigError: a file that cannot be read or a field that cannot be used (naming the
            file and field), or a folder without lessons.
    """
    folder = lesson_dir() if folder is None else Path(folder)
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        raise ConfigError(f"{display_path(folder)}: no lesson files (*.yaml) found")
    lessons = [load_lesson(path) for path in files]
    lessons.sort(key=lambda lesson: (lesson.order, lesson.name))
    return {lesson.name: lesson for lesson in lessons}


def read_lessons(folder: Path | None = None) -> tuple[dict[str, Lesson], list[str]]:
    """The lessons of a folder that can be used, and an error line for each that cannot.

    The page uses this, so one broken file a teacher is editing does not hide the others.
    """
    folder = lesson_dir() if folder is None else Path(folder)
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    lessons, errors = [], []
    for path in files:
        try:
            lessons.append(load_lesson(path))
        except ConfigError as exc:
            errors.append(str(exc))
    if not files:
        errors.append(f"{display_path(folder)}: no lesson files (*.yaml) found")
    lessons.sort(key=lambda lesson: (lesson.order, lesson.name))
    return {lesson.name: lesson for lesson in lessons}, errors


def load_lesson(path: Path) -> Lesson:
    """Read and check one lesson file.

    Raises:
        ConfigError: naming the file and the field, and what is allowed.
    """
    source = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read ({exc})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping with {', '.join(LESSON_KEYS)}")
    unknown = sorted(set(data) - set(LESSON_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: {unknown[0]}: unknown field; allowed: {', '.join(LESSON_KEYS)}"
        )
    for key in ("title", "explanation", "question"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"{source}: {key}: expected a non-empty text")
    order = data.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ConfigError(f"{source}: order = {order!r}: expected an integer")
    return Lesson(
        name=path.stem,
        title=data["title"].strip(),
        explanation=" ".join(data["explanation"].split()),
        question=" ".join(data["question"].split()),
        order=order,
        settings=check_settings(
            _mapping(data.get("settings"), f"{source}: settings"), f"{source}: settings"
        ),
        with_side=_side(data.get("with"), f"{source}: with"),
        without_side=_side(data.get("without"), f"{source}: without"),
        source=source,
    )


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    return value


def _side(data: Any, where: str) -> SideSpec:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping with label and settings")
    unknown = sorted(set(data) - SIDE_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}.{unknown[0]}: unknown field; allowed: {', '.join(sorted(SIDE_KEYS))}"
        )
    label = data.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{where}.label: expected a short text (e.g. 'herd on')")
    remove = data.get("remove") or []
    if not isinstance(remove, list):
        raise ConfigError(f"{where}.remove: expected a list of entries to match")
    for i, pattern in enumerate(remove):
        bad = set(_mapping(pattern, f"{where}.remove[{i}]")) - set(MATCH_KEYS)
        if bad or not pattern:
            raise ConfigError(f"{where}.remove[{i}]: match on {', '.join(MATCH_KEYS)} only")
    add = data.get("add") or []
    if not isinstance(add, list):
        raise ConfigError(f"{where}.add: expected a list of plan entries")
    return SideSpec(
        label=label.strip(),
        settings=check_settings(
            _mapping(data.get("settings"), f"{where}.settings"), f"{where}.settings"
        ),
        params=dict(_mapping(data.get("params"), f"{where}.params")),
        remove=[dict(p) for p in remove],
        add=[dict(_mapping(e, f"{where}.add[{i}]")) for i, e in enumerate(add)],
    )
