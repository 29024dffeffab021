"""Campaigns of many groups: invariants, shared capacity, new groups, independence."""

from __future__ import annotations

import json

import numpy as np
import pytest
from factories import EVERYTHING, small_params
from scipy import stats

from sim.engine import ConfigError, Engine, ModelParams
from sim.engine.groups import layout, seat
from sim.engine.params import PopulationParams
from sim.engine.state import OUTSIDE
from sim.outputs import groups_table, write_run
from sim.plans import load_strategy


def _campaign(members=400, capacity=100, max_groups=0, plan=None, days=6, **groups):
    params = small_params(plan, members=members, days=days, **groups)
    params.population.group_capacity = capacity
    params.population.max_groups = max_groups
    return params


def test_layout_spreads_members_evenly_and_blocks_cover_every_slot():
    pop = PopulationParams(members=1000, group_capacity=300)
    lay = layout(pop, 1300)
    assert lay.start_groups == 4
    sizes = np.bincount(lay.slot_group[:1000])
    assert sizes.tolist() == [250, 250, 250, 250]
    assert np.array_equal(np.sort(np.concatenate(lay.blocks)), np.arange(1300))
    for g, block in enumerate(lay.blocks):
        assert (lay.slot_group[block] == g).all()


def test_seat_fills_lowest_free_group_first_and_drops_overflow():
    joiners = np.array([0, 1, 2, 3, 5])  # positions in one replicate of 6 slots
    free = np.array([[1, 0, 2, 0]])
    seated, group = seat(joiners, 6, free)
    assert seated.tolist() == [0, 1, 2]
    assert group.tolist() == [0, 2, 2]


def test_seat_seats_the_highest_scored_first_per_replicate():
    joiners = np.array([0, 1, 2, 4, 5])  # two replicates of 3 slots
    free = np.array([[1, 1], [1, 0]])
    order = np.array([[0.1, 0.9, 0.5], [0.0, 0.2, 0.7]])
    seated, group = seat(joiners, 3, free, order)
    assert seated.tolist() == [1, 2, 5]  # replicate 1 has one seat: slot 2 (0.7) gets it
    assert group.tolist() == [0, 1, 0]


def test_many_group_invariants_hour_by_hour():
    """One group at a time, sizes within capacity, care within the shared capacity."""
    params = _campaign(members=400, capacity=110, max_groups=7)
    params.operator.staff = 1
    params.operator.care_per_staff_per_day = 20  # care wants 15 per group x 4: capacity binds
    params.advocacy.join_prob = 0.1  # friends join readily: more join than leave, new groups open
    e = Engine(params, seed=3, replicates=3)
    capacity = params.operator.staff * params.operator.care_per_staff_per_day
    s = e.state
    opened_new = care_bound = False
    while not e.done:
        e.step()
        members = s.ever_member
        assert (s.group[members] >= 0).all() and (s.group[members] < s.groups).all()
        rows, cols = np.nonzero(members)
        assert s.group_open[rows, s.group[rows, cols]].all()  # only in groups that exist
        sizes = s.group_counts(s.present)
        for r in range(s.replicates):  # the cached group index follows every seating
            assert np.array_equal(
                sizes[r], np.bincount(s.group[r][s.present[r]], minlength=s.groups)
            )
        assert (sizes <= params.population.group_capacity).all()
        assert (sizes[~s.group_open] == 0).all()
        assert (s.care_left >= 0).all() and (s.care_left <= capacity).all()
        care_bound |= bool((s.care_left == 0).any())
        opened_new |= bool(s.group_open[:, 4:].any())
        assert (s.status[~members] == OUTSIDE).all()
    assert care_bound, "the test should make the shared capacity bind"
    assert opened_new, "referrals should fill the groups and open new ones"


def test_no_new_groups_when_the_operator_may_not_open_them():
    params = _campaign(members=400, capacity=110, max_groups=0)
    e = Engine(params, seed=3, replicates=2).run()
    assert not e.state.group_open[:, 4:].any()
    assert (e.state.group_counts(e.state.present) <= 110).all()


def test_shared_capacity_is_split_across_groups():
    """Care targets top_k per group, but the team's capacity caps the whole campaign."""
    plan = [
        {
            "type": "care",
            "day": 1,
            "hour": 10,
            "target": {"layers": ["core", "influence", "peripheral"], "top_k": 10},
        }
    ]
    params = _campaign(members=400, capacity=100, plan=plan, days=1)
    params.operator.staff, params.operator.care_per_staff_per_day = 1, 25
    e = Engine(params, seed=1, replicates=2)
    e.run(11)
    touched = e.state.group_counts(e.state.last_care == 10)  # cared for at 10:00
    assert (touched.sum(axis=1) == 25).all()  # capacity, not 4 x 10
    assert (touched <= 10).all()  # never more than top_k in a group
    params.operator.care_per_staff_per_day = 100
    e = Engine(params, seed=1, replicates=2)
    e.run(11)
    assert (e.state.group_counts(e.state.last_care == 10)[:, :4] == 10).all()


def test_offer_quota_applies_per_group():
    plan = [
        {
            "type": "offer",
            "day": 1,
            "hour": 0,
            "params": {"price": 1, "anchor": 1299, "duration_hours": 48, "quota": 5},
        },
        {"type": "care", "day": 1, "hours": [1, 5, 9, 13], "every_days": 1},
    ]
    params = _campaign(members=400, capacity=100, plan=plan, days=2, list_price_on_sale=False)
    params.operator.care_per_staff_per_day = 500
    params.purchase.intercept = 6.0  # everyone who sees the offer wants it
    e = Engine(params, seed=2, replicates=2).run()
    sold = e.offers.total_sold[:, :4]
    assert (sold == 5).all()
    bought = e.state.group_counts(e.state.bought)[:, :4]
    assert (bought == 5).all()


def test_groups_table_and_summary_add_up(tmp_path):
    params = _campaign(members=400, capacity=110, max_groups=7)
    e = Engine(params, seed=5, replicates=2).run()
    table = groups_table(e)
    assert set(table["replicate"]) == {0, 1}
    assert (table.groupby("replicate").size() == e.state.group_open.sum(axis=1)).all()
    buyers = (e.state.bought & e.state.ever_member).sum(axis=1)
    assert (table.groupby("replicate")["buyers"].sum().to_numpy() == buyers).all()
    assert (table["members_final"] <= 110).all()
    summary = write_run(e, tmp_path, {"seed": 5}, figures=False)
    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["groups"]["groups"] == pytest.approx(e.state.group_open.sum(axis=1).mean())
    assert summary["groups"]["best_group"] == written["groups"]["best_group"]
    assert (tmp_path / "groups.csv").is_file()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"members": 1000, "group_capacity": 300, "groups": 3}, "population.groups = 3"),
        ({"members": 1000, "group_capacity": 300, "max_groups": 2}, "population.max_groups"),
        ({"members": 10, "group_capacity": 1}, "population.group_capacity = 1"),
    ],
)
def test_bad_group_settings_are_refused(change, message):
    params = ModelParams(population=PopulationParams(**change))
    with pytest.raises(ConfigError, match=message):
        Engine(params)


def _per_group_conversion(strategy: str, groups: int, members: int, reps: int, staff: int):
    params = ModelParams()
    params.strategy = load_strategy(strategy)[0]
    params.population.members = members * groups
    params.population.group_capacity = members
    params.graph.cross_group_degree = 0.0
    params.operator.staff = staff
    e = Engine(params, seed=11, replicates=reps).run()
    table = groups_table(e)
    return table["conversion_rate"].to_numpy(), e


def test_unlinked_groups_behave_like_independent_single_group_runs():
    """G groups with no ties across them, and the team scaled with G, are G single groups.

    The comparison is statistical (different random draws): per-group conversion of a
    4-group campaign against single-group campaigns of the same size, by Welch's t-test.
    The same test with the team *not* scaled (capacity shared four ways) must tell them
    apart: the check has power.
    """
    single, one = _per_group_conversion("layered", 1, 150, 16, staff=2)
    multi, four = _per_group_conversion("layered", 4, 150, 4, staff=8)
    assert four.state.groups == 4 and one.state.groups == 1
    assert stats.ttest_ind(single, multi, equal_var=False).pvalue > 0.01
    assert abs(single.mean() - multi.mean()) < 0.03
    # Daily active members per group follow the same path.
    dau_one = one.recorder.group_active[:, :, 0].mean(axis=1)
    dau_four = four.recorder.group_active.mean(axis=(1, 2))
    assert np.abs(dau_one - dau_four).max() < 0.1 * dau_one.max()
    shared, _ = _per_group_conversion("layered", 4, 150, 4, staff=2)
    assert stats.ttest_ind(single, shared, equal_var=False).pvalue < 0.01
    assert shared.mean() < single.mean()


def test_everything_plan_runs_on_many_groups():
    params = _campaign(members=300, capacity=80, max_groups=6, plan=EVERYTHING)
    e = Engine(params, seed=9, replicates=2).run()
    assert e.state.group_open[:, :4].all()
    assert e.recorder.messages[..., 0].sum() > 0


def test_scale_benchmark_script_runs_on_a_small_size():
    """The benchmark script stays runnable (its figures are read by people, not asserted)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "scale.py"
    done = subprocess.run(
        [sys.executable, str(script), "--sizes", "600,1200", "--no-write"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "step / floor" in done.stdout and "Log-log slope" in done.stdout


def test_speed_benchmark_compares_with_another_checkout(tmp_path):
    """``speed.py --against`` runs both checkouts and prints the ratio; a wrong folder is named."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    script = root / "benchmarks" / "speed.py"
    small = ["--replicates", "1", "--repeat", "1"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(script), *small, *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    done = run("--against", str(root), "--rounds", "1")
    assert done.returncode == 0, done.stderr
    assert "this / other: best" in done.stdout and "(1 rounds each)" in done.stdout
    wrong = run("--against", str(tmp_path))
    assert wrong.returncode != 0 and "no benchmarks/speed.py" in wrong.stderr
