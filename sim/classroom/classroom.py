"""The model behind the classroom page: one community, or two stepped side by side.

:class:`Classroom` is a ``mesa.Model`` whose keyword arguments are the page's controls
(``sim.classroom.settings.CONTROLS``) plus the lesson and the mode. It holds one
:class:`Side` (``mode="one community"``: the lesson's "with" side under the page's
controls) or two (``mode="side by side"``: the lesson's "with" and "without" sides, same
seed, the controls the lesson contrasts set by each side). Each side is a
``sim.mesa_view.CommunityModel`` with a narrator, a fixed layout and its picture. ``step``
advances every side by one campaign hour, so two sides always show the same hour.

A side whose settings cannot be used (``days`` shorter than the plan, say) has no model
and an ``error`` to show instead: the page explains, it does not crash.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np

from sim.classroom.drawing import layout
from sim.classroom.lessons import Lesson, load_lessons
from sim.classroom.narration import Narrator
from sim.classroom.picture import GraphPicture
from sim.classroom.settings import (
    CONTROLS,
    SideSpec,
    base_params,
    build_side,
    check_settings,
    control_notes,
    plan_levers,
)
from sim.engine import ConfigError
from sim.mesa_view.agents import ROW
from sim.mesa_view.model import CommunityModel

MODES = ("side by side", "one community")


@dataclass
class Side:
    """One community on the page: its label, model, narrator, layout, or its error."""

    label: str
    settings: dict[str, Any]
    model: CommunityModel | None = None
    narrator: Narrator | None = None
    xy: np.ndarray | None = None
    picture: GraphPicture | None = None
    chart_cache: tuple[Any, dict[str, Any], str] | None = None  # (hour and tops, spec, data)
    error: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    def step(self) -> None:
        """One campaign hour (nothing once the campaign is over or without a model)."""
        if self.model is not None and self.model.running:
            self.model.step()
            self.narrator.update()

    @property
    def running(self) -> bool:
        """Whether this side's campaign has hours left."""
        return self.model is not None and self.model.running

    def counters(self) -> dict[str, int]:
        """Present, active, dormant, left members, buyers and ever-members now."""
        if self.model is None:
            return {}
        s = self.model.engine.state
        status = s.status[ROW]
        ever = s.ever_member[ROW]
        return {
            "present": int(s.present[ROW].sum()),
            "active": int((status == 0).sum()),
            "dormant": int((status == 1).sum()),
            "left": int((status == 2).sum()),
            "buyers": int((s.bought[ROW] & ever).sum()),
            "ever": int(ever.sum()),
        }


class Classroom(mesa.Model):
    """One lesson on the page: one community or two side by side, stepped together.

    Args:
        lesson: a lesson's name (``configs/lessons/<name>.yaml``); the first lesson if
            omitted.
        mode: ``"side by side"`` (the lesson's two sides) or ``"one community"`` (its
            "with" side).
        lessons: the lessons to choose from (read from ``lesson_dir()`` if omitted).
        **controls: the page's controls (``CONTROLS``); a missing or ``None`` control
            takes the lesson's value, else its default.

    Raises:
        ConfigError: an unknown lesson, mode or control (a side's own errors are kept in
            ``side.error`` instead).
    """

    def __init__(
        self,
        *,
        lesson: str | None = None,
        mode: str = MODES[0],
        strategy: str | None = None,
        members: int | None = None,
        days: int | None = None,
        seed: int | None = None,
        herd: float | None = None,
        deadline_hours: int | None = None,
        quota: int | None = None,
        shills: bool | None = None,
        shill_risk: float | None = None,
        peak: bool | None = None,
        lessons: dict[str, Lesson] | None = None,
    ) -> None:
        lessons = lessons if lessons is not None else load_lessons()
        name = lesson or next(iter(lessons))
        if name not in lessons:
            raise ConfigError(f"lesson = {name!r}: allowed: {', '.join(lessons)}")
        if mode not in MODES:
            raise ConfigError(f"mode = {mode!r}: allowed: {', '.join(MODES)}")
        given = {
            "strategy": strategy,
            "members": members,
            "days": days,
            "seed": seed,
            "herd": herd,
            "deadline_hours": deadline_hours,
            "quota": quota,
            "shills": shills,
            "shill_risk": shill_risk,
            "peak": peak,
        }
        controls = start_controls(lessons[name]) | {k: v for k, v in given.items() if v is not None}
        super().__init__(rng=int(controls["seed"]))
        self.lessons, self.lesson, self.mode = lessons, lessons[name], mode
        self.controls = check_settings(controls, "controls")
        if mode == MODES[0]:
            contrast = self.lesson.contrast
            sides = [self.lesson.with_side, self.lesson.without_side]
        else:
            contrast, sides = {}, [self.lesson.with_side]
        self.sides = [self._side(spec, contrast) for spec in sides]
        self._stepping = threading.RLock()
        self.running = any(side.running for side in self.sides)

    def _side(self, spec: SideSpec, contrast: dict[str, tuple[Any, Any]]) -> Side:
        settings = dict(self.controls)
        lesson_values = self.lesson.settings | spec.settings
        for name in contrast:
            settings[name] = lesson_values.get(name, settings[name])
        side = Side(label=spec.label, settings=settings)
        try:
            side.model = build_side(settings, spec, self.lesson.source)
        except ConfigError as exc:
            side.error = str(exc)
            return side
        side.narrator = Narrator(side.model)
        side.xy = layout(side.model)
        side.picture = GraphPicture(side.model, side.xy)
        side.notes = control_notes(side.model.params, contrast)
        return side

    @property
    def hour(self) -> int:
        """Campaign hours simulated (the same on every side that runs)."""
        return max((s.model.engine.hour for s in self.sides if s.model), default=0)

    def step(self) -> None:
        """Advance every side by one campaign hour."""
        with self._stepping:  # Mesa's play thread and the page's buttons may both step
            for side in self.sides:
                side.step()
            self.running = any(side.running for side in self.sides)

    def step_hours(self, hours: int) -> None:
        """Advance by up to ``hours`` hours (fewer if the campaign ends)."""
        with self._stepping:
            for _ in range(hours):
                if not self.running:
                    break
                self.step()


def start_controls(lesson: Lesson) -> dict[str, Any]:
    """The page's control values at the start of a lesson.

    Defaults, then the lesson's settings and its "with" side's settings; levers the lesson
    does not set show the plan's own values (``plan_levers``).
    """
    values = {name: c.default for name, c in CONTROLS.items()}
    values |= lesson.settings | lesson.with_side.settings
    params, plan, _ = base_params(values["strategy"])
    own = plan_levers(plan, params)
    for name, value in own.items():
        if name not in lesson.settings and name not in lesson.with_side.settings:
            values[name] = value
    return values
