"""The classroom page's components, rendered with Solara's testing helpers (no browser).

``solara.render`` builds the widget tree in this process; buttons are clicked and controls
set through their widgets, as the browser would, and the tests read the texts and charts
that the page then shows. No model numbers are asserted.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import reacton.core
import solara
from mesa.visualization.utils import update_counter

from sim.classroom import app
from sim.classroom.charts import CHART_EVERY
from sim.classroom.chartview import ChartView
from sim.classroom.lessons import load_lessons


@pytest.fixture(scope="module")
def lessons():
    lessons = load_lessons()
    # small groups keep the tests fast; the page reads the same lesson objects
    for lesson in lessons.values():
        lesson.settings["members"] = 60
    return lessons


@pytest.fixture
def page(lessons):
    update_counter.set(0)
    _, rc = solara.render(
        solara.AppLayout(children=[app.ClassroomPage(lessons)]), handle_error=False
    )
    yield rc
    rc.close()


def texts(rc, cls: str) -> list[str]:
    return [w.children[0] for w in rc.find(v.Html, class_=cls).widgets]


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def control(rc, widget_class, label: str):
    return rc.find(widget_class, label=label).widget


def graphs(rc) -> list[bytes]:
    return [w.value for w in rc.find(widgets.Image).widgets]


def charts(rc) -> list[dict]:
    """Each chart widget's data (``ChartView.chart_data``)."""
    return [json.loads(w.chart_data) for w in rc.find(ChartView).widgets]


def chart_specs(rc) -> list[dict]:
    return [w.spec for w in rc.find(ChartView).widgets]


def test_the_page_shows_both_sides_with_counters_events_and_charts(page, lessons):
    first = next(iter(lessons.values()))
    counters = texts(page, "classroom-counters")
    assert len(counters) == 2 and all(c.startswith("start · 60 members") for c in counters)
    assert texts(page, "classroom-event") == ["nothing has happened yet: press step or play"] * 2
    assert len(graphs(page)) == 2 and len(charts(page)) == 2  # a graph and charts per side
    assert all(len(spec["vconcat"]) == 3 for spec in chart_specs(page))
    assert all(data["hour"] == 0 and data["tables"]["stages"] for data in charts(page))
    page.find(v.Html, children=[first.explanation]).assert_single()
    page.find(v.Html, children=[f"With: {first.with_side.label}"]).assert_single()
    page.find(v.Html, children=[f"Without: {first.without_side.label}"]).assert_single()


def test_step_an_hour_a_day_and_with_mesas_step_button(page):
    click(page, "+1 hour")
    assert all(c.startswith("day 1, 01:00") for c in texts(page, "classroom-counters"))
    click(page, "Step")  # Mesa's controller: one hour (render interval 1)
    assert all(c.startswith("day 1, 02:00") for c in texts(page, "classroom-counters"))
    graphs_before, charts_before = graphs(page), charts(page)
    click(page, "+1 day")
    assert all(c.startswith("day 2, 02:00") for c in texts(page, "classroom-counters"))
    assert all(
        e.startswith("day 2") or e.startswith("day 1") for e in texts(page, "classroom-event")
    )
    assert texts(page, "classroom-event") != ["nothing has happened yet: press step or play"] * 2
    assert all(a != b for a, b in zip(graphs(page), graphs_before, strict=True))
    assert all(a != b for a, b in zip(charts(page), charts_before, strict=True))
    for data in charts(page):  # charts move every 6 hours: at 26 hours they show 24
        assert data["hour"] == 24
        assert max(row["d"] for row in data["tables"]["stages"]) == 1.0


def test_a_step_renders_the_page_once_and_sends_charts_only_when_they_move(page):
    renders = []
    render = reacton.core._RenderContext.render

    def counted(self, *args, **kwargs):
        renders.append(1)
        return render(self, *args, **kwargs)

    reacton.core._RenderContext.render = counted
    try:
        click(page, "+1 hour")
    finally:
        reacton.core._RenderContext.render = render
    # both communities and Mesa's step count follow one counter: one pass, not one each
    assert len(renders) == 1
    views = page.find(ChartView).widgets
    sent = {"spec": 0, "chart_data": 0}  # changes of the synced traits: what goes to the browser

    def count(change):
        sent[change["name"]] += 1

    for view in views:
        view.observe(count, names=["spec", "chart_data"])
    specs, data = chart_specs(page), [w.chart_data for w in views]
    for hour in range(2, CHART_EVERY + 1):
        click(page, "+1 hour")
        now = [w.chart_data for w in page.find(ChartView).widgets]
        assert (now == data) == (hour < CHART_EVERY)  # the data move at hour 6 only
        assert chart_specs(page) == specs
    assert page.find(ChartView).widgets == views  # the same widgets, updated in place
    assert sent == {"spec": 0, "chart_data": len(views)}  # the spec is never sent again
    assert all(d["hour"] == CHART_EVERY for d in charts(page))


def test_change_a_control_then_reset(page):
    click(page, "+1 day")
    control(page, v.Slider, "Members").v_model = 100
    assert all(c.startswith("day 2, 00:00 · 60 members") for c in texts(page, "classroom-counters"))
    click(page, "Reset")  # controls apply on reset, from hour 0
    assert all(c.startswith("start · 100 members") for c in texts(page, "classroom-counters"))
    assert all(c.startswith("start · 100 members") for c in texts(page, "classroom-counters"))


def test_one_community_mode_shows_one_graph_and_its_charts(page):
    control(page, v.Select, "Mode").v_model = "one community"
    click(page, "Reset")
    assert len(texts(page, "classroom-counters")) == 1
    assert len(graphs(page)) == 1 and len(charts(page)) == 1
    click(page, "+1 day")
    assert texts(page, "classroom-counters")[0].startswith("day 2, 00:00")


def test_switch_lesson(page, lessons):
    scarcity = lessons["scarcity"]
    control(page, v.Select, "Lesson").v_model = scarcity.title
    page.find(v.Html, children=[scarcity.explanation]).assert_single()
    page.find(v.Html, children=[f"With: {scarcity.with_side.label}"]).assert_single()
    page.find(v.Html, children=[f"Without: {scarcity.without_side.label}"]).assert_single()
    deadline = "Offer deadline (hours, 0: none): does nothing here"
    page.find(
        v.Html, children=[f"{deadline} (set by the lesson: 24 with, 0 without)."]
    ).assert_single()
    # the sop plan has no shills: explained, not a crash
    note = "Shills: does nothing here (the sop plan has no shill entry (the layered plan has one))."
    page.find(v.Html, children=[note]).assert_single()
    assert all(c.startswith("start") for c in texts(page, "classroom-counters"))
    click(page, "+1 day")
    assert all(c.startswith("day 2, 00:00") for c in texts(page, "classroom-counters"))


def test_days_shorter_than_the_plan_are_shown_as_an_error_not_a_crash(page):
    control(page, v.Slider, "Days").v_model = 5
    click(page, "Reset")
    errors = [w.children for w in page.find(v.Alert).widgets if w.type == "error"]
    assert errors and any("days = 5" in str(e) and "give days >=" in str(e) for e in errors)
    assert texts(page, "classroom-counters") == []
    assert page.find(v.Btn, children=["+1 day"]).widget.disabled


def test_the_page_server_writes_websocket_frames_from_the_rendering_thread():
    import solara.server.settings as server_settings

    from sim.classroom.assets import quiet_env

    assert quiet_env()["SOLARA_SERVER_SYNC_WS_WRITE"] == "true"  # the test server and benchmark
    if os.environ.get("SOLARA_SERVER_SYNC_WS_WRITE", "true") == "true":
        assert server_settings.server.sync_ws_write  # set when the page's module was imported
