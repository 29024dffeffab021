"""The forecast's numbers and warnings, computed from the runs' data (JSON-ready).

Two kinds of interval are reported, and each says which it is:

- a *prediction interval* (80%: the 10th to 90th percentile; 95%: 2.5th to 97.5th) is the
  spread of single campaigns: quantiles of the replicates' values (numpy's linear
  interpolation). It is what an operator can expect from running the plan once;
- a *confidence interval* of a mean (``ci95``) is the Student-t 95% interval over replicates
  (``sim.outputs.mean_ci95``): how precisely the simulation has pinned down the expected value.

The chance that the plan beats the baseline is the share of paired replicates (same members,
graph and draws) in which the plan has more buyers, with a Wilson 95% interval.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.engine import LAYERS
from sim.outputs import jsonable, mean_ci95, paired_difference
from sim.outputs.intervals import metric_bounds

from .runs import QUIET_DAYS, QUIET_SHARE, RunData

STAGE_NAMES: tuple[str, ...] = (
    "does not know you",
    "wants to know you",
    "knows you",
    "understands you",
    "is familiar with you",
    "bought",
    "shares you",
)
PI_LEVELS = {"pi80": (0.10, 0.90), "pi95": (0.025, 0.975)}


def spread(values: np.ndarray, metric: str) -> dict[str, Any]:
    """Mean, 95% interval of the mean, and 80% and 95% prediction intervals of one figure.

    Args:
        values: one value per replicate (NaN values are left out).
        metric: the figure's metric name (``buyers``, ``roi``...): the interval of the mean
            stays within the values it can take (``sim.outputs.intervals.metric_bounds``:
            counts and amounts at or above 0, shares within [0, 1], ROI at or above -100%).

    Returns:
        ``{"mean", "ci95", "pi80", "pi95", "replicates"}``.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    out = mean_ci95(x, bounds=metric_bounds(metric))
    for key, (lo, hi) in PI_LEVELS.items():
        out[key] = [float(np.quantile(x, lo)), float(np.quantile(x, hi))] if x.size else None
    out["replicates"] = int(x.size)
    return out


def wilson(successes: int, n: int, z: float = 1.959964) -> list[float]:
    """Wilson score interval (95% by default) of a proportion ``successes / n``."""
    if n == 0:
        return [math.nan, math.nan]
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [max(0.0, centre - half), min(1.0, centre + half)]


def beats(plan: np.ndarray, base: np.ndarray) -> dict[str, Any]:
    """Chance that the plan beats the baseline: share of paired replicates where plan > base."""
    plan, base = np.asarray(plan, dtype=float), np.asarray(base, dtype=float)
    n = plan.size
    wins, ties = int((plan > base).sum()), int((plan == base).sum())
    return {
        "share": wins / n if n else None,
        "ci95": wilson(wins, n),
        "ties": ties / n if n else None,
        "pairs": n,
    }


def _band(daily: np.ndarray) -> dict[str, list[float]]:
    return {
        "mean": daily.mean(axis=1).tolist(),
        "p10": np.quantile(daily, 0.10, axis=1).tolist(),
        "p90": np.quantile(daily, 0.90, axis=1).tolist(),
    }


def _funnel(run: RunData) -> dict[str, list[float]]:
    members = run.layer_members.sum(axis=0).astype(float)  # (3,)
    counts = run.funnel.sum(axis=0).astype(float)  # (3, 7)
    return {name: (counts[li] / max(members[li], 1.0)).tolist() for li, name in enumerate(LAYERS)}


def _days(days: list[int]) -> str:
    """``1-7, 12, 15-16`` from sorted 1-based days."""
    parts, start = [], None
    for i, d in enumerate(days):
        if start is None:
            start = d
        if i == len(days) - 1 or days[i + 1] != d + 1:
            parts.append(f"{start}" if start == d else f"{start}-{d}")
            start = None
    return ", ".join(parts)


def workload(run: RunData, params: Any) -> dict[str, Any]:
    """The team's one-to-one care and staff minutes per day, against capacity."""
    dropped = np.maximum(run.care_demand - run.care_used, 0.0)
    if run.care_dropped_engine is not None:
        dropped = run.care_dropped_engine
    minutes_cap = params.operator.staff * params.operator.minutes_per_staff_per_day
    out = {
        "care_capacity_per_day": run.care_capacity,
        "care_asked_mean": run.care_demand.mean(axis=1).tolist(),
        "care_held_mean": run.care_used.mean(axis=1).tolist(),
        "care_dropped_mean": dropped.mean(axis=1).tolist(),
        "care_dropped_source": "engine" if run.care_dropped_engine is not None else "forecast",
        "staff_minutes_mean": run.daily_minutes.mean(axis=1).tolist(),
        "staff_minutes_p90": np.quantile(run.daily_minutes, 0.9, axis=1).tolist(),
        "staff_minutes_capacity_per_day": minutes_cap,
        "staff_minutes_dropped_mean": (
            run.minutes_dropped_engine.mean(axis=1).tolist()
            if run.minutes_dropped_engine is not None
            else None
        ),
    }
    return out


def money(run: RunData, params: Any, currency: str) -> dict[str, Any]:
    """Spend (staff time at the wage plus money), cost per buyer and return, with units."""
    m = run.metrics
    return {
        "currency": currency,
        "wage_per_staff_minute": params.operator.wage_per_minute,
        "revenue": spread(m["revenue"], "revenue"),
        "spend": spread(m["cost"], "cost"),
        "staff_minutes": spread(m["staff_minutes"], "staff_minutes"),
        "money_spent": spread(m["money_spent"], "money_spent"),
        "cost_per_buyer": spread(m["cost_per_buyer"], "cost_per_buyer"),
        "return_on_spend": spread(m["roi"], "roi"),
    }


def outcome(run: RunData) -> dict[str, Any]:
    """Buyers, conversion and revenue of one scenario with their intervals."""
    m = run.metrics
    return {
        "buyers": spread(m["buyers"], "buyers"),
        "conversion_rate": spread(m["conversion_rate"], "conversion_rate"),
        "revenue": spread(m["revenue"], "revenue"),
        "members_ever": spread(m["members_ever"], "members_ever"),
    }


def _gain(a: RunData, b: RunData, key: str = "buyers") -> dict[str, Any]:
    return paired_difference(a.metrics[key], b.metrics[key])


def _fmt(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


def _interval(stat: dict[str, Any], digits: int = 1) -> str:
    lo, hi = stat["ci95"]
    return f"{_fmt(stat['mean'], digits)} (95% CI {_fmt(lo, digits)} to {_fmt(hi, digits)})"


def _brings(stat: dict[str, Any], what: str) -> str:
    """``brings 3.1 (95% CI ...) buyers`` or, when the interval holds 0, no measurable gain."""
    lo, hi = stat["ci95"]
    if lo is not None and hi is not None and lo <= 0 <= hi:
        return f"brings no measurable {what}: {_interval(stat)} buyers"
    return f"brings {_interval(stat)} buyers"


def warnings(
    runs: dict[str, RunData], params: Any, currency: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The plan's risks in plain words, and the measured dependence on shills, deadline, quota.

    Args:
        runs: scenario name -> run data; ``plan`` and ``baseline`` always, and
            ``no_shills``, ``shills_exposed``, ``no_deadline``, ``no_quota`` when run.
        params: the plan's model parameters.
        currency: the money unit shown.

    Returns:
        ``(warnings, dependence)``: each warning ``{"kind", "text"}``; ``dependence`` holds
        the paired gains measured by the counterfactual runs.
    """
    plan, base = runs["plan"], runs["baseline"]
    out: list[dict[str, Any]] = []
    members = max(float(np.mean(plan.metrics["members_ever"])), 1.0)
    # -- capacity
    load = workload(plan, params)
    asked, dropped = np.array(load["care_asked_mean"]), np.array(load["care_dropped_mean"])
    over = [d + 1 for d in np.flatnonzero(dropped >= 0.5)]
    if over:
        worst = int(np.argmax(dropped))
        out.append(
            {
                "kind": "capacity",
                "days": over,
                "text": (
                    f"One-to-one care exceeds the team's capacity of {plan.care_capacity} "
                    f"conversations a day on days {_days(over)}. On those days the plan's rules "
                    f"ask for {asked[np.array(over) - 1].mean():.0f} conversations a day on "
                    f"average and about {dropped[np.array(over) - 1].mean():.0f} a day are not "
                    f"held (the members ranked lowest by the rule are skipped); worst is day "
                    f"{worst + 1}, with {dropped[worst]:.0f} dropped. In all, "
                    f"{dropped.sum():.0f} conversations per campaign are dropped."
                ),
            }
        )
    if load["staff_minutes_dropped_mean"] is not None:
        lost = np.array(load["staff_minutes_dropped_mean"])
        days = [d + 1 for d in np.flatnonzero(lost >= 1)]
        if days:
            out.append(
                {
                    "kind": "staff_minutes",
                    "days": days,
                    "text": (
                        f"Staff minutes run out on days {_days(days)}: about "
                        f"{lost.sum():.0f} minutes of planned work are not done."
                    ),
                }
            )
    # -- fatigue
    shill_left = plan.shill_left
    muted, left = plan.muted.mean(), (plan.left - shill_left).mean()
    if muted + left >= max(1.0, 0.02 * members):
        out.append(
            {
                "kind": "fatigue",
                "text": (
                    f"About {muted:.0f} members ({muted / members:.0%}) mute the group and "
                    f"{left:.0f} ({left / members:.0%}) leave it, mostly from notice fatigue "
                    f"(the baseline: {base.muted.mean():.0f} muted, "
                    f"{(base.left - base.shill_left).mean():.0f} left). Muted members rarely "
                    "read anything, including the offer."
                ),
            }
        )
    # -- quiet groups
    quiet_share = plan.group_quiet.mean(axis=0)
    for g in np.flatnonzero(quiet_share >= 0.5):
        out.append(
            {
                "kind": "quiet_group",
                "group": int(g) + 1,
                "text": (
                    f"Group {g + 1} is likely to go quiet: in {quiet_share[g]:.0%} of the runs "
                    f"fewer than {QUIET_SHARE:.0%} of its members open it on an average day "
                    f"over the last {QUIET_DAYS} days."
                ),
            }
        )
    dependence: dict[str, Any] = {}
    gain_total = _gain(plan, base)
    # -- quota sold out early
    for i, offer in enumerate(plan.offers):
        hours = plan.sold_out_hour[i]
        sold = hours >= 0
        share = float(sold.any(axis=1).mean())
        if share == 0:
            continue
        text = (
            f"The quota of {offer['quota']} of the offer opening on day {offer['day']} sells "
            f"out before its deadline in {share:.0%} of the runs"
        )
        if offer["deadline_hour"] is not None:
            early = offer["deadline_hour"] - hours[sold]
            text += f", a median {np.median(early):.0f} hours early"
        text += "."
        if "no_quota" in runs:
            left_over = _gain(runs["no_quota"], plan)
            dependence["quota"] = {"extra_buyers_without_quota": left_over}
            text += (
                f" Without the quota the same plan would sell to "
                f"{_interval(left_over)} more buyers: demand left on the table."
            )
        out.append({"kind": "quota", "offer_day": offer["day"], "text": text})
    # -- shills
    if "no_shills" in runs:
        gain = _gain(plan, runs["no_shills"])
        part = (
            gain["mean"] / gain_total["mean"]
            if gain_total["mean"] and gain["mean"] is not None
            else None
        )
        shills = {
            "buyers_from_shills": gain,
            "share_of_gain_over_baseline": part,
            "members_who_saw_through": float(plan.shill_found.mean()),
            "of_whom_left": float(plan.shill_left.mean()),
        }
        text = (
            f"The result depends on shills: without them the plan has {_interval(gain)} fewer "
            f"buyers"
            + (f", {part:.0%} of its gain over the baseline" if part is not None else "")
            + f". On average {plan.shill_found.mean():.1f} members see through them and "
            f"{plan.shill_left.mean():.1f} of those leave."
        )
        if "shills_exposed" in runs:
            cost = _gain(plan, runs["shills_exposed"])
            shills["buyers_lost_if_exposed"] = cost
            text += (
                f" If every member who reads a shill post saw through it, the plan would lose "
                f"{_interval(cost)} buyers."
            )
        dependence["shills"] = shills
        out.append({"kind": "shills", "text": text})
    # -- deadline not real
    if "no_deadline" in runs:
        gain = _gain(plan, runs["no_deadline"])
        dependence["deadline"] = {"buyers_from_deadline": gain}
        out.append(
            {
                "kind": "deadline",
                "text": (
                    "The plan's deadline is not real (the same or a lower price comes back "
                    f"later). The deadline {_brings(gain, 'gain')}, measured against the plan "
                    "run with its offers open until the campaign ends (or the next offer). "
                    "The model has no penalty for a broken deadline, so what "
                    "members would do if they noticed is not estimated; this gain is what "
                    "is at stake."
                ),
            }
        )
    return out, dependence


def build_forecast(
    runs: dict[str, RunData],
    params: Any,
    *,
    currency: str,
    names: dict[str, str],
    sources: dict[str, str],
    plan_warnings: list[str],
) -> dict[str, Any]:
    """Every figure of the report, JSON-ready (the report shows exactly these).

    Args:
        runs: scenario name -> run data (``plan``, ``baseline`` and counterfactuals).
        params: the plan's model parameters.
        currency: the money unit.
        names: ``plan``/``baseline`` -> the plans' names.
        sources: ``plan``/``baseline`` -> their files.
        plan_warnings: the plan loader's warnings and the baseline's (what it leaves out).

    Returns:
        The forecast as a JSON-ready dict.
    """
    plan, base = runs["plan"], runs["baseline"]
    found, dependence = warnings(runs, params, currency)
    found = [{"kind": "plan", "text": w} for w in plan_warnings] + found
    forecast = {
        "plan": {"name": names["plan"], "source": sources["plan"]},
        "baseline": {"name": names["baseline"], "source": sources["baseline"]},
        "replicates": plan.replicates,
        "members": int(params.population.members),
        "days": int(params.days),
        "intervals": (
            "mean with a 95% confidence interval of the mean (Student t over replicates); "
            "pi80 and pi95 are prediction intervals for one campaign: the 10-90th and "
            "2.5-97.5th percentiles of the replicates"
        ),
        "outcomes": {"plan": outcome(plan), "baseline": outcome(base)},
        "difference": {
            "buyers": paired_difference(plan.metrics["buyers"], base.metrics["buyers"]),
            "revenue": paired_difference(plan.metrics["revenue"], base.metrics["revenue"]),
        },
        "beats_baseline": {
            "metric": "buyers",
            **beats(plan.metrics["buyers"], base.metrics["buyers"]),
        },
        "daily_purchases": {
            "plan": _band(plan.daily_purchases),
            "baseline": _band(base.daily_purchases),
        },
        "funnel": {
            "stages": list(STAGE_NAMES),
            "meaning": "share of a layer's members at or past each stage at the end",
            "plan": _funnel(plan),
            "baseline": _funnel(base),
        },
        "workload": {"plan": workload(plan, params), "baseline": workload(base, params)},
        "money": {"plan": money(plan, params, currency), "baseline": money(base, params, currency)},
        "warnings": found,
        "dependence": dependence,
        "per_replicate": {
            key: {m: runs[key].metrics[m] for m in ("buyers", "revenue", "cost")}
            for key in ("plan", "baseline")
        },
        "scenarios": sorted(runs),
    }
    return jsonable(forecast)
