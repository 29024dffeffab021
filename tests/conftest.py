"""Shared fixtures (factories live in tests/factories.py)."""

from __future__ import annotations

import pytest
from factories import small_params

from sim.engine import ModelParams


@pytest.fixture
def everything_params() -> ModelParams:
    """Small campaign using every touchpoint type, with free seats for referrals."""
    return small_params()
