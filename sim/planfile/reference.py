"""The reference tables of ``docs/plan-format.md``, generated from the same code as the schema.

``update_page`` replaces the text between ``<!-- generated:start -->`` and
``<!-- generated:end -->`` with the tables: every field of every section with its meaning,
unit, default and an example; the touchpoint words with their engine type and settings; each
engine type's settings with their defaults and bounds; and the words for targets, rankings
and ties.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from sim.engine.touchpoints import REGISTRY

from .check import kind_name
from .fields import Community, Entry, PlanFile, Product, Target, Team
from .vocabulary import RANK_WORDS, TARGET_WORDS, TIE_WORDS, TOUCHPOINTS

START, END = "<!-- generated:start -->", "<!-- generated:end -->"


def _value(value: Any) -> str:  # noqa: PLR0911 (one return per type)
    if value is None:
        return "(left out)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def _default(f: dataclasses.Field) -> str:
    if f.metadata.get("required"):
        return "(required)"
    if f.default is not dataclasses.MISSING:
        value = f.default
    else:
        value = f.default_factory()  # type: ignore[misc]
    if dataclasses.is_dataclass(value):
        return "(see below)"
    return _value(value)


def _bounds(meta: typing.Mapping[str, Any]) -> str:
    lo, hi = meta.get("min"), meta.get("max")
    parts = []
    if lo is not None:
        parts.append(f"≥ {lo:g}")
    if hi is not None:
        parts.append(f"≤ {hi:g}")
    if meta.get("choices") and len(meta["choices"]) <= 8:
        parts.append("one of " + ", ".join(meta["choices"]))
    return ", ".join(parts)


def field_table(cls: type, prefix: str) -> list[str]:
    """A markdown table of a plan-file dataclass's fields."""
    hints = typing.get_type_hints(cls)
    rows = [
        "| field | meaning | type, unit | default | example |",
        "|---|---|---|---|---|",
    ]
    for f in dataclasses.fields(cls):
        meta = f.metadata
        kind = kind_name(hints[f.name])
        extra = ", ".join(x for x in (meta.get("unit", ""), _bounds(meta)) if x)
        example = meta.get("example")
        rows.append(
            f"| `{prefix}{f.name}` | {meta.get('doc', '')} | {kind}"
            f"{'; ' + extra if extra else ''} | {_default(f)} | "
            f"{'' if example is None else '`' + _value(example) + '`'} |"
        )
    return rows


def word_table() -> list[str]:
    """The touchpoint words with their engine type and settings."""
    rows = ["| `what:` | means | engine type | settings it sets |", "|---|---|---|---|"]
    for word, w in TOUCHPOINTS.items():
        rows.append(
            f"| `{word}` | {w.meaning} | `{w.type}` | {_value(w.settings) if w.settings else ''} |"
        )
    return rows


def settings_table() -> list[str]:
    """Each engine type's settings (written in an entry beside ``what``)."""
    rows = ["| engine type | setting | type | default | allowed |", "|---|---|---|---|---|"]
    for kind in sorted(REGISTRY):
        params = REGISTRY[kind].Params
        hints = typing.get_type_hints(params)
        for f in dataclasses.fields(params):
            rows.append(
                f"| `{kind}` | `{f.name}` | {kind_name(hints[f.name])} | {_default(f)} | "
                f"{_bounds(f.metadata)} |"
            )
    return rows


def tables() -> str:
    """Every generated table of the reference page, as markdown."""
    out: list[str] = []
    sections = [
        ("Top level", PlanFile, ""),
        ("`community:`", Community, "community."),
        ("`team:`", Team, "team."),
        ("`product:`", Product, "product."),
        ("`calendar:` entries", Entry, ""),
        ("`to:` as a mapping of conditions", Target, "to."),
    ]
    for title, cls, prefix in sections:
        out += [f"### {title}", "", *field_table(cls, prefix), ""]
    out += [
        "### Touchpoint words (`what:`)",
        "",
        "The engine's own type names are words too (with the engine's defaults): "
        + ", ".join(f"`{k}`" for k in sorted(REGISTRY))
        + ".",
        "",
        *word_table(),
        "",
    ]
    out += [
        "### Touchpoint settings",
        "",
        "Written in the entry beside `what:`; they override the word's settings.",
        "",
        *settings_table(),
        "",
    ]
    out += ["### Target shorthands (`to:` as text)", "", "| `to:` | means |", "|---|---|"]
    out += [f"| `{k}` | {_value(v) if v else 'every member'} |" for k, v in TARGET_WORDS.items()]
    out += ["", "### Rankings (`to: {by: ...}`)", "", "| `by:` | engine `rank_by` |", "|---|---|"]
    out += [f"| `{k}` | `{v}` |" for k, v in RANK_WORDS.items()]
    out += [
        "",
        "### Kinds of ties (`community.ties`)",
        "",
        "| `ties:` | engine `graph.kind` |",
        "|---|---|",
    ]
    out += [f"| `{k}` | `{v}` |" for k, v in TIE_WORDS.items()]
    return "\n".join(out)


def update_page(page: str) -> str:
    """``page`` with its generated part replaced by the current tables.

    Raises:
        ValueError: the page lacks the markers.
    """
    if START not in page or END not in page:
        raise ValueError(f"the page needs the markers {START} and {END}")
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{tables()}\n{END}{tail}"
