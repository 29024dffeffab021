"""The page's Solara components: a lesson card, step buttons, notes, and the community views.

Every component reads the ``Classroom`` it is given; the community views also read Mesa's
``update_counter`` (through ``SolaraViz``'s wrapper), so they redraw after every step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reacton.core
import solara
from mesa.visualization.utils import force_update, update_counter

from sim.classroom.charts import chart_hour, chart_tops, charts_data, charts_spec
from sim.classroom.chartview import chart_json, chart_view
from sim.classroom.classroom import MODES, Classroom, Side
from sim.classroom.narration import when
from sim.classroom.settings import CONTROLS

CHART_WIDTH = 340
EVENT_LINES = 4


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
    """Buttons that step every community by an hour or by a day.

    The step and its redraw are one batch: every component that follows Mesa's counter
    (both communities, Mesa's step count) is re-rendered in one pass, not one pass each.
    """
    render_context = reacton.core.get_render_context()

    def step(hours: int) -> None:
        with render_context:  # render once, when the batch ends
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


def side_charts(classroom: Classroom, side: Side) -> tuple[dict[str, Any], str]:
    """The side's charts: the fixed spec and the data (JSON) they show now.

    The spec is built once per campaign, the data once per chart move (the page re-renders
    after every step; the data change only when the hour the charts show or the shared
    axis tops do).
    """
    tops = chart_tops(s.model for s in classroom.sides if s.model is not None)
    key = (chart_hour(side.model), tuple(tops.values()))
    if side.chart_cache is None or side.chart_cache[0] != key:
        # the spec stays the same object for the campaign: the browser compiles it once
        spec = (
            side.chart_cache[1]
            if side.chart_cache
            else charts_spec(side.model.params.days, CHART_WIDTH)
        )
        side.chart_cache = (key, spec, chart_json(charts_data(side.model, tops)))
    return side.chart_cache[1], side.chart_cache[2]


def charts(classroom: Classroom, side: Side) -> solara.Element:
    """The side's three time charts."""
    return chart_view(*side_charts(classroom, side))


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
            charts(classroom, side)
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
            charts(classroom, side)


@solara.component
def FirstView(model: Classroom) -> None:
    """The first community (SolaraViz calls a component with the model only)."""
    CommunityView(model, 0)


@solara.component
def SecondView(model: Classroom) -> None:
    """The second community, or the one community's charts."""
    CommunityView(model, 1)
