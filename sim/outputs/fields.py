"""One-line meanings of the columns and keys a run writes, by file.

``FIELD_DOCS[file][field]`` is the meaning of ``field`` in ``file`` (``daily.csv``,
``groups.csv``, ``hourly.csv``, ``replicates.csv``, ``stages.csv``, ``summary.json``,
``trust_sources.csv``). Generated names are documented
by their pattern (``stage_{k}_{layer}``); ``field_doc`` resolves them.
"""

from __future__ import annotations

import re

from sim.engine import LAYERS

_CI = (
    " ({mean, ci95}: mean over replicates and its 95% interval: a t-interval, for shares taken "
    "on the logit scale so it stays within 0-1; revenue's is cut at 0, ROI's at -1)"
)

_STAGES = (
    "present members at trust stage k (0 does not know you, 1 wants to know you, 2 knows you, "
    "3 understands you, 4 is familiar, 5 bought, 6 shares you), all layers, at day end"
)

DAILY_FIELDS: dict[str, str] = {
    "replicate": "replicate campaign (0-based)",
    "day": "campaign day (1-based)",
    "members": "present members (active or dormant status) at day end",
    "ever_members": "everyone who was a member by day end (present or left; joins included)",
    "active": "members who opened the group that day",
    "status_active": "members with active status (not muted, not left) at day end",
    "dormant": "members who muted the group (dormant status) at day end",
    "left": "members who have left the group, cumulative, at day end",
    "purchases": "purchases made that day",
    "buyers": "buyers so far (cumulative purchases)",
    "conversion": "buyers / ever_members at day end",
    "revenue": "revenue that day (prices paid, money units: the unit of product.list_price)",
    "cum_revenue": "revenue so far (money units)",
    "offer_sales": "purchases at an offer's price that day",
    "opens": "member visits that day (hourly openers summed over the day's hours)",
    "stage_{k}": _STAGES,
    "stage_{k}_{layer}": "present members of the layer (core, influence, peripheral) at stage k",
    "operator_minutes": "staff minutes spent that day",
    "money_spent": (
        "money spent that day, money units (event prizes, shill accounts, referral rewards; "
        "not wages)"
    ),
    "cum_operator_minutes": "staff minutes so far",
    "cum_money_spent": "money spent so far (money units)",
    "messages_operator": "operator messages that day (group notices and mass private messages)",
    "messages_members": "member messages that day (posts and purchase announcements)",
    "messages_shills": "shill messages that day",
    "joins": "new members who joined that day through referrals",
    "care_dropped": (
        "care conversations the plan's rules wanted that day that the team had no capacity for"
    ),
    "minutes_dropped": "staff minutes of tasks dropped that day because the day's minutes ran out",
}

HOURLY_FIELDS: dict[str, str] = {
    "replicate": DAILY_FIELDS["replicate"],
    "hour": "campaign hour (0-based)",
    "day": DAILY_FIELDS["day"],
    "hour_of_day": "hour of the day (0-23)",
    "purchases": "purchases that hour",
    "revenue": "revenue that hour (money units)",
    "offer_sales": "purchases at an offer's price that hour",
    "opens": "members who opened the group that hour",
    "active_today": "distinct members who opened the group so far that day",
    "messages_operator": "operator messages that hour",
    "messages_members": "member messages that hour",
    "messages_shills": "shill messages that hour",
    "joins": "referral joins that hour",
    "operator_minutes": "staff minutes spent that hour",
    "money_spent": "money spent that hour (money units)",
    "status_active": "members with active status at the end of the hour",
    "dormant": "dormant members at the end of the hour",
    "left": "members who have left, cumulative",
    "members": "present members (active or dormant) at the end of the hour",
    "stage_{k}": "present members at trust stage k, all layers, at the end of the hour",
}

REPLICATE_FIELDS: dict[str, str] = {
    "replicate": DAILY_FIELDS["replicate"],
    "members_ever": "everyone who was ever a member (starting members plus referral joins)",
    "buyers": "members who bought",
    "conversion_rate": "buyers / members_ever",
    "conversion_{layer}": "buyers of the layer / ever-members of the layer (NaN if none)",
    "peak48_share": "largest share of all purchases made within 48 consecutive hours (0 if none)",
    "offer_window_share": (
        "share of purchases made during the limited-time offer window with the highest share "
        "(NaN if the plan has none)"
    ),
    "offer_window_day": "start day of that offer window",
    "days_to_first_purchase": "campaign hour of the first purchase / 24 (NaN if none)",
    "revenue": "total revenue (money units: the unit of product.list_price)",
    "staff_minutes": "total staff minutes",
    "money_spent": "total money spent on prizes, shill accounts and referral rewards (money units)",
    "cost": (
        "staff_minutes x operator.wage_per_minute (money units per minute) + money_spent, in "
        "money units"
    ),
    "cost_per_buyer": "cost / buyers, money units (NaN without buyers)",
    "roi": (
        "return on spend: (revenue - cost) / cost, a ratio (1.0 = 100%: revenue twice the "
        "cost; NaN without cost)"
    ),
    "churn_rate": "members who left / members_ever",
    "dormant_share": "dormant members at the end / members_ever",
    "active_final": "members with active status at the end",
    "active_last_day": "members who opened the group on the last day",
}

SUMMARY_FIELDS: dict[str, str] = {
    "strategy": "the plan's name",
    "seed": "the run's seed (replicate k uses the same streams under every strategy)",
    "replicates": "replicate campaigns run",
    "members": "members at the start of the campaign",
    "days": "campaign length in days",
    "members_ever": "mean members ever (starting members plus referral joins)",
    "buyers": "mean buyers",
    "conversion_rate": "buyers / members ever" + _CI,
    "conversion_by_layer": "mean conversion within each layer: {core, influence, peripheral}",
    "peak48_share": "share of purchases in the busiest 48 hours (explosiveness)" + _CI,
    "offer_window_share": "mean share of purchases inside the best limited-time offer window",
    "offer_window_day": "start day of that window (most common over replicates)",
    "days_to_first_purchase": "mean days to the first purchase (replicates with a purchase)",
    "revenue": "total revenue, money units" + _CI,
    "cost": "mean cost, money units: staff minutes x wage per minute + money spent",
    "staff_minutes": "mean staff minutes",
    "money_spent": "mean money spent (money units)",
    "roi": "return on spend (revenue - cost) / cost, a ratio (1.0 = 100%)" + _CI,
    "cost_per_buyer": "mean cost per buyer, money units (replicates with buyers)",
    "churn_rate": "members who left / members ever" + _CI,
    "dormant_share": "mean dormant members at the end / members ever",
    "groups": (
        "per-group breakdown: groups (mean open), quiet_groups and quiet_share, "
        "best_conversion and worst_conversion (best and worst group's conversion), "
        "conversion_sd (spread between groups), best_group (per replicate); see groups.csv"
    ),
    "trust_gain_by_source": (
        "{layer: {source: share}}: mean share of each layer's trust gain by source "
        "(operator, content, events, peers, herd); see trust_sources.csv"
    ),
    "note": "present when a caveat applies (e.g. a single replicate: degenerate intervals)",
    "config": "the resolved configuration of the run",
    "version": "simulator version (sim.__version__)",
    "git_commit": "HEAD commit of the code's git checkout, or unknown",
    "created": "when the files were written (UTC, ISO 8601)",
}

GROUP_FIELDS: dict[str, str] = {
    "replicate": "replicate campaign (0-based)",
    "group": "group index (0-based; groups opened for referred members come last)",
    "opened_day": "campaign day the group opened (1 for the starting groups)",
    "members_ever": "everyone who was ever a member of this group (present or left)",
    "members_final": "members in the group at the end",
    "buyers": "members of this group who bought",
    "conversion_rate": "buyers / members_ever",
    "revenue": "revenue from this group's buyers (money units)",
    "active_last_day": "members who opened the group on the last day",
    "posts_last_days": "member and purchase posts over the last 3 days (or since it opened)",
    "posts_per_100_per_day": "posts_last_days per day per 100 members at the end",
    "quiet": "the group went quiet: posts_per_100_per_day below 1",
}

TRUST_SOURCE_FIELDS: dict[str, str] = {
    "replicate": "replicate campaign (0-based)",
    "layer": "members' layer: core, influence or peripheral",
    "source": (
        "where the trust came from: operator (notices, care, KOL cultivation, private "
        "offers), content (studied), events, peers (member posts read), herd (purchase "
        "posts read)"
    ),
    "trust_gain": "trust points gained from the source, summed over the layer's members",
    "per_member": "trust_gain / members of the layer (trust points per member, 0..1)",
    "share": "share of the layer's total trust gain in that replicate (0..1)",
}

STAGES_FIELDS: dict[str, str] = {
    "replicate": "replicate campaign (0-based)",
    "day": "campaign day (1-based)",
    "layer": "members' layer: core, influence or peripheral",
    "stage": (
        "trust stage k (0 does not know you, 1 wants to know you, 2 knows you, 3 understands "
        "you, 4 is familiar, 5 bought, 6 shares you)"
    ),
    "members": (
        "present members of the layer at that stage at day end (daily.csv's stage_{k}_{layer})"
    ),
}

# The columns of every comparison.csv after job, job_num and the compared keys: the same for
# python -m sim.compare (FIELD_DOCS["comparison.csv"]) and a sweep's report (sim.sweep.fields).
COMPARED_FIELDS: dict[str, str] = {
    "metric": "the replicates.csv column summarised in this row",
    "replicates": "replicates of the job",
    "mean": "mean of the metric over the job's replicates (NaN values left out)",
    "ci95_low": (
        "lower end of the 95% interval of that mean (a t-interval, for shares on the logit "
        "scale; cut at what the metric can take: 0 for counts and amounts, -100% for ROI)"
    ),
    "ci95_high": "upper end of that interval (at most 100% for shares)",
    "baseline_job": "the finished job this one is compared with (the same other swept values "
    "and the baseline's value); empty if there is none",
    "diff_mean": "mean paired difference job - baseline job, replicate by replicate "
    "(0 for the baseline itself)",
    "diff_ci95_low": (
        "lower end of the 95% t-interval of the paired difference (at least -100 pp for shares)"
    ),
    "diff_ci95_high": (
        "upper end of the 95% t-interval of the paired difference (at most +100 pp for shares)"
    ),
    "ratio": "mean / the baseline job's mean",
    "pairs": "replicate pairs used (pairs with a NaN value are left out)",
    "sd_paired": "standard deviation of the paired differences",
    "sd_unpaired": "sqrt(var job + var baseline): the spread of an unpaired difference",
    "pairing": "baseline (the baseline itself), paired, or not paired and why (another seed, "
    "other replicates, a failed, unfinished or missing baseline job); empty without baseline",
}

COMPARISON_FIELDS: dict[str, str] = {
    "job": "the strategy's folder in the comparison's folder (its name as a safe folder name)",
    "job_num": "the strategy's place in the comparison (0: the baseline, run first)",
    "strategy": "the strategy's (plan's) name",
    **COMPARED_FIELDS,
}

FIELD_DOCS: dict[str, dict[str, str]] = {
    "comparison.csv": COMPARISON_FIELDS,
    "daily.csv": DAILY_FIELDS,
    "groups.csv": GROUP_FIELDS,
    "hourly.csv": HOURLY_FIELDS,
    "replicates.csv": REPLICATE_FIELDS,
    "stages.csv": STAGES_FIELDS,
    "summary.json": SUMMARY_FIELDS,
    "trust_sources.csv": TRUST_SOURCE_FIELDS,
}

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"stage_\d+_({'|'.join(LAYERS)})"), "stage_{k}_{layer}"),
    (re.compile(r"stage_\d+"), "stage_{k}"),
    (re.compile(rf"conversion_({'|'.join(LAYERS)})"), "conversion_{layer}"),
)


def field_doc(file: str, name: str) -> str:
    """Meaning of column or key ``name`` of ``file``, resolving generated names.

    Raises:
        KeyError: if the field is not documented.
    """
    docs = FIELD_DOCS[file]
    if name in docs:
        return docs[name]
    for pattern, key in _PATTERNS:
        if pattern.fullmatch(name) and key in docs:
            return docs[key]
    raise KeyError(f"{file}: no documentation for {name!r}")
