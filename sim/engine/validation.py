"""Checking inputs before anything runs or is written.

Every bound is declared once, beside its field, as field metadata (``bounded``):
``min``/``max`` (inclusive), ``gt``/``lt`` (exclusive), ``choices`` and, for lists,
``length`` (the bounds then hold for every item; per-layer lists also name their ``layers``).
``build`` turns a plain mapping into a dataclass and checks names, types and those bounds;
``check_model`` walks every field of ``ModelParams`` the same way and adds only the rules
that tie several fields together, and ``check_size`` refuses a run too big for the memory.
Every number must be finite; a whole number without a declared maximum is capped at
``MAX_INT``. Errors name the place (file and field path), a short excerpt of the value and
what is allowed; text values cannot carry control characters (terminal escapes).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import types
import typing
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .params import ModelParams

MAX_INT = 2**31 - 1  # cap of whole numbers without a declared maximum
EXCERPT = 60  # characters of a value quoted in a message


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the field and what is allowed."""


def bounded(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    gt: float | None = None,
    lt: float | None = None,
    **kw: Any,
) -> Any:
    """A dataclass field whose bounds (and ``choices``, ``length``) ``build`` checks.

    Args:
        default: the default value (a list is copied for each instance).
        lo: smallest allowed value (inclusive), or None.
        hi: largest allowed value (inclusive), or None.
        gt: the value must be above this, or None.
        lt: the value must be below this, or None.
        **kw: more metadata, e.g. ``choices=("group", "private")`` or ``length=24``.
    """
    meta = {"min": lo, "max": hi, "gt": gt, "lt": lt, **kw}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """``repr(value)`` cut to ``limit`` characters, safe to print (escapes are quoted)."""
    text = repr(value)
    if not text.isascii():
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def safe_text(text: str) -> str:
    """``text`` with control and format characters (terminal escapes) shown escaped."""
    return "".join(
        c if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs") else repr(c)[1:-1]
        for c in str(text)
    )


def one_line(error: BaseException | str, limit: int = 2000) -> str:
    """An error message as one printable line, cut to ``limit`` characters."""
    text = " ".join(safe_text(str(error)).split())
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _name(key: Any) -> str:
    plain = isinstance(key, str) and safe_text(key) == key and len(key) <= EXCERPT
    return key if plain else excerpt(key)


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _coerce(value: Any, tp: Any, where: str) -> Any:  # noqa: PLR0911 (one return per type)
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(value, option, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where} = {excerpt(value)}: expected {tp}")
    if origin is list:
        (item_tp,) = typing.get_args(tp) or (Any,)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where} = {excerpt(value)}: expected a list")
        return [_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where} = {excerpt(value)}: expected a mapping")
        for key in value:
            if not isinstance(key, str) or safe_text(key) != key:
                raise ConfigError(f"{where}: key {excerpt(key)} is not a name (plain text)")
        return dict(value)
    if dataclasses.is_dataclass(tp):
        if dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        if not isinstance(value, dict):
            raise ConfigError(
                f"{where} = {excerpt(value)}: expected a mapping of {tp.__name__} fields"
            )
        return build(tp, value, where)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where} = {excerpt(value)}: expected true or false")
    if tp is int:
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            raise ConfigError(f"{where} = {excerpt(value)}: expected a whole number")
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} = {excerpt(value)}: expected a number")
        if not math.isfinite(value):
            raise ConfigError(f"{where} = {excerpt(value)}: expected a finite number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} = {excerpt(value)}: expected text")
        if safe_text(value) != value:
            raise ConfigError(f"{where} = {excerpt(value)}: text may not hold control characters")
        return value
    return value


def coerce(value: Any, tp: Any, where: str) -> Any:
    """``value`` as type ``tp`` (a field's type hint), checked; dataclasses are built.

    Raises:
        ConfigError: naming ``where``, an excerpt of the value and the type expected.
    """
    return _coerce(value, tp, where)


def check_bounds(value: Any, meta: typing.Mapping[str, Any], where: str) -> None:
    """Check a coerced value against its field's metadata (see the module docstring).

    Raises:
        ConfigError: naming ``where``, the value and what is allowed.
    """
    length = meta.get("length")
    if isinstance(value, list):
        if length is not None and len(value) != length:
            layers = meta.get("layers")
            what = f", one per layer ({', '.join(layers)})" if layers else ""
            raise ConfigError(f"{where} = {excerpt(value)}: needs {length} values{what}")
        for i, item in enumerate(value):
            check_bounds(item, {k: v for k, v in meta.items() if k != "length"}, f"{where}[{i}]")
        return
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"{where} = {excerpt(value)}: allowed values are {', '.join(choices)}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    lo, hi, gt, lt = (meta.get(k) for k in ("min", "max", "gt", "lt"))
    if isinstance(value, int) and hi is None and lt is None:
        hi = MAX_INT  # a whole number without a declared maximum
    low = (
        f"at least {_fmt(lo)}" if lo is not None else f"above {_fmt(gt)}" if gt is not None else ""
    )
    high = (
        f"at most {_fmt(hi)}" if hi is not None else f"below {_fmt(lt)}" if lt is not None else ""
    )
    too_low = (lo is not None and value < lo) or (gt is not None and value <= gt)
    too_high = (hi is not None and value > hi) or (lt is not None and value >= lt)
    if too_low or too_high:
        if (lo, hi) == (0, 1):
            allowed = f"must be {low if too_low else high} (a share between 0 and 1)"
        elif low and high:
            allowed = f"must be {low} and {high}"
        else:
            allowed = f"must be {low or high}"
        raise ConfigError(f"{where} = {excerpt(value)}: {allowed}")


def build(cls: type, data: typing.Mapping[str, Any] | None, where: str) -> Any:
    """Build dataclass ``cls`` from ``data``, checking names, types and bounds.

    Args:
        cls: a dataclass whose fields may carry bounds metadata (``bounded``).
        data: the given values (missing ones take the defaults).
        where: the place to name in errors, e.g.
            ``"configs/plans/strategies/x.yaml: touchpoints[2].params"`` (empty: bare field paths).

    Returns:
        An instance of ``cls``.

    Raises:
        ConfigError: an unknown name, a wrong type, or a value out of bounds.
    """
    if data is None:
        data = {}
    if not isinstance(data, typing.Mapping):
        raise ConfigError(
            f"{where.rstrip(':') or 'config'}: expected a mapping, got {excerpt(data)}"
        )
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [_name(k) for k in data if k not in fields]
    if unknown:
        raise ConfigError(
            f"{where.rstrip(':') or 'config'}: unknown field(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(fields)}"
        )
    values = {}
    for name, given in data.items():
        path = f"{where} {name}" if where.endswith(":") else f"{where}.{name}" if where else name
        value = _coerce(given, hints[name], path)
        check_bounds(value, fields[name].metadata, path)
        values[name] = value
    return cls(**values)


def check_fields(obj: Any, where: str = "", skip: tuple[str, ...] = ()) -> None:
    """Check every field of a dataclass instance (nested ones too) against its bounds.

    Args:
        obj: a dataclass instance.
        where: the place to name in errors (empty: bare field paths).
        skip: names of fields not to check here.

    Raises:
        ConfigError: the first field that is mistyped or out of bounds.
    """
    data = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in skip}
    build(type(obj), data, where)


def check_model(p: ModelParams) -> None:
    """Check the model parameters: every field's bounds, then the rules tying fields together.

    Raises:
        ConfigError: naming the first field out of range and what is allowed.
    """
    check_fields(p, skip=("strategy",))  # the plan is checked when compiled, naming its file
    pop = p.population
    needed = -(-pop.members // pop.group_capacity)
    if pop.groups != 0 and pop.groups < needed:
        raise ConfigError(
            f"population.groups = {pop.groups}: {pop.members} members need at least {needed} "
            f"groups of population.group_capacity = {pop.group_capacity} (or 0: as many as "
            "needed)"
        )
    if pop.groups > pop.members // 2:
        raise ConfigError(
            f"population.groups = {pop.groups}: at most members / 2 = {pop.members // 2} "
            "(a group needs at least 2 members)"
        )
    if pop.max_groups != 0 and pop.max_groups < max(pop.groups, needed):
        raise ConfigError(
            f"population.max_groups = {pop.max_groups}: must be 0 (no new groups) or at "
            f"least the starting groups ({max(pop.groups, needed)})"
        )
    if abs(sum(pop.layer_shares) - 1.0) > 1e-6 or min(pop.layer_shares) <= 0:
        raise ConfigError(
            f"population.layer_shares = {excerpt(pop.layer_shares)}: three shares above 0 "
            "(core, influence, peripheral) that sum to 1"
        )
    if p.graph.blocks > pop.members:
        raise ConfigError(
            f"graph.blocks = {p.graph.blocks}: at most population.members = {pop.members}"
        )
    th = p.trust.stage_thresholds
    if not all(b > a for a, b in itertools.pairwise(th)) or not 0 < th[0] or not th[-1] < 1:
        raise ConfigError(
            f"trust.stage_thresholds = {excerpt(th)}: needs 4 increasing values in (0, 1) for "
            "stages 1-4"
        )
    check_size(p, replicates=1)


# ----------------------------------------------------------------------- memory
# Calibrated on measured peaks (docs/development.md, "Speed": 1,000,000 members in 0.8-0.9 GB,
# 100,000 in 0.15-0.3 GB), with a margin of about 1.5.
BASE_BYTES = 150 * 2**20  # the interpreter, numpy, networkx, pandas and matplotlib
BYTES_PER_SLOT = 600  # per member slot and replicate: state, attributes, temporaries
BYTES_PER_TIE = 40  # per tie end and replicate: the sparse graph and its builder's share
BYTES_PER_GROUP_HOUR = 200  # per group, hour and replicate: hourly and daily records
BYTES_PER_BLOCK_PAIR = 8  # sbm: the block-to-block tie chances


def memory_estimate(p: ModelParams, replicates: int) -> int:
    """A rough upper estimate, in bytes, of the memory a run with ``p`` needs at its peak."""
    pop = p.population
    slots = pop.members * (1.0 + pop.outside_ratio) + 2
    groups = max(pop.max_groups, pop.groups, -(-pop.members // pop.group_capacity), 1)
    hours = p.days * 24
    per_replicate = (
        slots * BYTES_PER_SLOT
        + slots * (p.graph.mean_degree + p.graph.cross_group_degree) * BYTES_PER_TIE
        + groups * hours * BYTES_PER_GROUP_HOUR
    )
    blocks = p.graph.blocks if p.graph.kind == "sbm" else 1
    return int(BASE_BYTES + replicates * per_replicate + groups * blocks**2 * BYTES_PER_BLOCK_PAIR)


def available_memory() -> int | None:
    """Bytes of memory available to a new run (``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"


def check_size(p: ModelParams, replicates: int, available: int | None = None) -> None:
    """Refuse a run whose memory estimate exceeds the memory the machine has free.

    Args:
        p: the model parameters (already checked field by field).
        replicates: replicates run side by side.
        available: bytes available (default: ``available_memory()``).

    Raises:
        ConfigError: with the estimate and the memory available.
    """
    need = memory_estimate(p, replicates)
    have = available_memory() if available is None else available
    if have is not None and need > have:
        raise ConfigError(
            f"population.members = {p.population.members}, replicates = {replicates}, "
            f"days = {p.days}, graph.blocks = {p.graph.blocks}: the run would need about "
            f"{_size(need)} of memory and {_size(have)} is available; lower members, "
            "replicates or days (or run fewer replicates per job in a sweep)"
        )
    from .classic import check_classic  # the classic limits check their own settings

    check_classic(p)
