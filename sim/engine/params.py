"""Model parameters: plain, typed dataclasses with documented defaults.

These classes are the single schema of what can be set. The engine takes them as plain
objects; the Hydra entry point registers the same classes with its ConfigStore, so every
field here is overridable from the command line by its path (``herd.group_weight=0.7``).

Per-layer values are lists of three numbers in the order ``core, influence, peripheral``.
Where each default comes from (practice, a study, or calibration) is tabulated in
``docs/parameters.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .validation import bounded

LAYERS: tuple[str, ...] = ("core", "influence", "peripheral")
STATUSES: tuple[str, ...] = ("active", "dormant", "left")
N_STAGES = 7
GRAPH_KINDS: tuple[str, ...] = ("holme_kim", "small_world", "sbm", "edgelist", "complete")
PURCHASE_MODELS: tuple[str, ...] = ("logistic", "bass", "threshold", "cascade")
RANK_BY: tuple[str, ...] = ("none", "centrality", "degree", "need", "trust", "random")


def _per_layer(*values: float, lo: float | None = 0.0, hi: float | None = 1.0, **kw: Any) -> Any:
    # one bounded value per layer; the bounds hold for each value
    return bounded(list(values), lo, hi, length=len(LAYERS), layers=LAYERS, **kw)


@dataclass
class PopulationParams:
    """Who the members are (docs/ODD.md, section 2)."""

    members: int = bounded(500, 2)  # members at the start of the campaign, across all groups
    group_capacity: int = bounded(500, 2)  # seats per group; referral joins fill free seats only
    # groups at the start (0: as few as hold the members, ceil(members/cap))
    groups: int = bounded(0, 0)
    # groups the operator may run in all, opening new ones for referred members when every group
    # is full (0: no new groups beyond the starting ones)
    max_groups: int = bounded(0, 0)
    # outside contacts per member (referral pool), as a share
    outside_ratio: float = bounded(0.3, 0, 10)
    layer_shares: list[float] = _per_layer(0.05, 0.20, 0.75)  # core, influence, peripheral; sum 1
    # sd of log-degree noise when ranking members into layers
    layer_degree_noise: float = bounded(0.5, 0, 10)
    need_mean: list[float] = _per_layer(0.75, 0.6, 0.4)  # product fit, Beta mean per layer
    # Beta concentration (higher: less spread)
    need_concentration: float = bounded(3.0, gt=0, hi=1e4)
    # reservation / list price
    price_ratio_median: list[float] = _per_layer(1.1, 1.0, 0.85, lo=None, gt=0, hi=100)
    # log-normal sigma of the reservation price ratio
    price_ratio_sigma: float = bounded(0.5, 0, 10)
    conformity_mean: list[float] = _per_layer(0.3, 0.5, 0.6)  # Beta mean per layer
    conformity_concentration: float = bounded(5.0, gt=0, hi=1e4)
    activity_median: list[float] = _per_layer(0.45, 0.25, 0.07)  # open chance/hour at peak
    activity_sigma: float = bounded(0.5, 0, 10)  # log-normal sigma of the per-member activity
    trust_mean: list[float] = _per_layer(0.3, 0.2, 0.12)  # initial trust, Beta mean
    trust_concentration: float = bounded(8.0, gt=0, hi=1e4)
    trust_threshold_mean: list[float] = _per_layer(0.5, 0.5, 0.5)  # trust needed to buy
    trust_threshold_concentration: float = bounded(6.0, gt=0, hi=1e4)
    # Granovetter threshold on perceived adoption, Beta mean
    herd_threshold_mean: float = bounded(0.15, 0, 1)
    herd_threshold_concentration: float = bounded(3.0, gt=0, hi=1e4)
    fatigue_threshold_mean: float = bounded(0.7, 0, 1)  # fatigue at which a member mutes the group
    fatigue_threshold_concentration: float = bounded(10.0, gt=0, hi=1e4)
    # sd of members' own log-odds of buying (unobserved taste: some members would not buy
    # whatever happens, others need little persuasion)
    propensity_sigma: float = bounded(2.5, 0, 10)


@dataclass
class GraphParams:
    """The social graph (who knows whom)."""

    kind: str = bounded("holme_kim", choices=GRAPH_KINDS)  # holme_kim | small_world | sbm | ...
    mean_degree: float = bounded(8.0, gt=0, hi=1e4)  # target mean degree
    # holme_kim: chance of closing a triangle after each tie
    triangle_prob: float = bounded(0.5, 0, 1)
    rewire_prob: float = bounded(0.1, 0, 1)  # small_world: Watts-Strogatz rewiring chance
    blocks: int = bounded(5, 1)  # sbm: number of blocks (cliques inside the community)
    mixing: float = bounded(0.1, 0, 1)  # sbm: share of a member's ties that leave its block
    edgelist_path: str = ""  # edgelist: CSV file with columns source,target
    # with several groups: mean ties a member has into other groups (dense ties inside a group's
    # block, these few across blocks)
    cross_group_degree: float = bounded(0.5, 0, 1e4)


@dataclass
class ActivityParams:
    """When members open the group (daily rhythm, novelty, muting)."""

    rhythm: list[float] = field(
        default_factory=lambda: [
            0.05,
            0.02,
            0.02,
            0.02,
            0.02,
            0.05,
            0.2,
            0.6,
            1.0,
            0.7,
            0.5,
            0.6,
            1.0,
            0.8,
            0.5,
            0.45,
            0.45,
            0.5,
            0.6,
            0.8,
            1.0,
            1.0,
            0.7,
            0.3,
        ],
        metadata={"min": 0, "max": 1, "length": 24},
    )  # relative chance of opening by hour of day (peaks at 8, 12, 20-21)
    # share of the starting activity left once novelty is gone
    novelty_floor: float = bounded(0.15, 0, 1)
    # e-folding time (days) of the novelty after joining
    novelty_days: float = bounded(4.0, gt=0, hi=1e4)
    # open chance multiplier once a member muted the group
    dormant_factor: float = bounded(0.1, 0, 1)
    # activity multiplier at full anticipation (teasers)
    anticipation_boost: float = bounded(1.5, 0, 100)
    anticipation_halflife_hours: float = bounded(72.0, gt=0, hi=1e6)  # how fast anticipation fades
    # activity multiplier at full excitement (events)
    excitement_boost: float = bounded(1.0, 0, 100)
    # how fast excitement after an event fades
    excitement_halflife_hours: float = bounded(24.0, gt=0, hi=1e6)
    # open chance multiplier when the group is at its busiest
    busy_boost: float = bounded(1.0, 0, 100)
    # recent member posts in the group at which half the boost acts
    busy_scale: float = bounded(10.0, gt=0, hi=1e6)
    # how fast the group's recent buzz fades
    busy_halflife_hours: float = bounded(6.0, gt=0, hi=1e6)


@dataclass
class ChannelParams:
    """The group feed: posting, burying, reading."""

    # backlog at which half of the new messages get read
    attention: float = bounded(15.0, gt=0, hi=1e6)
    # chance a private message is read within the hour
    private_read_prob: float = bounded(0.6, 0, 1)
    post_prob: list[float] = _per_layer(
        0.015, 0.008, 0.001
    )  # chance to post per visit, silent feed
    # posting multiplier (1 + talk_boost) when others talk a lot
    talk_boost: float = bounded(15.0, 0, 1000)
    # member posts read on a visit at which half the boost acts
    talk_scale: float = bounded(5.0, gt=0, hi=1e6)
    announce_prob: list[float] = _per_layer(0.7, 0.6, 0.25)  # buyer posts the purchase
    ugc_boost: float = bounded(2.0, 0, 100)  # posting multiplier while a UGC prompt runs
    # how fast recent content stops saturating
    content_halflife_hours: float = bounded(24.0, gt=0, hi=1e6)
    # recent pieces studied at which a piece's value is 1/e
    content_saturation: float = bounded(2.0, gt=0, hi=1e6)


@dataclass
class TrustParams:
    """Trust gains and the seven-stage ladder."""

    broadcast_gain: float = bounded(0.01, 0, 1)  # trust gain per broadcast read (times 1 - trust)
    # each further broadcast read counts this much less
    repetition_decay: float = bounded(0.97, 0, 1)
    # per member post read: share of the gap to the posters' trust closed
    peer_gain: float = bounded(0.01, 0, 1)
    herd_gain: float = bounded(0.005, 0, 1)  # per purchase post read: trust gain (times 1 - trust)
    stage_thresholds: list[float] = field(
        default_factory=lambda: [0.15, 0.3, 0.45, 0.6], metadata={"gt": 0, "lt": 1, "length": 4}
    )


@dataclass
class FatigueParams:
    """Annoyance from unsolicited mass messages, muting and leaving."""

    per_mass_message: float = bounded(0.06, 0, 1)  # fatigue added by each mass message read
    # a mass *private* message annoys this many times more
    private_scale: float = bounded(2.0, 0, 100)
    decay_halflife_hours: float = bounded(96.0, gt=0, hi=1e6)  # fatigue fades slowly
    leave_trust: float = bounded(0.4, 0, 1)  # dormant members below this trust may leave
    leave_prob: float = bounded(0.01, 0, 1)  # hourly chance such a member leaves
    # study fatigue added by each content piece studied
    study_per_piece: float = bounded(0.05, 0, 1)
    study_halflife_hours: float = bounded(72.0, gt=0, hi=1e6)  # how fast study fatigue fades
    # chance a visit ends in muting when the group gave no value
    drift_per_visit: float = bounded(0.02, 0, 1)
    # recent value at which the drift chance falls to 1/e
    value_scale: float = bounded(0.5, gt=0, hi=1e6)
    # how long an experienced value keeps counting
    value_halflife_hours: float = bounded(72.0, gt=0, hi=1e6)
    # drift added per unit of study fatigue, whatever the value
    study_drift: float = bounded(4.0, 0, 1000)
    # recent value of each member post read (people answer)
    peer_value: float = bounded(0.02, -1, 1)


@dataclass
class MemoryParams:
    """Peak-end remembered experience (Kahneman): first, peak, final."""

    weight_first: float = bounded(0.2, 0, 1)
    weight_peak: float = bounded(0.4, 0, 1)
    weight_final: float = bounded(0.4, 0, 1)
    # moment of reading mass messages, times fatigue / own threshold
    spam_moment: float = bounded(-0.15, -1, 1)
    # weaker moments neither start nor replace the memory
    notice_threshold: float = bounded(0.1, 0, 1)


@dataclass
class HerdParams:
    """Perceived adoption and its pull (Granovetter thresholds)."""

    # weight of purchases seen in the group vs. neighbours' share
    group_weight: float = bounded(0.6, 0, 1)
    # seen purchase posts at which the group signal is 63% saturated
    group_scale: float = bounded(8.0, gt=0, hi=1e6)
    # how long a seen purchase post keeps counting
    seen_halflife_hours: float = bounded(48.0, gt=0, hi=1e6)
    # adoption past the threshold at which the pull is 63% on
    threshold_width: float = bounded(0.05, gt=0, hi=1)
    # chance a purchase post read makes the reader aware of the offer
    aware_per_post: float = bounded(0.5, 0, 1)


@dataclass
class ScarcityParams:
    """Urgency from deadlines and visible quotas, and the pinned offer's visibility."""

    deadline_tau_hours: float = bounded(12.0, gt=0, hi=1e6)  # urgency = exp(-hours_left / tau)
    notice_prob: float = bounded(0.7, 0, 1)  # chance an open offer is noticed on a visit


@dataclass
class PurchaseParams:
    """The hourly chance to buy, past the member's trust threshold (logistic)."""

    # logistic (the agent model) | bass (the classic limits (docs/ODD.md))
    model: str = bounded("logistic", choices=PURCHASE_MODELS)
    intercept: float = bounded(-3.0, -50, 50)
    trust: float = bounded(1.0, -50, 50)
    need: float = bounded(3.0, -50, 50)
    herd: float = bounded(1.5, -50, 50)
    urgency: float = bounded(1.5, -50, 50)
    anchor: float = bounded(2.0, -50, 50)  # per unit of discount below the anchor price
    price: float = bounded(1.5, -50, 50)  # per unit of (reservation - price) / list price
    memory: float = bounded(0.5, -50, 50)
    fatigue: float = bounded(-2.0, -50, 50)
    # log-odds lost per unit of price above the reservation price
    reservation: float = bounded(30.0, 0, 1000)
    # log-odds lost at list price per unit of anticipation (a known offer)
    wait: float = bounded(3.0, 0, 1000)
    # a member thinks of buying in an hour with chance
    # 1 - exp(-this x messages about buying read); care and a seen offer always prompt
    consider_per_message: float = bounded(1.0, 0, 1000)
    bass_p: float = bounded(0.01, 0, 1)  # bass mode: innovation rate per day
    bass_q: float = bounded(0.3, 0, 10)  # bass mode: imitation rate per day


@dataclass
class AdvocacyParams:
    """Sharing outward after buying (stage 6) and referral joins."""

    share_prob: float = bounded(0.004, gt=0, lt=1)  # hourly chance a buyer shares, at memory 0
    share_memory: float = bounded(2.0, -50, 50)  # log-odds gain per unit of remembered experience
    # hourly chance an outside contact joins, per inviting neighbour
    join_prob: float = bounded(0.02, 0, 1)
    # chance a referred friend joins at stage 1 (else stage 0)
    join_stage1_prob: float = bounded(0.5, 0, 1)
    kol_share_boost: float = bounded(3.0, 0, 100)  # share (and post) multiplier for cultivated KOLs


@dataclass
class OperatorParams:
    """The operator team's capacity and costs."""

    staff: int = bounded(2, 0, 1e5)
    care_per_staff_per_day: int = bounded(30, 0, 1e5)  # one-to-one conversations per person per day
    minutes_per_staff_per_day: float = bounded(480.0, 0, 1440)  # working minutes per person per day
    wage_per_minute: float = bounded(1.0, 0, 1e6)  # money per staff minute
    money_budget: float = bounded(50000.0, 0, 1e12)  # discounts, prizes and shill accounts


@dataclass
class ProductParams:
    """The paid product."""

    list_price: float = bounded(999.0, gt=0, hi=1e9)
    list_price_on_sale: bool = True  # can members buy at list price outside offers (every plan)


@dataclass
class TargetSpec:
    """Which members a touchpoint reaches (all conditions must hold)."""

    layers: list[str] = field(default_factory=lambda: list(LAYERS), metadata={"choices": LAYERS})
    min_stage: int = bounded(0, 0, 6)
    max_stage: int = bounded(6, 0, 6)
    bought: Any = None  # None: either; true/false: only buyers / non-buyers
    # 0: any; else opened the group in the last n hours
    active_within_hours: int = bounded(0, 0, 1e6)
    include_dormant: bool = True
    # none | centrality | degree | need | trust | random
    rank_by: str = bounded("none", choices=RANK_BY)
    top_k: int = bounded(0, 0)  # 0: all who match; else the k highest by rank_by
    # 0: any; else only members last cared for n or more hours ago
    care_rest_hours: int = bounded(0, 0, 1e6)
    silent_days: int = bounded(0, 0, 3650)  # 0: any; else did not open the group in the last n days
    member_slots: list[int] = bounded([], 0)  # empty: any; else only these slots
    min_degree: int = bounded(0, 0)  # ties in the social graph at least this many
    max_degree: int = bounded(0, 0)  # 0: no upper bound; else at most this many ties
    min_need: float = bounded(0.0, 0, 1)  # product fit (need) at least this
    max_need: float = bounded(1.0, 0, 1)  # and at most this


@dataclass
class TouchpointSpec:
    """One entry of a plan: a touchpoint type, when it happens, whom it reaches."""

    type: str = "broadcast"
    day: int = bounded(1, 1)  # campaign day, 1-based
    hour: int = bounded(8, 0, 23)  # hour of day, 0-23
    hours: list[int] = bounded([], 0, 23)  # several hours a day (overrides hour)
    every_days: int = bounded(0, 0)  # repeat every n days (0: once)
    until_day: int = bounded(0, 0)  # last day of the repeat (0: campaign end)
    when: str = ""  # name of a plan switch; the entry runs only while that switch is on
    target: TargetSpec = field(default_factory=TargetSpec)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlanParams:
    """A strategy: a plan of touchpoints, as data."""

    name: str = "sop"
    switches: dict[str, bool] = field(default_factory=dict)  # named on/off switches for entries
    touchpoints: list[TouchpointSpec] = field(default_factory=list)


@dataclass
class ClassicParams:
    """The classic diffusion limits ``purchase.model = threshold | cascade`` (docs/limits.md).

    Only members take part; an adopter buys once at the list price. See ``docs/limits.md``.
    """

    # threshold model: uniform (on [0, 1]) | beta | fixed | file
    thresholds: str = bounded("uniform", choices=("uniform", "beta", "fixed", "file"))
    threshold_mean: float = bounded(0.3, 0, 1)  # fixed: every member's threshold; beta: mean
    threshold_concentration: float = bounded(5.0, gt=0)  # beta: concentration (higher: less spread)
    threshold_file: str = ""  # file: CSV with columns member,threshold (every member once)
    # first adopters: degree (top-k) | random (k) | file
    seeding: str = bounded("degree", choices=("degree", "random", "file"))
    seed_count: int = bounded(10, 0)  # k first adopters (degree, random)
    seed_file: str = ""  # file: CSV with a column member (slot numbers 0 .. members-1)
    cascade_prob: float = bounded(0.1, 0, 1)  # cascade: chance a new adopter converts a neighbour
    round_hours: int = bounded(1, 1, 10000)  # one synchronous round every this many hours


@dataclass
class ModelParams:
    """Everything the engine needs besides the seed and the number of replicates."""

    days: int = bounded(33, 1, 3650)
    population: PopulationParams = field(default_factory=PopulationParams)
    graph: GraphParams = field(default_factory=GraphParams)
    activity: ActivityParams = field(default_factory=ActivityParams)
    channel: ChannelParams = field(default_factory=ChannelParams)
    trust: TrustParams = field(default_factory=TrustParams)
    fatigue: FatigueParams = field(default_factory=FatigueParams)
    memory: MemoryParams = field(default_factory=MemoryParams)
    herd: HerdParams = field(default_factory=HerdParams)
    scarcity: ScarcityParams = field(default_factory=ScarcityParams)
    purchase: PurchaseParams = field(default_factory=PurchaseParams)
    advocacy: AdvocacyParams = field(default_factory=AdvocacyParams)
    operator: OperatorParams = field(default_factory=OperatorParams)
    product: ProductParams = field(default_factory=ProductParams)
    strategy: PlanParams = field(default_factory=PlanParams)
    classic: ClassicParams = field(default_factory=ClassicParams)
