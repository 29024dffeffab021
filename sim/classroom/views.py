"""The page's Solara components: a lesson card, step buttons, notes, and the community views.

Every component reads the ``Classroom`` it is given; the community views also read Mesa's
``update_counter`` (through ``SolaraViz``'s wrapper), so they redraw after every step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import solara
import solara.widgets
from mesa.visualization.utils import force_update, update_counter

from sim.classroom.classroom import MODES, Classroom, Side
from sim.classroom.drawing import chart_hour, charts_spec
from sim.classroom.narration import when
from sim.classroom.settings import CONTROLS

CHART_WIDTH = 340
EVENT_LINES = 4


def vega(spec: dict[str, Any]) -> solara.Element:
    """A Vega-Lite chart from a spec (no Altair validation: the specs are built here)."""
    return solara.widgets.VegaLite.element(spec=spec)


@solara.component
def LessonCard(classroom: Classroom, names: list[str], on_pick: Callable[[str], None]) -> None:
    """The lesson picker, the lesson's explanation and its question for the class."""
    lesson = classroom.lesson
    titles = {name: classroom.lessons[name].title for name in names}
    with solara.Card("Lesson"):
        solara.Select(
            label="Lesson",
            value=titles[lesson.name],
            values=list(titles.values()),
            on_value=lambda title: on_pick(next(n for n, t in titles.items() if t == title)),
        )
        solara.Text(lesson.explanation, classes=["classroom-explanation"])
        solara.Success(f"Question: {lesson.question}", dense=True, icon=False)
        sides = f"with: {lesson.with_side.label} · without: {lesson.without_side.label}"
        solara.Text(sides, style={"font-size": "0.85em", "color": "#555"})


@solara.component
def StepCard(model: solara.Reactive[Classroom]) -> None:
    """Buttons that step every community by an hour or by a day."""

    def step(hours: int) -> None:
        model.value.step_hours(hours)
        force_update()

    running = model.value.running  # the page re-renders after each step (Mesa's counter)
    with solara.Card("Step"), solara.Row():
        solara.Button("+1 hour", on_click=lambda: step(1), disabled=not running, color="primary")
        solara.Button("+1 day", on_click=lambda: step(24), disabled=not running, color="primary")


@solara.component
def NotesCard(classroom: Classroom) -> None:
    """Which controls do nothing here, and why; and when control changes apply."""
    notes: dict[str, str] = {}
    errors = [side.error for side in classroom.sides if side.error]
    for side in classroom.sides:
        notes |= side.notes
    with solara.Card("About the controls"), solara.Column(gap="2px"):
        solara.Text("Changed controls apply when you press Reset.", style={"font-size": "0.9em"})
        for error in dict.fromkeys(errors):
            solara.Error(error)
        for name, why in notes.items():
            solara.Text(
                f"{CONTROLS[name].label}: does nothing here ({why}).",
                style={"font-size": "0.85em", "color": "#666"},
            )


def counters_text(side: Side) -> str:
    """One line of counts: time, members by status, buyers."""
    c = side.counters()
    hour = side.model.engine.hour
    time = "start" if hour == 0 else when(hour)
    share = c["buyers"] / max(c["ever"], 1)
    return (
        f"{time} · {c['present']} members: {c['active']} active, {c['dormant']} muted, "
        f"{c['left']} left · {c['buyers']} bought ({share:.0%})"
    )


def side_charts(classroom: Classroom, side: Side) -> dict[str, Any]:
    """The side's charts spec, built once per hour (the page may re-render several times)."""
    tops = chart_tops(classroom)
    key = (chart_hour(side.model), tuple(tops.values()))
    if side.chart_cache is None or side.chart_cache[0] != key:
        side.chart_cache = (key, charts_spec(side.model, CHART_WIDTH, tops))
    return side.chart_cache[1]


def chart_tops(classroom: Classroom) -> dict[str, int]:
    """Shared y-axis tops, so two sides' charts compare at a glance."""
    tops = {"stages": 1, "purchases": 1, "status": 1}
    for side in classroom.sides:
        if side.model is None:
            continue
        start = int(side.model.datacollector.model_vars["present"][0])
        tops["stages"] = max(tops["stages"], start)
        tops["status"] = max(tops["status"], start)
        if chart_hour(side.model) == 0:
            continue
        rec, hour = side.model.engine.recorder, chart_hour(side.model)
        tops["stages"] = max(tops["stages"], int(rec.stages[:hour, 0].sum(axis=(1, 2)).max()))
        tops["status"] = max(tops["status"], int(rec.status[:hour, 0].max()))
        days = -(-hour // 24)
        daily = np.zeros(days * 24, dtype=np.int64)
        daily[:hour] = rec.purchases[:hour, 0]
        tops["purchases"] = max(tops["purchases"], int(daily.reshape(days, 24).sum(axis=1).max()))
    return tops


@solara.component
def CommunityView(classroom: Classroom, index: int) -> None:
    """One side: its label, counters, latest events, graph and charts.

    In one-community mode view 0 shows the community and view 1 its charts.
    """
    update_counter.get()  # redraw after every step (Mesa's signal)
    two = classroom.mode == MODES[0]
    if not two and index == 1:
        side = classroom.sides[0]
        if side.model is not None:
            vega(side_charts(classroom, side))
        return
    side = classroom.sides[index]
    title = f"{'With' if index == 0 else 'Without'}: {side.label}" if two else side.label
    with solara.Column(gap="4px", classes=[f"classroom-side-{index}"]):
        solara.Text(title, style={"font-weight": "bold", "font-size": "1.1em"})
        if side.model is None:
            solara.Error(side.error)
            return
        solara.Text(counters_text(side), classes=["classroom-counters"])
        lines = side.narrator.lines[-EVENT_LINES:] or [
            "nothing has happened yet: press step or play"
        ]
        solara.Text(lines[-1], classes=["classroom-event"], style={"font-weight": "bold"})
        for line in reversed(lines[:-1]):
            solara.Text(line, style={"font-size": "0.85em", "color": "#555"})
        solara.Image(side.picture.jpeg(), format="jpeg", classes=["classroom-graph"])
        if two:
            vega(side_charts(classroom, side))


@solara.component
def FirstView(model: Classroom) -> None:
    """The first community (SolaraViz calls a component with the model only)."""
    CommunityView(model, 0)


@solara.component
def SecondView(model: Classroom) -> None:
    """The second community, or the one community's charts."""
    CommunityView(model, 1)
