"""Why group size matters (100 vs 500 members), and that the reason is the social channels.

Members' social signals are counts of messages seen: member posts (peer trust, the value of
a group where people answer, talk begetting talk, a busy feed drawing members in) and
purchase posts (the herd signal, awareness of offers). With the same share of talkers, a
100-member group has a fifth of the posts of a 500-member group, so under ``sop`` it converts
fewer members and loses more of them. Switch those channels off and most of the difference
goes (docs/ODD.md, "Group size").
"""

from __future__ import annotations

import dataclasses

import pytest

from sim.analysis import patterns
from sim.engine import ModelParams
from sim.engine.params import (
    ActivityParams,
    ChannelParams,
    FatigueParams,
    HerdParams,
    PurchaseParams,
    TrustParams,
)

SOCIAL_OFF = {
    "trust": TrustParams(peer_gain=0.0, herd_gain=0.0),
    "channel": ChannelParams(talk_boost=0.0),
    "activity": ActivityParams(busy_boost=0.0),
    "fatigue": FatigueParams(peer_value=0.0),
    "herd": HerdParams(aware_per_post=0.0),
    "purchase": PurchaseParams(herd=0.0),
}


def _sop(members: int, **sections) -> tuple[float, float]:
    base = ModelParams()
    population = dataclasses.replace(base.population, members=members, group_capacity=500)
    engine = patterns.run(patterns._plan("sop"), 11, 12, base, population=population, **sections)
    return float(patterns.conversion(engine).mean()), float(patterns.gone_share(engine).mean())


@pytest.fixture(scope="module")
def sizes():
    return {
        "default": (_sop(100), _sop(500)),
        "social off": (_sop(100, **SOCIAL_OFF), _sop(500, **SOCIAL_OFF)),
    }


def test_a_larger_group_converts_more_and_loses_fewer(sizes):
    (conv100, gone100), (conv500, gone500) = sizes["default"]
    assert conv500 > 1.4 * conv100
    assert gone100 > gone500 + 0.15


def test_without_the_social_channels_size_matters_far_less(sizes):
    (conv100, gone100), (conv500, gone500) = sizes["social off"]
    (d100, dg100), (d500, dg500) = sizes["default"]
    assert conv500 / conv100 < 1.35 < d500 / d100
    assert abs(gone100 - gone500) < 0.5 * (dg100 - dg500)
