"""The shipped JSON Schema and reference tables are generated from the code and current."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from sim.planfile import reference, schema
from sim.planfile.fields import Community, Entry, PlanFile, Product, Target, Team

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted((ROOT / "configs" / "plans").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    shipped = json.loads(schema.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(shipped)
    return jsonschema.Draft7Validator(shipped)


def test_the_shipped_schema_is_the_generated_one():
    assert schema.SCHEMA_PATH.read_text(encoding="utf-8") == schema.dumps(schema.generate()), (
        "docs/plan.schema.json is out of date: run python -m sim.planfile.schema"
    )


def test_the_reference_page_tables_are_current():
    page = schema.DOC_PATH.read_text(encoding="utf-8")
    assert reference.update_page(page) == page, (
        "docs/plan-format.md is out of date: run python -m sim.planfile.schema"
    )


def test_the_reference_page_lists_every_field():
    page = schema.DOC_PATH.read_text(encoding="utf-8")
    for cls, prefix in (
        (PlanFile, ""),
        (Community, "community."),
        (Team, "team."),
        (Product, "product."),
        (Entry, ""),
        (Target, "to."),
    ):
        for name in cls.__dataclass_fields__:
            assert f"| `{prefix}{name}` |" in page, f"{prefix}{name}"


def test_the_check_command_reports_an_up_to_date_schema():
    assert schema.main(["--check"]) == 0


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_example_plan_validates(validator, path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [e.message for e in validator.iter_errors(data)]
    assert not errors


@pytest.mark.parametrize(
    "data",
    [
        {"comunity": {}},  # unknown top-level field
        {"community": {"members": 1}},  # below the minimum
        {"team": {"people": "two"}},  # wrong type
        {"calendar": [{"what": "broadcst"}]},  # unknown touchpoint
        {"calendar": [{"day": 1}]},  # no what
        {"calendar": [{"what": "opening ceremony", "price": 3}]},  # an offer's setting
        {"calendar": [{"what": "notice", "to": {"layer": ["core"]}}]},  # unknown condition
        {"calendar": [{"what": "notice", "to": "everybody"}]},  # unknown shorthand
        {"calendar": [{"what": "limited-time offer", "announce": "loud"}]},  # bad choice
    ],
)
def test_the_schema_refuses_what_the_loader_refuses(validator, data, tmp_path: Path):
    assert list(validator.iter_errors(data))
    from sim.planfile import PlanErrors, load

    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PlanErrors):
        load(path)


def test_an_offer_setting_is_allowed_on_offers(validator):
    plan = {
        "calendar": [
            {
                "what": "limited-time offer",
                "price": 3,
                "quota": 5,
                "ladder": [{"after_hours": 24, "price": 4}],
            }
        ]
    }
    assert not list(validator.iter_errors(plan))
