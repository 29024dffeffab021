"""The classroom page: a Mesa ``SolaraViz`` page over one lesson's communities.

Run it with (see docs/classroom.md)::

    SOLARA_TELEMETRY_MIXPANEL_ENABLE=false .venv/bin/solara run sim.classroom.app \
        --host 127.0.0.1 --production

The sidebar holds the lesson (its explanation and question), +1 hour / +1 day buttons,
Mesa's play / step / reset controls and the model parameters (the page's controls, applied
on Reset), and notes on controls that do nothing for the current plan. The main area shows
the communities (two side by side, or one with its charts), redrawn after every step.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization import SolaraViz

from sim.classroom.assets import local_assets
from sim.classroom.classroom import MODES, Classroom
from sim.classroom.lessons import Lesson, read_lessons
from sim.classroom.settings import CONTROLS
from sim.classroom.views import FirstView, LessonCard, NotesCard, SecondView, StepCard
from sim.plans import available_strategies

MISSING_ASSETS = local_assets()
PLAY_INTERVAL_MS = 150


def model_params(classroom: Classroom) -> dict[str, Any]:
    """SolaraViz's ``model_params``: the mode and the controls, at the model's values.

    The lesson and the lessons are fixed parameters, so Mesa's Reset rebuilds the same
    lesson with the controls as they are set.
    """
    params: dict[str, Any] = {
        "lesson": classroom.lesson.name,
        "lessons": classroom.lessons,
        "mode": {"type": "Select", "value": classroom.mode, "values": list(MODES), "label": "Mode"},
    }
    for name, control in CONTROLS.items():
        value = classroom.controls[name]
        if control.kind == "select":
            params[name] = {
                "type": "Select",
                "value": value,
                "values": available_strategies(),
                "label": control.label,
            }
        elif control.kind == "bool":
            params[name] = {"type": "Checkbox", "value": bool(value), "label": control.label}
        else:
            kind = "SliderInt" if control.kind == "int" else "SliderFloat"
            params[name] = {
                "type": kind,
                "value": value,
                "min": control.low,
                "max": control.high,
                "step": control.step,
                "label": control.label,
            }
    return params


# Components, not plain functions: SolaraViz would wrap a function in a new component type at
# every render, which rebuilds the views' widgets from scratch.
COMPONENTS = [(FirstView, 0), (SecondView, 0)]


@solara.component
def ClassroomPage(lessons: dict[str, Lesson]) -> None:
    """The page over ``lessons`` (the first one at start)."""
    names = list(lessons)
    first = solara.use_memo(lambda: Classroom(lesson=names[0], lessons=lessons), [])
    model = solara.use_reactive(first)
    picked = solara.use_reactive(names[0])

    def pick(name: str) -> None:
        picked.set(name)
        model.set(Classroom(lesson=name, lessons=lessons))

    with solara.Sidebar():
        LessonCard(model.value, names, pick)
        StepCard(model)
        NotesCard(model.value)
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(model.value),
        play_interval=PLAY_INTERVAL_MS,
        name=f"Classroom: {model.value.lesson.title}",
    ).key(f"viz-{picked.value}")


@solara.component
def Page() -> None:
    """The entry point ``solara run sim.classroom.app`` serves."""
    lessons, errors = solara.use_memo(read_lessons, [])
    if MISSING_ASSETS:
        solara.Warning(
            "Some browser scripts are not installed here: "
            f"{', '.join(MISSING_ASSETS)} (pip install solara-assets)"
        )
    for error in errors:
        solara.Error(f"error: {error}")
    if lessons:
        ClassroomPage(lessons)
