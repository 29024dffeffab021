"""Property-based tests (hypothesis): malformed plans, overrides, YAML and edge lists.

Whatever the input, checking it ends in one of two ways: it is accepted, or it is refused with
the project's own error (``ConfigError`` / ``GraphInputError``, which the entry points print as
one ``error:`` line with exit code 2). Never another exception (a traceback), and checking
writes nothing. A few generated inputs go through the real command line as well.

The example counts are fixed and the runs derandomized, so CI takes seconds and is repeatable.
"""

from __future__ import annotations

import dataclasses
import math
import string
import typing
from pathlib import Path

import pytest
import yaml
from factories import small_params
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import SimConfig, check_overrides
from sim.engine.graph import GraphInputError, read_edgelist
from sim.engine.params import ModelParams, TargetSpec, TouchpointSpec
from sim.engine.schedule import compile_plan
from sim.engine.touchpoints import REGISTRY
from sim.engine.validation import ConfigError, check_model
from sim.plans import plan_from_data, safe_label, safe_yaml

FAST = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# ----------------------------------------------------------------------- building blocks
nasty_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "..", "../../x", "/abs/path", "\x1b[31m", "${oc.env:HOME}", "1e23"]),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 2**63, 1e23, float("nan"), float("inf"), 0.5, 23, 24]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, nasty_text)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(nasty_text, st.booleans(), st.integers()), inner, max_size=4),
    ),
    max_leaves=12,
)


def _field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


ENTRY_KEYS = _field_names(TouchpointSpec)
TARGET_KEYS = _field_names(TargetSpec)
PARAM_KEYS = sorted({f for unit in REGISTRY.values() for f in _field_names(unit.Params)})


@st.composite
def entries(draw: st.DrawFn) -> typing.Any:
    """A plan entry: mostly well-shaped, with some values or keys wrong."""
    entry: dict[typing.Any, typing.Any] = {
        "type": draw(st.one_of(st.sampled_from(sorted(REGISTRY)), values)),
        "day": draw(st.one_of(st.integers(0, 40), values)),
    }
    for key in draw(st.lists(st.sampled_from(ENTRY_KEYS), max_size=3)):
        entry[key] = draw(values)
    if draw(st.booleans()):
        entry["target"] = draw(
            st.one_of(st.dictionaries(st.sampled_from(TARGET_KEYS), values, max_size=3), values)
        )
    if draw(st.booleans()):
        entry["params"] = draw(
            st.one_of(st.dictionaries(st.sampled_from(PARAM_KEYS), values, max_size=3), values)
        )
    return draw(st.one_of(st.just(entry), values))


plans = st.one_of(
    st.fixed_dictionaries(
        {"name": st.one_of(nasty_text, values), "touchpoints": st.lists(entries(), max_size=3)},
        optional={"list_price_on_sale": values, "switches": values, "extra": values},
    ),
    values,
)


def _leaf_paths(cls: type, prefix: str = "") -> list[str]:
    hints = typing.get_type_hints(cls)
    paths = []
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            paths += _leaf_paths(tp, f"{prefix}{f.name}.")
        elif f.name != "strategy":
            paths.append(prefix + f.name)
    return paths


MODEL_PATHS = _leaf_paths(ModelParams)


# ----------------------------------------------------------------------- plans
@FAST
@given(plan=plans, days=st.integers(1, 40))
def test_any_plan_is_accepted_or_refused_with_a_config_error(plan, days):
    try:
        compile_plan(plan_from_data(plan, "fuzz.yaml"), days, "fuzz.yaml")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("fuzz.yaml"), message
        assert "\x1b" not in message and len(message) < 2000


@FAST
@given(path=st.sampled_from(MODEL_PATHS), value=values)
def test_any_model_value_is_accepted_or_refused_with_a_config_error(path, value):
    params = small_params([], members=40, days=2)
    data = dataclasses.asdict(params)
    *parents, name = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[name] = value
    try:
        from sim.engine.validation import build

        checked = build(ModelParams, data, "")
        check_model(checked)
    except ConfigError as exc:
        assert path.split(".")[0] in str(exc) or "members" in str(exc), str(exc)
        return
    # accepted: every number in it is finite
    for leaf in MODEL_PATHS:
        obj: typing.Any = checked
        for part in leaf.split("."):
            obj = getattr(obj, part)
        for item in obj if isinstance(obj, list) else [obj]:
            if isinstance(item, float):
                assert math.isfinite(item), (leaf, item)


# ----------------------------------------------------------------------- overrides
override_texts = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda key, value: f"{key}={value}",
        st.one_of(
            st.sampled_from(MODEL_PATHS), st.sampled_from(["seed", "replicates"]), nasty_text
        ),
        st.one_of(nasty_text, numbers.map(str), st.sampled_from([".nan", "inf", "[1,2", "1,2"])),
    ),
    st.builds(lambda key: f"+{key}=3", st.sampled_from([*MODEL_PATHS, "purchase.herds", "x.y"])),
)


@FAST
@given(args=st.lists(override_texts, max_size=3))
def test_any_override_is_accepted_or_refused_with_a_config_error(args):
    try:
        check_overrides(args, SimConfig)
    except ConfigError as exc:
        assert "\x1b" not in str(exc)


# ----------------------------------------------------------------------- YAML text
yaml_texts = st.one_of(
    st.text(alphabet=string.printable, max_size=200),
    st.builds(
        lambda n, width: "\n".join(
            [f"a0: &a0 [{', '.join(['x'] * width)}]"]
            + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, n)]
        ),
        st.integers(1, 9),
        st.integers(1, 9),
    ),
    st.integers(1, 400).map(lambda depth: "[" * depth + "]" * depth),
)


@FAST
@given(text=yaml_texts)
def test_any_yaml_text_is_read_or_refused_with_a_config_error(text):
    try:
        data = safe_yaml(text, "fuzz.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.yaml")
        return
    # what is accepted is plain data of bounded size
    assert len(repr(data)) < 2_000_000


def test_alias_bomb_is_refused_quickly():
    levels = [f"a0: &a0 [{', '.join(['x'] * 9)}]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    with pytest.raises(ConfigError, match="aliases"):
        safe_yaml("\n".join(levels), "bomb.yaml")


# ----------------------------------------------------------------------- edge lists
csv_texts = st.one_of(
    st.text(max_size=120),
    st.builds(
        lambda header, rows, bom: (
            ("\ufeff" if bom else "")
            + ",".join(header)
            + "\n"
            + "\n".join(",".join(r) for r in rows)
        ),
        st.lists(st.sampled_from(["source", "target", "weight", "", " source"]), max_size=4),
        st.lists(st.lists(st.sampled_from(["1", "2", "3", "", "a b", '"'])), max_size=6),
        st.booleans(),
    ),
)


@FAST
@given(text=csv_texts, slots=st.integers(2, 8))
def test_any_edge_list_is_read_or_refused_with_a_graph_input_error(tmp_path, text, slots):
    path = Path(tmp_path) / "edges.csv"
    path.write_text(text, encoding="utf-8")
    try:
        graph = read_edgelist(str(path), slots)
    except GraphInputError as exc:
        assert str(exc).startswith("graph.edgelist_path=")
        return
    assert graph.number_of_nodes() == slots and graph.number_of_edges() > 0


# ----------------------------------------------------------------------- names
@FAST
@given(name=st.text(max_size=40))
def test_safe_labels_stay_plain_folder_names(name):
    label = safe_label(name)
    assert label and "/" not in label and "\\" not in label and ".." not in label
    assert label not in (".", "..") and not label.startswith(("-", "."))


# ----------------------------------------------------------------------- the real command line
INVALID_PLANS = {
    "nan day": "name: x\ntouchpoints:\n  - {type: broadcast, day: .nan}\n",
    "key not text": "name: x\non: true\n",
    "type of the wrong kind": "name: x\ntouchpoints:\n  - {type: [1], day: 1}\n",
    "params a list": "name: x\ntouchpoints:\n  - {type: broadcast, day: 1, params: []}\n",
    "deep": "name: x\ntouchpoints: " + "[" * 500 + "]" * 500 + "\n",
    "escape in name": 'name: "\\e[2J"\ntouchpoints: []\n',
}


@pytest.mark.parametrize("case", sorted(INVALID_PLANS))
def test_invalid_plan_files_through_the_command_line(tmp_path, case):
    from factories import run_module

    plan = tmp_path / "plan.yaml"
    plan.write_text(INVALID_PLANS[case], encoding="utf-8")
    run_dir = tmp_path / "run"
    r = run_module("sim", f"plan_file={plan}", "replicates=1", f"hydra.run.dir={run_dir}")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert "plan.yaml" in lines[0] and "\x1b" not in lines[0]
    assert not run_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.yaml"]


def test_plan_data_round_trips_through_yaml():
    """A valid plan written as YAML reads back as the same plan (the loader keeps data)."""
    plan = {"name": "ok", "touchpoints": [{"type": "broadcast", "day": 1, "hours": [8, 20]}]}
    again = safe_yaml(yaml.safe_dump(plan), "ok.yaml")
    assert plan_from_data(again, "ok.yaml") == plan_from_data(plan, "ok.yaml")
