"""Checking inputs before anything runs or is written.

``build`` turns a plain mapping into a dataclass, checking names, types and the bounds
declared in field metadata. ``check_model`` checks the model parameters' ranges. Errors
name the place (file and field path) and what is allowed.
"""

from __future__ import annotations

import dataclasses
import itertools
import types
import typing
from typing import Any

from .params import LAYERS, ModelParams


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the field and what is allowed."""


def bounded(default: Any, lo: float | None = None, hi: float | None = None, **kw: Any) -> Any:
    """A dataclass field whose bounds (and ``choices``) ``build`` checks.

    Args:
        default: the default value (a list is copied for each instance).
        lo: smallest allowed value, or None.
        hi: largest allowed value, or None.
        **kw: more metadata, e.g. ``choices=("group", "private")``.
    """
    meta = {"min": lo, "max": hi, **kw}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


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
        raise ConfigError(f"{where} = {value!r}: expected {tp}")
    if origin is list:
        (item_tp,) = typing.get_args(tp) or (Any,)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where} = {value!r}: expected a list")
        return [_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where} = {value!r}: expected a mapping")
        return dict(value)
    if dataclasses.is_dataclass(tp):
        if dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        if not isinstance(value, dict):
            raise ConfigError(f"{where} = {value!r}: expected a mapping of {tp.__name__} fields")
        return build(tp, value, where)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where} = {value!r}: expected true or false")
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise ConfigError(f"{where} = {value!r}: expected a whole number")
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} = {value!r}: expected a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} = {value!r}: expected text")
        return value
    return value


def build(cls: type, data: dict[str, Any] | None, where: str) -> Any:
    """Build dataclass ``cls`` from ``data``, checking names, types and bounds.

    Args:
        cls: a dataclass whose fields may carry ``min``, ``max`` and ``choices`` metadata.
        data: the given values (missing ones take the defaults).
        where: the place to name in errors, e.g.
            ``"configs/strategy/x.yaml: touchpoints[2].params"``.

    Returns:
        An instance of ``cls``.

    Raises:
        ConfigError: an unknown name, a wrong type, or a value out of bounds.
    """
    data = dict(data or {})
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(fields)}"
        )
    values = {}
    for name, given in data.items():
        path = f"{where}.{name}"
        value = _coerce(given, hints[name], path)
        meta = fields[name].metadata
        lo, hi, choices = meta.get("min"), meta.get("max"), meta.get("choices")
        if choices is not None and value not in choices:
            raise ConfigError(f"{path} = {value!r}: allowed values are {', '.join(choices)}")
        if lo is not None and value < lo:
            raise ConfigError(f"{path} = {value!r}: must be at least {lo}")
        if hi is not None and value > hi:
            raise ConfigError(f"{path} = {value!r}: must be at most {hi}")
        values[name] = value
    return cls(**values)


def _unit(where: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{where} = {value!r}: must be a share between 0 and 1")


def _positive(where: str, value: float, strict: bool = False) -> None:
    if value < 0 or (strict and value == 0):
        raise ConfigError(f"{where} = {value!r}: must be {'above' if strict else 'at least'} 0")


def check_model(p: ModelParams) -> None:
    """Check the model parameters' ranges (the plan is checked when compiled).

    Raises:
        ConfigError: naming the first field out of range and what is allowed.
    """
    from .graph import GRAPH_KINDS

    if p.days < 1:
        raise ConfigError(f"days = {p.days}: must be at least 1")
    pop = p.population
    if pop.members < 2:
        raise ConfigError(f"population.members = {pop.members}: must be at least 2")
    if pop.group_capacity < 2:
        raise ConfigError(f"population.group_capacity = {pop.group_capacity}: must be at least 2")
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
    _positive("graph.cross_group_degree", p.graph.cross_group_degree)
    _positive("population.outside_ratio", pop.outside_ratio)
    per_layer = [
        "layer_shares",
        "need_mean",
        "conformity_mean",
        "activity_median",
        "trust_mean",
        "trust_threshold_mean",
    ]
    for name in [*per_layer, "price_ratio_median"]:
        values = getattr(pop, name)
        if len(values) != len(LAYERS):
            raise ConfigError(
                f"population.{name} = {values}: needs one value per layer ({', '.join(LAYERS)})"
            )
        for layer, v in zip(LAYERS, values, strict=True):
            if name in per_layer:
                _unit(f"population.{name} ({layer})", v)
            else:
                _positive(f"population.{name} ({layer})", v, strict=True)
    if abs(sum(pop.layer_shares) - 1.0) > 1e-6 or min(pop.layer_shares) <= 0:
        raise ConfigError(
            f"population.layer_shares = {pop.layer_shares}: three shares above 0 "
            "(core, influence, peripheral) that sum to 1"
        )
    for name in ("herd_threshold_mean", "fatigue_threshold_mean"):
        _unit(f"population.{name}", getattr(pop, name))
    if p.graph.kind not in GRAPH_KINDS:
        raise ConfigError(
            f"graph.kind = {p.graph.kind!r}: allowed values are {', '.join(GRAPH_KINDS)}"
        )
    _positive("graph.mean_degree", p.graph.mean_degree, strict=True)
    for name in ("triangle_prob", "rewire_prob", "mixing"):
        _unit(f"graph.{name}", getattr(p.graph, name))
    if len(p.activity.rhythm) != 24:
        raise ConfigError(
            f"activity.rhythm: needs 24 values (one per hour), got {len(p.activity.rhythm)}"
        )
    for h, v in enumerate(p.activity.rhythm):
        _unit(f"activity.rhythm[{h}]", v)
    _unit("activity.novelty_floor", p.activity.novelty_floor)
    _unit("activity.dormant_factor", p.activity.dormant_factor)
    _unit("channel.private_read_prob", p.channel.private_read_prob)
    for name in ("post_prob", "announce_prob"):
        values = getattr(p.channel, name)
        if len(values) != len(LAYERS):
            raise ConfigError(
                f"channel.{name} = {values}: needs one value per layer ({', '.join(LAYERS)})"
            )
        for layer, v in zip(LAYERS, values, strict=True):
            _unit(f"channel.{name} ({layer})", v)
    _unit("trust.repetition_decay", p.trust.repetition_decay)
    th = p.trust.stage_thresholds
    increasing = all(b > a for a, b in itertools.pairwise(th))
    if len(th) != 4 or not increasing or not 0 < th[0] or not th[-1] < 1:
        raise ConfigError(
            f"trust.stage_thresholds = {th}: needs 4 increasing values in (0, 1) for stages 1-4"
        )
    for name in ("leave_trust", "leave_prob"):
        _unit(f"fatigue.{name}", getattr(p.fatigue, name))
    _unit("herd.group_weight", p.herd.group_weight)
    _unit("scarcity.notice_prob", p.scarcity.notice_prob)
    if not 0 < p.advocacy.share_prob < 1:
        raise ConfigError(
            f"advocacy.share_prob = {p.advocacy.share_prob}: must be between 0 and 1, exclusive"
        )
    _unit("advocacy.join_prob", p.advocacy.join_prob)
    _unit("advocacy.join_stage1_prob", p.advocacy.join_stage1_prob)
    if p.purchase.model not in ("logistic", "bass", "threshold", "cascade"):
        raise ConfigError(
            f"purchase.model = {p.purchase.model!r}: allowed values are logistic, bass, "
            "threshold, cascade"
        )
    from .classic import check_classic  # the classic limits check their own settings

    check_classic(p)
    _positive("purchase.bass_p", p.purchase.bass_p)
    _positive("purchase.bass_q", p.purchase.bass_q)
    _positive("product.list_price", p.product.list_price, strict=True)
    _positive("operator.staff", p.operator.staff)
    _positive("operator.money_budget", p.operator.money_budget)
    for name in ("group_scale", "seen_halflife_hours"):
        _positive(f"herd.{name}", getattr(p.herd, name), strict=True)
