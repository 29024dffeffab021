"""The parameter space of a sensitivity analysis: model parameters by path, with bounds.

A parameter is named by its dotted path in ``ModelParams`` (``purchase.herd``), the same path
as on the command line of ``python -m sim``. Only number fields (float or int) can be varied;
int fields are rounded to the nearest whole number when a sample point is set.

``check_space`` checks a space against a base ``ModelParams`` before anything runs: every path
exists and is a number, ``low < high``, and every bound, alone and at every corner of the box,
passes the engine's own range check (``sim.engine.validation.check_model``).
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

from sim.engine.params import ModelParams
from sim.engine.validation import ConfigError, check_model

MAX_FULL_CORNERS = 10  # up to this many parameters every corner of the box is checked


@dataclass
class ParameterRange:
    """One varied parameter.

    Attributes:
        name: dotted path of a number field of ``ModelParams`` (e.g. ``purchase.herd``).
        low: lower bound of the range sampled.
        high: upper bound (must exceed ``low``).
    """

    name: str = MISSING
    low: float = MISSING
    high: float = MISSING


def _number_fields(cls: type) -> dict[str, type]:
    """The float and int fields of a dataclass (bool excluded), by name."""
    hints = typing.get_type_hints(cls)
    return {
        f.name: hints[f.name]
        for f in dataclasses.fields(cls)
        if hints[f.name] in (float, int) and hints[f.name] is not bool
    }


def field_type(path: str, where: str) -> type:
    """The type (``float`` or ``int``) of the ``ModelParams`` field at ``path``.

    Args:
        path: dotted path, e.g. ``purchase.herd`` or ``days``.
        where: the place to name in errors.

    Raises:
        ConfigError: the path names no field, or a field that is not a number.
    """
    cls: Any = ModelParams
    parts = path.split(".") if path else [""]
    for i, part in enumerate(parts):
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        if part not in names:
            inside = ".".join(parts[:i])
            numbers = [n for n in names if n in _number_fields(cls)]
            groups = [n for n in names if dataclasses.is_dataclass(hints[n]) and n != "strategy"]
            if inside:
                allowed = f"the number fields of {inside} are {', '.join(numbers) or 'none'}"
            else:
                allowed = f"give a group ({', '.join(groups)}) and a field, or {', '.join(numbers)}"
            raise ConfigError(
                f"{where} = {path!r}: not a model parameter (no {part!r} in "
                f"{inside or 'ModelParams'}); {allowed}"
            )
        tp = hints[part]
        last = i == len(parts) - 1
        if dataclasses.is_dataclass(tp) and not last:
            cls = tp
            continue
        if not last or tp not in (float, int) or tp is bool:
            raise ConfigError(
                f"{where} = {path!r}: not a number field (a float or int of ModelParams, "
                "e.g. purchase.herd); lists, text, switches and the plan cannot be varied"
            )
        return tp
    raise ConfigError(f"{where} = {path!r}: not a model parameter")  # pragma: no cover


def coerce(value: float, tp: type) -> float | int:
    """A sampled value as the field's type (int fields are rounded)."""
    return round(value) if tp is int else float(value)


def with_values(
    base: ModelParams, names: Sequence[str], values: Sequence[float], types: Sequence[type]
) -> ModelParams:
    """A copy of ``base`` with each field at ``names[i]`` set to ``values[i]``.

    Args:
        base: the base parameters (not changed).
        names: dotted paths (already checked with ``field_type``).
        values: the values to set.
        types: each field's type, ``float`` or ``int`` (ints are rounded).

    Returns:
        A new ``ModelParams``.
    """
    params = copy.deepcopy(base)
    for name, value, tp in zip(names, values, types, strict=True):
        *groups, last = name.split(".")
        obj: Any = params
        for g in groups:
            obj = getattr(obj, g)
        setattr(obj, last, coerce(value, tp))
    return params


def _corners(n: int) -> list[tuple[int, ...]]:
    """Corners of the box to check: all of them for small spaces, else all pairs of bounds."""
    if n <= MAX_FULL_CORNERS:
        return list(itertools.product((0, 1), repeat=n))
    out = []
    for i, j in itertools.combinations(range(n), 2):
        for a, b in itertools.product((0, 1), repeat=2):
            corner = [0] * n
            corner[i], corner[j] = a, b
            out.append(tuple(corner))
            out.append(tuple(1 - c if k not in (i, j) else c for k, c in enumerate(corner)))
    return out


def check_space(
    base: ModelParams, ranges: Sequence[ParameterRange], where: str
) -> tuple[dict[str, Any], list[type]]:
    """Check a parameter space and return it as a SALib problem.

    Args:
        base: the base parameters the ranges vary.
        ranges: the varied parameters.
        where: the place to name in errors (e.g. ``configs/sensitivity.yaml:
            sensitivity.parameters``).

    Returns:
        ``(problem, types)``: SALib's ``{"num_vars", "names", "bounds"}`` and each field's
        type.

    Raises:
        ConfigError: an empty space, a repeated or unknown path, a field that is not a
            number, ``low >= high``, a non-finite or non-whole (for int fields) bound, or a
            bound (alone, or at a corner of the box) that the engine's range check refuses.
    """
    if not ranges:
        raise ConfigError(f"{where}: empty; list at least one {{name, low, high}}")
    types: list[type] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(ranges):
        at = f"{where}[{i}]"
        tp = field_type(r.name, f"{at}.name")
        if r.name in seen:
            raise ConfigError(f"{at}.name = {r.name!r}: already listed at [{seen[r.name]}]")
        seen[r.name] = i
        for bound in ("low", "high"):
            value = getattr(r, bound)
            if not math.isfinite(value):
                raise ConfigError(f"{at}.{bound} = {value!r}: must be a finite number")
            if tp is int and value != int(value):
                raise ConfigError(
                    f"{at}.{bound} = {value!r}: {r.name} is a whole number; give whole bounds"
                )
        if not r.low < r.high:
            raise ConfigError(f"{at} ({r.name}): low = {r.low!r} must be below high = {r.high!r}")
        for bound in ("low", "high"):
            value = getattr(r, bound)
            try:
                check_model(with_values(base, [r.name], [value], [tp]))
            except ConfigError as exc:
                raise ConfigError(
                    f"{at}.{bound} = {value!r} ({r.name}) is out of range: {exc}"
                ) from exc
        types.append(tp)
    names = [r.name for r in ranges]
    bounds = [[float(r.low), float(r.high)] for r in ranges]
    for corner in _corners(len(ranges)):
        values = [b[c] for b, c in zip(bounds, corner, strict=True)]
        try:
            check_model(with_values(base, names, values, types))
        except ConfigError as exc:
            setting = ", ".join(f"{n}={v:g}" for n, v in zip(names, values, strict=True))
            raise ConfigError(
                f"{where}: the corner ({setting}) of the box is out of range: {exc}"
            ) from exc
    return {"num_vars": len(names), "names": names, "bounds": bounds}, types
