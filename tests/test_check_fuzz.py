"""Generated plans (hypothesis): no input gives a traceback, every planted problem is found,
and nothing is written."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.check import main
from sim.planfile import LoadedPlan, PlanErrors, load

ROOT = Path(__file__).resolve().parents[1]
LAYERED = yaml.safe_load((ROOT / "configs" / "plans" / "layered.yaml").read_text())
KEYS = [
    "name",
    "days",
    "community",
    "team",
    "product",
    "calendar",
    "switches",
    "what",
    "day",
    "at",
    "to",
    "price",
    "members",
    "layers",
    "top",
    "by",
    "when",
    "every_days",
]
FAST = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["notice", "opening ceremony", "20:00", "core", "everyone", "1e400"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)


def outcome(text: str) -> LoadedPlan | PlanErrors:
    """Load ``text`` as a plan file in a fresh folder; assert nothing is written there."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            result: LoadedPlan | PlanErrors = load(path)
        except PlanErrors as exc:
            result = exc
        assert [p.name for p in Path(folder).iterdir()] == ["plan.yaml"]
    if isinstance(result, PlanErrors):
        assert result.problems
        for problem in result.problems:
            text = str(problem)
            assert text.isprintable(), text  # no control characters from the file
    return result


@FAST
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=6) | values)
def test_any_data_gives_a_plan_or_problems(data: Any):
    outcome(yaml.safe_dump(data, allow_unicode=True))


@FAST
@given(st.text(max_size=300))
def test_any_text_gives_exit_0_or_2(text: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.yaml"
        path.write_text(text, encoding="utf-8")
        assert main([str(path)]) in (0, 2)
        assert [p.name for p in Path(folder).iterdir()] == ["plan.yaml"]


def numeric_paths(data: Any, path: tuple = ()) -> list[tuple]:
    """Paths to the number leaves of a plan (not booleans)."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in numeric_paths(v, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in numeric_paths(v, (*path, i))]
    if isinstance(data, int | float) and not isinstance(data, bool):
        return [path]
    return []


def field_name(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


NUMBERS = numeric_paths(LAYERED)


@FAST
@given(
    st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=8, unique=True),
    st.sampled_from(["oops", [1, 2], {"a": 1}, True]),
)
def test_every_planted_problem_is_reported(paths: list[tuple], bad: Any):
    data = copy.deepcopy(LAYERED)
    for path in paths:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = bad
    result = outcome(yaml.safe_dump(data, sort_keys=False))
    assert isinstance(result, PlanErrors)
    reported = {p.field for p in result.problems}
    expected = {field_name(p) for p in paths}
    # ``at: [x]`` items are reported on the item itself
    missing = {
        f
        for f in expected
        if f not in reported and not any(r.startswith(f + "[") for r in reported)
    }
    assert not missing, (missing, [str(p) for p in result.problems])
    assert all(p.line > 0 for p in result.problems)


def mapping_paths(data: Any, path: tuple = ()) -> list[tuple]:
    """Paths to the mappings of a plan whose keys are checked (not ``switches``)."""
    found = []
    if isinstance(data, dict):
        if path != ("switches",):
            found.append(path)
        for k, v in data.items():
            found += mapping_paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found += mapping_paths(v, (*path, i))
    return found


MAPPINGS = mapping_paths(LAYERED)


@FAST
@given(
    st.lists(st.sampled_from(MAPPINGS), min_size=1, max_size=6, unique=True),
    st.sampled_from(["zzz", "pirce", "dya", "Qota", "target"]),
)
def test_every_unknown_field_is_reported(paths: list[tuple], key: str):
    data = copy.deepcopy(LAYERED)
    for path in paths:
        node = data
        for part in path:
            node = node[part]
        node[key] = 1
    result = outcome(yaml.safe_dump(data, sort_keys=False))
    assert isinstance(result, PlanErrors)
    expected = {field_name((*p, key)) for p in paths}
    assert expected == {p.field for p in result.problems}, [str(p) for p in result.problems]
    assert all(p.line > 0 for p in result.problems)
