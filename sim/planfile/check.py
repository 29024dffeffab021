"""Checking plain data against the plan file's dataclasses, collecting every problem.

``check`` walks a value against a type (``int``, ``list[str]``, ``str | Target``, a
dataclass...) and the bounds and choices in the field's metadata. It never raises: each
problem is recorded with its field path and the value is dropped (so the default stays).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any

from .problems import UNREADABLE, Collector, show

BAD = object()  # a value that failed its check


@functools.cache
def hints(cls: type) -> dict[str, Any]:
    """``typing.get_type_hints(cls)``, computed once per class."""
    return typing.get_type_hints(cls)


def kind_name(tp: Any) -> str:
    """A type in plain words (``a whole number``, ``a list of text``...)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(kind_name(t) for t in typing.get_args(tp))
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        return f"a list (each {kind_name(item)})"
    if origin is dict:
        return "a mapping"
    if dataclasses.is_dataclass(tp):
        return f"a mapping of {tp.__name__.lower()} fields"
    return {
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        str: "text",
        type(None): "null",
    }.get(tp, "a value")


def _bounds(meta: typing.Mapping[str, Any]) -> str:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f"from {lo:g} to {hi:g}"
    if lo is not None:
        return f"at least {lo:g}"
    if hi is not None:
        return f"at most {hi:g}"
    return ""


def _matches(value: Any, tp: Any) -> bool:  # noqa: PLR0911 (one return per type)
    origin = typing.get_origin(tp) or tp
    if dataclasses.is_dataclass(tp) or origin is dict:
        return isinstance(value, dict)
    if origin is list:
        return isinstance(value, list)
    if tp is bool:
        return isinstance(value, bool)
    if tp in (int, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if tp is type(None):
        return value is None
    return tp is Any


def check(  # noqa: PLR0911 (one return per type)
    out: Collector, value: Any, tp: Any, meta: typing.Mapping[str, Any], path: str
) -> Any:
    """``value`` checked against ``tp`` and ``meta`` (min, max, choices); ``BAD`` if not.

    Args:
        out: collects problems.
        value: plain data from the file.
        tp: the expected type.
        meta: the field's metadata.
        path: the field's path, for messages.

    Returns:
        The value (a dataclass field's mapping becomes its dataclass), or ``BAD``.
    """
    if value is UNREADABLE:
        return BAD  # already reported by the reader
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(tp):
            if _matches(value, option):
                return check(out, value, option, meta, path)
        out.add(path, f"{show(value)} is not {kind_name(tp)}", kind_name(tp))
        return BAD
    if tp is Any:
        return value
    if not _matches(value, tp):
        allowed = kind_name(tp)
        if meta.get("choices"):
            allowed = ", ".join(meta["choices"])
        elif _bounds(meta):
            allowed += " " + _bounds(meta)
        out.add(path, f"{show(value)} is not {kind_name(tp)}", allowed)
        return BAD
    if dataclasses.is_dataclass(tp):
        return check_fields(out, tp, value, path)
    if origin is list:
        (item_tp,) = typing.get_args(tp) or (Any,)
        items = [check(out, v, item_tp, meta, f"{path}[{i}]") for i, v in enumerate(value)]
        return BAD if any(v is BAD for v in items) else items
    if origin is dict:
        _, item_tp = typing.get_args(tp) or (str, Any)
        result = {}
        for k, v in value.items():
            checked = check(out, v, item_tp, {}, f"{path}.{k}")
            if checked is not BAD:
                result[k] = checked
        return result
    if tp is int and value != int(value):
        out.add(path, f"{show(value)} is not a whole number", "a whole number " + _bounds(meta))
        return BAD
    if tp in (int, float):
        value = tp(value)
        lo, hi = meta.get("min"), meta.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            out.add(path, f"{show(value)} is out of range", f"{kind_name(tp)} {_bounds(meta)}")
            return BAD
    choices = meta.get("choices")
    if choices and isinstance(value, str) and value not in choices:
        out.did_you_mean(path, "value", value, choices)
        return BAD
    return value


def check_fields(
    out: Collector,
    cls: type,
    data: dict[str, Any],
    path: str,
    *,
    extra: type | None = None,
    what: str = "field",
) -> dict[str, Any]:
    """Check a mapping against a dataclass's fields (and ``extra`` fields); keep the good.

    Args:
        out: collects problems.
        cls: the dataclass.
        data: the mapping from the file.
        path: its path.
        extra: a dataclass of more allowed fields (a touchpoint type's settings).
        what: how an unknown name is called in messages.

    Returns:
        The names and checked values that passed (unknown or bad ones are left out).
    """
    own_hints = hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    more = {f.name: f for f in dataclasses.fields(extra)} if extra else {}
    more_hints = hints(extra) if extra else {}
    good: dict[str, Any] = {}
    for name, given in data.items():
        sub = f"{path}.{name}" if path else name
        if name in fields:
            value = check(out, given, own_hints[name], fields[name].metadata, sub)
        elif name in more:
            value = check(out, given, more_hints[name], more[name].metadata, sub)
        else:
            out.did_you_mean(sub, what, name, [*fields, *more])
            continue
        if value is not BAD:
            good[name] = value
    return good
