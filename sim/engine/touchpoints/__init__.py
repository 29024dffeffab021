"""Touchpoint units. Importing this package registers every built-in type."""

from . import (  # noqa: F401  (imported for registration)
    broadcast,
    care,
    content,
    event,
    kol_cultivation,
    offer,
    referral_campaign,
    shills,
    teaser,
    ugc_prompt,
)
from .base import REGISTRY, Firing, Touchpoint, register

__all__ = ["REGISTRY", "Firing", "Touchpoint", "register"]
