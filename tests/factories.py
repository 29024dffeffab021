"""Test factories: small engines, a plan that uses every touchpoint type, and running a
``python -m`` command of the project in a subprocess."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

from sim.engine import ModelParams, PlanParams
from sim.engine.params import PopulationParams, ProductParams

ROOT = Path(__file__).resolve().parents[1]

EVERYTHING = [
    {"type": "event", "day": 1, "hour": 20},
    {"type": "broadcast", "day": 1, "hours": [8, 20], "every_days": 1},
    {
        "type": "broadcast",
        "day": 2,
        "hour": 9,
        "params": {"channel": "private"},
        "target": {"layers": ["peripheral"], "top_k": 20, "rank_by": "random"},
    },
    {
        "type": "care",
        "day": 1,
        "hours": [10, 15],
        "every_days": 1,
        "target": {
            "layers": ["core", "influence"],
            "bought": False,
            "rank_by": "centrality",
            "top_k": 15,
        },
    },
    {
        "type": "kol_cultivation",
        "day": 2,
        "hour": 11,
        "target": {"layers": ["influence"], "top_k": 5},
    },
    {"type": "content", "day": 2, "hour": 19, "every_days": 1},
    {"type": "ugc_prompt", "day": 3, "hour": 20},
    {"type": "teaser", "day": 3, "hour": 12},
    {
        "type": "shills",
        "day": 3,
        "hour": 0,
        "params": {"accounts": 5, "posts_per_hour": 1.0, "duration_hours": 72, "detect_prob": 0.2},
    },
    {
        "type": "referral_campaign",
        "day": 2,
        "hour": 9,
        "params": {"duration_hours": 96, "invite_prob": 0.2, "min_stage": 1},
    },
    {
        "type": "offer",
        "day": 4,
        "hour": 20,
        "params": {
            "price": 499,
            "anchor": 1299,
            "duration_hours": 36,
            "quota": 12,
            "ladder": [{"after_sales": 6, "price": 599}],
        },
    },
    {"type": "event", "day": 4, "hour": 19, "params": {"show_up": 6.0}},
]


def small_params(
    plan: list[dict] | None = None,
    *,
    members: int = 200,
    days: int = 6,
    list_price_on_sale: bool = True,
    **groups,
) -> ModelParams:
    """A small campaign; ``groups`` replace whole parameter groups (e.g. ``herd=...``)."""
    plan = copy.deepcopy(EVERYTHING if plan is None else plan)
    params = ModelParams(
        days=days,
        population=PopulationParams(members=members, group_capacity=members + 60),
        product=ProductParams(list_price_on_sale=list_price_on_sale),
        strategy=PlanParams(name="test", touchpoints=plan),
    )
    for name, value in groups.items():
        setattr(params, name, value)
    return params


def run_module(
    module: str, *args: str, cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess:
    """``python -m module *args`` from ``cwd``, output captured, never raising on failure.

    ``HYDRA_FULL_ERROR`` is removed from the environment, so error messages are what a user
    sees.
    """
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
