"""The plan file's JSON Schema, generated from the dataclasses in ``fields`` (never by hand).

``python -m sim.planfile.schema`` writes ``docs/plan.schema.json`` and the generated
reference tables of ``docs/plan-format.md``; a test checks both are up to date. Editors that
read JSON Schema (VS Code's YAML extension, JetBrains IDEs) then complete and check plan
files: add ``# yaml-language-server: $schema=../../docs/plan.schema.json`` to a plan's top.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.engine.touchpoints import REGISTRY

from .fields import Entry, PlanFile, Target
from .vocabulary import all_words

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "docs" / "plan.schema.json"
DOC_PATH = ROOT / "docs" / "plan-format.md"
SCHEMA_ID = "https://example.invalid/community-conversion-sim/plan.schema.json"


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return None
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def type_schema(tp: Any, meta: Mapping[str, Any]) -> dict[str, Any]:  # noqa: PLR0911
    """The JSON Schema of a Python type, with the field's bounds and choices.

    Args:
        tp: ``int``, ``float``, ``bool``, ``str``, ``list[X]``, ``dict[str, X]``, a union,
            or a dataclass.
        meta: the field's metadata (``min``, ``max``, ``choices``, ``words``).

    Returns:
        A JSON Schema fragment.
    """
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [type_schema(t, meta) for t in typing.get_args(tp)]}
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        return {"type": "array", "items": type_schema(item, meta)}
    if origin is dict:
        _, item = typing.get_args(tp) or (str, Any)
        return {"type": "object", "additionalProperties": type_schema(item, {})}
    if dataclasses.is_dataclass(tp):
        return object_schema(tp)
    if tp is type(None):
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp in (int, float):
        out: dict[str, Any] = {"type": "integer" if tp is int else "number"}
        if meta.get("min") is not None:
            out["minimum"] = meta["min"]
        if meta.get("max") is not None:
            out["maximum"] = meta["max"]
        return out
    if tp is str:
        out = {"type": "string"}
        choices = meta.get("choices") or meta.get("words")
        if choices:
            out["enum"] = list(choices)
        return out
    return {}


def field_schema(f: dataclasses.Field, tp: Any) -> dict[str, Any]:
    """A dataclass field's schema with its description and default."""
    meta = f.metadata
    out = type_schema(tp, meta)
    doc = meta.get("doc") or ""
    if meta.get("unit"):
        doc += f" [{meta['unit']}]"
    if doc:
        out["description"] = doc
    if meta.get("required"):
        return out
    if f.default is not dataclasses.MISSING:
        default = _jsonable(f.default)
        if default is not None or f.default is None:
            out["default"] = default
    elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        default = _jsonable(f.default_factory())  # type: ignore[misc]
        if default is not None:
            out["default"] = default
    return out


def object_schema(cls: type, strict: bool = True) -> dict[str, Any]:
    """A dataclass as a JSON Schema object (unknown fields refused when ``strict``)."""
    hints = typing.get_type_hints(cls)
    out: dict[str, Any] = {"type": "object"}
    if cls.__doc__:
        out["description"] = cls.__doc__.strip().splitlines()[0]
    out["properties"] = {f.name: field_schema(f, hints[f.name]) for f in dataclasses.fields(cls)}
    required = [f.name for f in dataclasses.fields(cls) if f.metadata.get("required")]
    if required:
        out["required"] = required
    if strict:
        out["additionalProperties"] = False
    return out


def entry_schema() -> dict[str, Any]:
    """A calendar entry: its own fields, plus the settings of the touchpoint ``what`` names.

    The settings of every type are listed as properties; for each type, an if/then rule
    allows only the entry's own fields and that type's settings.
    """
    schema = object_schema(Entry, strict=False)
    own = [f.name for f in dataclasses.fields(Entry)]
    settings: dict[str, dict[str, Any]] = {}
    rules = []
    by_type: dict[str, list[str]] = defaultdict(list)
    for word, w in all_words().items():
        by_type[w.type].append(word)
    for kind in sorted(by_type):
        params = REGISTRY[kind].Params
        hints = typing.get_type_hints(params)
        names = []
        for f in dataclasses.fields(params):
            names.append(f.name)
            one = field_schema(f, hints[f.name])
            one["description"] = f"setting of {kind}" + (
                f"; {settings[f.name]['description']}" if f.name in settings else ""
            )
            one.pop("default", None)  # defaults differ by type and word
            if f.name in settings and {k: v for k, v in one.items() if k != "description"} != {
                k: v for k, v in settings[f.name].items() if k != "description"
            }:
                settings[f.name] = {"description": one["description"]}  # differs: any value
            else:
                settings[f.name] = one
        rules.append(
            {
                "if": {"properties": {"what": {"enum": by_type[kind]}}, "required": ["what"]},
                "then": {"propertyNames": {"enum": [*own, *names]}},
            }
        )
    schema["properties"].update({k: settings[k] for k in sorted(settings)})
    schema["allOf"] = rules
    return schema


def generate() -> dict[str, Any]:
    """The plan file's JSON Schema (draft 07)."""
    schema: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "Community campaign plan",
    }
    top = object_schema(PlanFile)
    top["properties"]["calendar"] = {
        "type": "array",
        "description": top["properties"]["calendar"]["description"],
        "items": {"$ref": "#/definitions/entry"},
    }
    schema.update(top)
    schema["definitions"] = {"entry": entry_schema(), "target": object_schema(Target)}
    entry_to = schema["definitions"]["entry"]["properties"]["to"]
    entry_to["anyOf"] = [
        {"$ref": "#/definitions/target"} if opt.get("type") == "object" else opt
        for opt in entry_to["anyOf"]
    ]
    return schema


def dumps(schema: dict[str, Any]) -> str:
    """The schema as shipped: indented JSON with a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/plan.schema.json`` and the reference tables of ``docs/plan-format.md``.

    With ``--check``, write nothing and exit 1 if either file is out of date.
    """
    from .reference import update_page

    args = sys.argv[1:] if argv is None else argv
    schema_text = dumps(generate())
    page = DOC_PATH.read_text(encoding="utf-8")
    new_page = update_page(page)
    if "--check" in args:
        stale = [
            str(p.relative_to(ROOT))
            for p, text in ((SCHEMA_PATH, schema_text), (DOC_PATH, new_page))
            if not p.is_file() or p.read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(
                f"error: {name} is out of date; run python -m sim.planfile.schema", file=sys.stderr
            )
        return 1 if stale else 0
    SCHEMA_PATH.write_text(schema_text, encoding="utf-8")
    DOC_PATH.write_text(new_page, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH.relative_to(ROOT)} and {DOC_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
