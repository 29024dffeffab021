"""``report.html`` and ``forecast.json``: the forecast on one self-contained page.

The page has no external resource: figures are PNG images embedded as base64 data URIs,
the style sheet is inline, there is no script and no web font, so it opens offline. A
viewport meta tag and fluid CSS make it readable on a phone. Every number on the page comes
from the forecast dict that is also written as ``forecast.json``.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from sim.engine import LAYERS

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
padding:1rem;line-height:1.45;color:#1b1b1b;background:#fafafa}
main{max-width:60rem;margin:auto}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;margin-top:1.8rem;
border-bottom:1px solid #ddd}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{flex:1 1 14rem;background:#fff;border:1px solid #ddd;border-radius:.5rem;padding:.8rem}
.big{font-size:1.6rem;font-weight:600}.small{font-size:.85rem;color:#555}
img{max-width:100%;height:auto;display:block;margin:.6rem 0}
table{border-collapse:collapse;width:100%;font-size:.9rem;background:#fff}
th,td{border:1px solid #ddd;padding:.3rem .45rem;text-align:right}
th:first-child,td:first-child,td.label,th.label{text-align:left}
.scroll{overflow-x:auto}
.warn{background:#fff4e5;border-left:4px solid #e67e22;padding:.5rem .8rem;margin:.5rem 0}
.ok{background:#eaf7ea;border-left:4px solid #2e8b57;padding:.5rem .8rem}
"""


# ------------------------------------------------------------------ formatting
def num(x: Any, digits: int = 0) -> str:
    """A number with thousands separators (``n/a`` when missing)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def pct(x: Any, digits: int = 0) -> str:
    """A share as a percentage."""
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def rng(pair: Any, fmt: Any = num, digits: int = 0) -> str:
    """``low to high`` of an interval."""
    if not pair or pair[0] is None:
        return "n/a"
    return f"{fmt(pair[0], digits)} to {fmt(pair[1], digits)}"


def esc(text: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(text))


# ------------------------------------------------------------------ figures
def png(fig: Any) -> str:
    """A matplotlib figure as an ``<img>`` with a base64 PNG data URI (figure closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def fig_daily(f: dict[str, Any]) -> str:
    """Daily purchases, mean and 80% band, plan and baseline."""
    fig, ax = plt.subplots(figsize=(8, 3.4))
    for key, colour in (("baseline", "#888888"), ("plan", "#1f77b4")):
        d = f["daily_purchases"][key]
        days = np.arange(1, len(d["mean"]) + 1)
        ax.fill_between(days, d["p10"], d["p90"], color=colour, alpha=0.25, lw=0)
        ax.plot(days, d["mean"], color=colour, lw=2, label=f"{f[key]['name']} ({key})")
    ax.set_xlabel("campaign day")
    ax.set_ylabel("purchases per day")
    ax.set_title("Daily purchases: mean, band = 10th to 90th percentile of runs")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return png(fig)


def fig_funnel(f: dict[str, Any]) -> str:
    """The trust-stage funnel by layer (plan solid, baseline hatched)."""
    fun = f["funnel"]
    stages = np.arange(len(fun["stages"]))
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), sharey=True)
    for ax, layer in zip(axes, LAYERS, strict=True):
        ax.bar(stages - 0.2, fun["plan"][layer], 0.4, color="#1f77b4", label="plan")
        ax.bar(stages + 0.2, fun["baseline"][layer], 0.4, color="#bbbbbb", label="baseline")
        ax.set_title(layer)
        ax.set_xticks(stages)
        ax.set_xlabel("stage")
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("share at or past stage")
    axes[-1].legend(frameon=False, fontsize=8, loc="upper right")
    fig.suptitle("Trust-stage funnel at the end, by layer", y=1.02)
    return png(fig)


def fig_workload(f: dict[str, Any]) -> str:
    """Care asked for and held per day against capacity; staff minutes per day."""
    w = f["workload"]["plan"]
    days = np.arange(1, len(w["care_asked_mean"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.bar(days, w["care_held_mean"], color="#1f77b4", label="held")
    a.bar(
        days, w["care_dropped_mean"], bottom=w["care_held_mean"], color="#e67e22", label="dropped"
    )
    a.axhline(w["care_capacity_per_day"], color="k", ls="--", lw=1, label="capacity")
    a.set_title("One-to-one care per day (mean)")
    a.set_xlabel("campaign day")
    a.legend(frameon=False, fontsize=8)
    b.bar(days, w["staff_minutes_mean"], color="#2e8b57")
    if w["staff_minutes_capacity_per_day"]:
        b.axhline(w["staff_minutes_capacity_per_day"], color="k", ls="--", lw=1)
    b.set_title("Staff minutes per day (mean)")
    b.set_xlabel("campaign day")
    for ax in (a, b):
        ax.grid(axis="y", alpha=0.3)
    return png(fig)


def fig_care(ranking: dict[str, Any]) -> str:
    """Cumulative gain of the ranking's picks, with the rules as reference lines."""
    picks = ranking["picks"]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    k = np.arange(1, len(picks) + 1)
    mean = [p["cumulative_gain"] for p in picks]
    lo = [p["cumulative_gain_ci95"][0] for p in picks]
    hi = [p["cumulative_gain_ci95"][1] for p in picks]
    ax.fill_between(k, lo, hi, color="#1f77b4", alpha=0.2, lw=0)
    ax.plot(k, mean, "o-", color="#1f77b4", label="ranking (first k picks)")
    for (name, stat), colour in zip(
        [(n, s) for n, s in ranking["rules"].items() if n != "ranking (all picks)"],
        ("#e67e22", "#888888"),
        strict=False,
    ):
        ax.axhline(stat["mean"], color=colour, ls="--", label=name)
    ax.set_xlabel("picks")
    ax.set_xticks(k)
    ax.set_ylabel("extra buyers vs. no care")
    ax.legend(frameon=False, fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return png(fig)


# ------------------------------------------------------------------ sections
def _card(title: str, value: str, lines: list[str]) -> str:
    body = "".join(f'<div class="small">{line}</div>' for line in lines)
    return f'<div class="card"><div>{esc(title)}</div><div class="big">{value}</div>{body}</div>'


def _outcome_cards(f: dict[str, Any]) -> str:
    cur = esc(f["money"]["plan"]["currency"])
    cards = []
    shown = (("buyers", "Expected buyers", "", 1), ("revenue", "Expected revenue", cur, 0))
    for key, label, unit, digits in shown:
        for who in ("plan", "baseline"):
            s = f["outcomes"][who][key]
            cards.append(
                _card(
                    f"{label}: {f[who]['name']} ({who})",
                    f"{num(s['mean'], digits)} {unit}".strip(),
                    [
                        f"80% of campaigns: {rng(s['pi80'], num, digits)}",
                        f"95% of campaigns: {rng(s['pi95'], num, digits)}",
                        f"mean's 95% CI: {rng(s['ci95'], num, digits)}",
                    ],
                )
            )
    b = f["beats_baseline"]
    d = f["difference"]["buyers"]
    cards.append(
        _card(
            "Chance the plan beats the baseline",
            pct(b["share"]),
            [
                f"95% CI {rng(b['ci95'], pct)} (Wilson), over {b['pairs']} paired runs",
                f"ties: {pct(b['ties'])}",
                f"extra buyers: {num(d['mean'], 1)} (95% CI {rng(d['ci95'], num, 1)})",
            ],
        )
    )
    return '<div class="cards">' + "".join(cards) + "</div>"


def _money_table(f: dict[str, Any]) -> str:
    cur = esc(f["money"]["plan"]["currency"])
    rows = [
        ("Revenue", "revenue", cur, 0),
        ("Spend (staff time + money)", "spend", cur, 0),
        ("  of which staff minutes", "staff_minutes", "min", 0),
        ("  of which money (discounts, prizes, shills)", "money_spent", cur, 0),
        ("Cost per buyer", "cost_per_buyer", f"{cur} / buyer", 1),
        ("Return on spend ((revenue − spend) / spend)", "return_on_spend", "×", 2),
    ]
    head = "<tr><th>Figure</th><th>Unit</th><th>Plan: mean</th><th>Plan: 80% of campaigns</th>"
    head += "<th>Baseline: mean</th></tr>"
    body = []
    for label, key, unit, digits in rows:
        p, b = f["money"]["plan"][key], f["money"]["baseline"][key]
        body.append(
            f"<tr><td>{esc(label)}</td><td>{unit}</td><td>{num(p['mean'], digits)}</td>"
            f"<td>{rng(p['pi80'], num, digits)}</td><td>{num(b['mean'], digits)}</td></tr>"
        )
    wage = f["money"]["plan"]["wage_per_staff_minute"]
    note = f'<p class="small">Staff time is costed at {num(wage, 2)} {cur} per staff minute.</p>'
    return f'<div class="scroll"><table>{head}{"".join(body)}</table></div>{note}'


def _warnings(f: dict[str, Any]) -> str:
    if not f["warnings"]:
        return (
            '<div class="ok">No warnings: care stays within capacity, no fatigue wave, no '
            "quiet group, no quota sold out early, no shills or broken deadline.</div>"
        )
    return "".join(f'<div class="warn">{esc(w["text"])}</div>' for w in f["warnings"])


def _care_section(f: dict[str, Any]) -> str:
    r = f.get("care_ranking")
    if not r:
        return "<p>Not computed (run with <code>care.top</code> above 0).</p>"
    kind = "members by id" if r["by"] == "members" else "kinds of members (layer · degree · need)"
    rows = "".join(
        f"<tr><td>{i}</td><td class='label'>{esc(p['label'])}</td><td>{num(p['members'], 1)}</td>"
        f"<td>{num(p['gain'], 1)}</td><td>{rng(p['gain_ci95'], num, 1)}</td>"
        f"<td>{num(p['cumulative_gain'], 1)}</td></tr>"
        for i, p in enumerate(r["picks"], 1)
    )
    rules = "".join(
        f"<tr><td>{esc(name)}</td><td>{num(s['mean'], 1)}</td>"
        f"<td>{rng(s['ci95'], num, 1)}</td></tr>"
        for name, s in r["rules"].items()
    )
    return (
        f"<p>Whose one-to-one care gains most, among {r['candidates']} {kind}, found by "
        f"simulation: greedy picks with lazy evaluation (CELF) on {r['replicates']} paired "
        f"runs ({r['evaluations']} plans simulated; plain greedy needs "
        f"{r['plain_greedy_evaluations']}). Each pick's gain is the extra buyers it adds to "
        "the picks before it, with a paired 95% interval. Care runs on the plan's care days "
        "and hours, within the team's capacity, in pick order.</p>"
        + fig_care(r)
        + '<div class="scroll"><table><tr><th>#</th><th class="label">Care for</th><th>Members</th>'
        "<th>Gain (buyers)</th><th>95% CI</th><th>Cumulative</th></tr>"
        + rows
        + "</table></div><h3>Compared with other rules (extra buyers vs. no care)</h3>"
        '<div class="scroll"><table><tr><th>Rule</th><th>Mean</th><th>95% CI</th></tr>'
        + rules
        + "</table></div>"
    )


def render(f: dict[str, Any]) -> str:
    """The report page for a forecast dict (``figures.build_forecast`` plus the ranking)."""
    title = f"Forecast: {f['plan']['name']} against {f['baseline']['name']}"
    intro = (
        f"{num(f['replicates'])} simulated campaigns of {num(f['members'])} members over "
        f"{f['days']} days, the plan ({esc(f['plan']['source'])}) and the baseline "
        f"({esc(f['baseline']['source'])}) on the same members and random draws."
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1><p>{intro}</p>",
        "<h2>Warnings</h2>",
        _warnings(f),
        "<h2>Expected outcome</h2>",
        _outcome_cards(f),
        "<p class='small'>How intervals are computed: “80% / 95% of campaigns” are prediction "
        "intervals, the 10th–90th and 2.5th–97.5th percentiles of the simulated campaigns; "
        "“mean's 95% CI” is a Student-t interval of the mean over campaigns. The chance of "
        "beating the baseline is the share of paired campaigns (same members and draws) in "
        "which the plan has more buyers, with a Wilson 95% interval.</p>",
        "<h2>Daily purchases</h2>",
        fig_daily(f),
        "<h2>Trust-stage funnel by layer</h2>",
        fig_funnel(f),
        "<p class='small'>Stages: "
        + "; ".join(f"{i} {esc(s)}" for i, s in enumerate(f["funnel"]["stages"]))
        + ". Bars: share of the layer's members at or past the stage at the end.</p>",
        "<h2>Team workload against capacity</h2>",
        fig_workload(f),
        "<h2>Spend, cost per buyer and return</h2>",
        _money_table(f),
        "<h2>Who to care for</h2>",
        _care_section(f),
        "</main></body></html>",
    ]
    return "\n".join(parts)


def write_json(f: dict[str, Any], path: Path) -> None:
    """Write the forecast dict as JSON (strict: no NaN)."""
    with path.open("w", encoding="utf-8") as out:
        json.dump(f, out, indent=2, allow_nan=False)
        out.write("\n")
