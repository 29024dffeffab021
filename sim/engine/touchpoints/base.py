"""The shape every touchpoint unit shares, and the registry of units.

A unit is a class with a ``name``, a ``Params`` dataclass (its parameters, with defaults
and bounds in field metadata), ``start`` (what happens at the scheduled hour to the
targeted members) and, for units that last, ``duration`` and ``during`` (what happens each
hour while it runs, after members have read the feed). A new touchpoint type is a new
module with one registered class; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..params import TargetSpec

if TYPE_CHECKING:
    from ..engine import Engine


@dataclass
class Firing:
    """One scheduled occurrence of a touchpoint."""

    unit: Touchpoint
    params: Any
    target: TargetSpec
    start: int  # hour it fires
    end: int  # first hour after it stops running (start + duration)
    plan_index: int  # position of its entry in the plan
    going: np.ndarray | None = None  # replicates where it went ahead (set when it starts,
    # for units that last: the team had the minutes to set it up)


class Touchpoint:
    """Base class of touchpoint units."""

    name: ClassVar[str] = ""
    Params: ClassVar[type] = object

    def duration(self, params: Any) -> int:
        """Hours the touchpoint keeps running after it fires (0: instantaneous)."""
        return 0

    def start(self, engine: Engine, firing: Firing, targets: np.ndarray) -> None:
        """Apply the touchpoint at its hour to ``targets`` (replicates, slots)."""
        raise NotImplementedError

    def during(self, engine: Engine, firing: Firing, hour: int) -> None:
        """Apply the running touchpoint's effect for one hour (after reading)."""

    def uses_capacity(self) -> bool:
        """Whether targets are cut to the operator's remaining one-to-one capacity."""
        return False


def open_privately(engine: Engine, firing: Firing, targets: np.ndarray) -> np.ndarray:
    """The targets who open a private message of this firing this hour.

    Each opens it with chance ``channel.private_read_prob`` (stream ``read``, the firing's
    plan position as sub-counter).
    """
    draw = engine.streams.uniform("read", engine.hour, firing.plan_index + 1)
    return targets & (draw < engine.params.channel.private_read_prob)


REGISTRY: dict[str, Touchpoint] = {}


def register(cls: type[Touchpoint]) -> type[Touchpoint]:
    """Class decorator: make a touchpoint type available to plans by its name."""
    REGISTRY[cls.name] = cls()
    return cls
