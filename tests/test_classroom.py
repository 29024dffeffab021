"""The classroom's lessons, settings, narration and two-sided model (no page, no browser).

No model numbers are asserted: the mechanisms are being recalibrated. The tests check that
every shipped lesson builds and runs, that settings reach the plan and parameters, that both
sides of a lesson start from the same community, and that bad lesson files are refused
with a message naming the file and field.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.classroom.charts import (
    CHART_EVERY,
    chart_tops,
    charts_data,
    charts_spec,
    purchases_rows,
    stages_rows,
    status_rows,
)
from sim.classroom.classroom import MODES, Classroom
from sim.classroom.drawing import layout
from sim.classroom.lessons import LESSON_DIR, load_lesson, load_lessons, read_lessons
from sim.classroom.narration import Narrator
from sim.classroom.settings import SideSpec, build_side, peak_event, resolve
from sim.engine import ConfigError, PlanParams
from sim.mesa_view.agents import ROW
from sim.mesa_view.model import CommunityModel
from sim.plans import load_plan

SMALL = {"members": 80, "seed": 2}


@pytest.fixture(scope="module")
def lessons():
    return load_lessons()


def test_default_community_model_runs_the_shipped_sop_plan():
    model = CommunityModel(members=50)
    assert model.params.strategy.name == "sop"
    assert model.params.strategy.touchpoints == load_plan("sop").touchpoints
    # an explicit plan of one's own is kept, even an empty one
    empty = CommunityModel(members=50, days=2, strategy=PlanParams(name="empty"))
    assert empty.params.strategy.touchpoints == []


def test_days_below_the_plans_last_touchpoint_are_refused_with_the_day():
    last = max(max(e.day, e.until_day) for e in load_plan("layered").touchpoints)
    with pytest.raises(ConfigError, match=rf"days = {last - 1}: .*day {last}; give days >= {last}"):
        CommunityModel(members=50, days=last - 1, strategy="layered")
    assert CommunityModel(members=50, days=last, strategy="layered").params.days == last


def test_every_shipped_lesson_has_text_two_sides_and_builds_and_runs(lessons):
    assert {"herd", "scarcity", "peak_end", "shills", "sop_vs_layered", "dying_group"} <= set(
        lessons
    )
    for lesson in lessons.values():
        assert lesson.explanation.count(". ") >= 1 and lesson.question.endswith("?")
        assert lesson.with_side.label != lesson.without_side.label
        room = Classroom(lesson=lesson.name, lessons=lessons, days=None, **SMALL)
        assert [s.error for s in room.sides] == ["", ""], lesson.name
        room.step_hours(30)
        assert all(s.model.engine.hour == 30 for s in room.sides)


def test_both_sides_start_from_the_same_members_and_graph(lessons):
    room = Classroom(lesson="sop_vs_layered", lessons=lessons, **SMALL)
    a, b = (side.model.engine for side in room.sides)
    assert a.params.strategy.name != b.params.strategy.name
    np.testing.assert_array_equal(a.edges[ROW], b.edges[ROW])
    np.testing.assert_array_equal(a.traits.need, b.traits.need)
    assert room.sides[0].xy is room.sides[1].xy  # one layout, computed once


def test_contrasted_controls_are_set_by_each_side_and_explained(lessons):
    room = Classroom(lesson="herd", lessons=lessons, herd=1.0, **SMALL)
    herds = [side.model.params.purchase.herd for side in room.sides]
    contrast = lessons["herd"].contrast["herd"]
    assert herds == list(contrast)  # the page's herd value is not used side by side
    assert all("set by the lesson" in side.notes["herd"] for side in room.sides)
    one = Classroom(lesson="herd", lessons=lessons, mode=MODES[1], herd=1.0, **SMALL)
    assert len(one.sides) == 1 and one.sides[0].model.params.purchase.herd == 1.0


def test_levers_reach_the_plan():
    base = {"strategy": "layered", **SMALL}
    params, _ = resolve(base | {"deadline_hours": 12, "quota": 7}, SideSpec(), "test")
    offers = [e for e in params.strategy.touchpoints if e.type == "offer"]
    assert offers and all(
        e.params["duration_hours"] == 12 and e.params["quota"] == 7 for e in offers
    )
    untouched, _ = resolve(base, SideSpec(), "test")
    assert untouched.strategy.touchpoints == load_plan("layered").touchpoints
    shills_on, _ = resolve(base | {"shills": True, "shill_risk": 0.2}, SideSpec(), "test")
    model = CommunityModel(shills_on, seed=1, strategy=shills_on.strategy)
    fired = [f for f in model.engine.schedule.all() if f.unit.name == "shills"]
    assert fired and all(f.params.detect_prob == 0.2 for f in fired)
    no_peak, _ = resolve(base | {"peak": False}, SideSpec(), "test")
    plan = load_plan("layered")
    assert len(no_peak.strategy.touchpoints) == len(plan.touchpoints) - 1
    assert plan.touchpoints[peak_event(plan)] not in no_peak.strategy.touchpoints
    herd, _ = resolve(base | {"herd": 0.0}, SideSpec(), "test")
    assert herd.purchase.herd == 0.0


def test_side_edits_remove_add_and_set_parameters():
    side = SideSpec(
        label="x",
        params={"channel.post_prob": [0.0, 0.0, 0.0]},
        remove=[{"type": "care"}],
        add=[{"type": "broadcast", "day": 2, "hour": 9}],
    )
    params, _ = resolve({"strategy": "layered", **SMALL}, side, "test")
    types = [e.type for e in params.strategy.touchpoints]
    assert "care" not in types and params.channel.post_prob == [0.0, 0.0, 0.0]
    assert params.strategy.touchpoints[-1].day == 2
    with pytest.raises(ConfigError, match=r"test\.params\.channel\.nope: unknown field"):
        resolve({"strategy": "sop"}, SideSpec(params={"channel.nope": 1}), "test")


def test_a_side_too_short_for_its_plan_shows_an_error_instead_of_crashing(lessons):
    room = Classroom(lesson="sop_vs_layered", lessons=lessons, days=10, **SMALL)
    assert all("days = 10" in side.error and side.model is None for side in room.sides)
    assert room.running is False
    room.step()  # nothing to do, no crash
    assert room.hour == 0


def test_controls_that_cannot_apply_are_explained(lessons):
    room = Classroom(lesson="herd", lessons=lessons, mode=MODES[1], strategy="sop", **SMALL)
    notes = room.sides[0].notes
    assert "no shill entry" in notes["shills"] and "no event" in notes["peak"]
    bass = Classroom(lesson="herd", lessons=lessons, mode=MODES[1], strategy="bass", **SMALL)
    assert {"herd", "deadline_hours", "quota"} <= set(bass.sides[0].notes)
    bass.step_hours(5)
    assert bass.hour == 5


def _copy_lessons(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    shutil.copytree(LESSON_DIR, folder)
    return folder


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(colour="red"), r"herd\.yaml: colour: unknown field; allowed: title"),
        (
            lambda d: d["with"]["settings"].update(herd="lots"),
            r"with\.settings\.herd = 'lots': expected a number",
        ),
        (lambda d: d["settings"].update(members=5), r"settings\.members = 5: must be from 50"),
        (
            lambda d: d["settings"].update(strategy="nope"),
            r"settings\.strategy = 'nope': allowed: bass, cascade, layered, sop, threshold",
        ),
        (lambda d: d.pop("question"), r"herd\.yaml: question: expected a non-empty text"),
        (
            lambda d: d["without"].update(remove=[{"colour": 1}]),
            r"without\.remove\[0\]: match on type",
        ),
    ],
)
def test_a_bad_lesson_file_is_refused_naming_file_and_field(tmp_path, change, message):
    folder = _copy_lessons(tmp_path)
    path = folder / "herd.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=message):
        load_lesson(path)
    good, errors = read_lessons(folder)  # the page: the other lessons still load
    assert "herd" not in good and len(good) >= 5 and len(errors) == 1


def test_a_copied_and_edited_lesson_is_listed(tmp_path):
    folder = _copy_lessons(tmp_path)
    data = yaml.safe_load((folder / "herd.yaml").read_text())
    data.update(title="My own herd lesson", order=0)
    data["settings"]["members"] = 100
    (folder / "my_herd.yaml").write_text(yaml.safe_dump(data))
    lessons = load_lessons(folder)
    assert next(iter(lessons)) == "my_herd"
    room = Classroom(lessons=lessons)
    assert room.lesson.title == "My own herd lesson"
    assert all(len(side.model.members) == 100 for side in room.sides)


def test_narration_tells_of_an_offer_and_its_first_hours():
    model = build_side({"strategy": "sop", **SMALL}, SideSpec(), "test")
    narrator = Narrator(model)
    offer = next(f for f in model.engine.schedule.all() if f.unit.name == "offer")
    model.run(offer.start + 6)
    narrator.update()  # catches up on every hour since the last update
    day = offer.start // 24 + 1
    sold = int(model.engine.recorder.purchases[offer.start : offer.start + 6, ROW].sum())
    assert any(
        line.startswith(f"day {day}, {offer.start % 24:02d}:00: an offer opens")
        for line in narrator.lines
    )
    assert f"day {day}: limited offer opened, {sold} bought in 6 hours" in narrator.lines
    daily = [
        line
        for line in narrator.lines
        if ", " not in line.split(":")[0] and line.startswith("day ")
    ]
    assert len({line.split(":")[0] for line in daily}) >= offer.start // 24  # a line every day
    model.run()
    narrator.update()
    buyers = int((model.engine.state.bought[ROW] & model.engine.state.ever_member[ROW]).sum())
    assert narrator.latest.startswith(f"the campaign is over: {buyers} of ")


def test_layout_is_fixed_and_the_pictures_and_charts_follow_the_state(lessons):
    room = Classroom(lesson="sop_vs_layered", lessons=lessons, **SMALL)
    side = room.sides[0]
    model = side.model
    assert layout(model) is side.xy and np.abs(side.xy).max() <= 1.1
    first = side.picture.jpeg()
    assert first[:3] == b"\xff\xd8\xff" and side.picture.jpeg() == first  # same state, same picture
    offsets = [layer.get_offsets().copy() for layer in side.picture.layers]
    room.step_hours(48)
    assert side.picture.jpeg() != first
    for before, layer in zip(offsets, side.picture.layers, strict=True):
        np.testing.assert_array_equal(layer.get_offsets()[: len(before)], before)  # nobody moves
    rows = stages_rows(model)
    last = [r["n"] for r in rows if r["d"] == 2.0]
    assert sum(last) == int(model.engine.state.present[ROW].sum())
    daily = purchases_rows(model)
    assert sum(r["n"] for r in daily) == int(model.engine.recorder.purchases[:48, ROW].sum())
    status = status_rows(model)
    assert {r["t"] for r in status} == {"active", "dormant", "left"}
    assert len(charts_spec(model.params.days)["vconcat"]) == 3


def _scales(spec):
    """Every chart of a charts spec with its dataset name and y-scale domain."""
    return [(part["data"]["name"], part["encoding"]["y"]["scale"]) for part in spec["vconcat"]]


def test_the_charts_spec_has_no_data_and_names_what_the_data_fill():
    spec = charts_spec(31, width=300)
    assert "values" not in str(spec)  # the data come apart, so the browser compiles once
    params = {p["name"] for p in spec["params"]}
    for name, scale in _scales(spec):
        top = scale["domain"][1]["expr"]
        assert scale["domain"][0] == 0 and top == f"top_{name}" and top in params
    assert spec["vconcat"][0]["encoding"]["x"]["scale"]["domain"] == [0, 31]
    assert spec["vconcat"][1]["encoding"]["x"]["scale"]["domain"] == [0.5, 31.5]
    assert all(part["width"] == 300 for part in spec["vconcat"])


def test_chart_data_fill_the_spec_move_every_few_hours_and_share_the_tops(lessons):
    room = Classroom(lesson="sop_vs_layered", lessons=lessons, **SMALL)
    models = [side.model for side in room.sides]
    spec = charts_spec(models[0].params.days)
    names = {name for name, _ in _scales(spec)}
    room.step_hours(30)
    data = charts_data(models[0])
    assert set(data["tables"]) == names
    assert set(data["signals"]) == {p["name"] for p in spec["params"]}
    assert data["hour"] == 30 - 30 % CHART_EVERY
    assert max(r["d"] for r in data["tables"]["stages"]) == data["hour"] / 24
    room.step_hours(CHART_EVERY - 1)  # still inside the same chart interval
    assert charts_data(models[0]) == data
    room.step_hours(1)
    assert charts_data(models[0])["hour"] == data["hour"] + CHART_EVERY
    tops = chart_tops(models)
    for model in models:
        own = charts_data(model)
        shared = charts_data(model, tops)
        assert (
            shared["tables"] == own["tables"] and shared["signals"]["top_stages"] == tops["stages"]
        )
        stacked = {}
        for row in own["tables"]["stages"]:
            stacked[row["d"]] = stacked.get(row["d"], 0) + row["n"]
        assert max(stacked.values()) <= own["signals"]["top_stages"] <= tops["stages"]
        for name in ("purchases", "status"):
            biggest = max(r["n"] for r in own["tables"][name])
            assert biggest <= own["signals"][f"top_{name}"] <= tops[name]
