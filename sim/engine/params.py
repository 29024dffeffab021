"""Model parameters: plain, typed dataclasses with documented defaults.

These classes are the single schema of what can be set. The engine takes them as plain
objects; the Hydra entry point registers the same classes with its ConfigStore, so every
field here is overridable from the command line by its path (``herd.group_weight=0.7``).

Per-layer values are lists of three numbers in the order ``core, influence, peripheral``.
Where each default comes from (MODEL.md, a study, or calibration) is tabulated in
``docs/parameters.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LAYERS: tuple[str, ...] = ("core", "influence", "peripheral")
STATUSES: tuple[str, ...] = ("active", "dormant", "left")
N_STAGES = 7


def _per_layer(*values: float) -> Any:
    return field(default_factory=lambda: list(values))


@dataclass
class PopulationParams:
    """Who the members are (MODEL.md section 2)."""

    members: int = 500  # members at the start of the campaign, across all groups
    group_capacity: int = 500  # seats per group; referral joins fill free seats only
    groups: int = 0  # groups at the start (0: as few as hold the members, ceil(members/cap))
    max_groups: int = 0  # groups the operator may run in all, opening new ones for referred
    # members when every group is full (0: no new groups beyond the starting ones)
    outside_ratio: float = 0.3  # outside contacts per member (referral pool), as a share
    layer_shares: list[float] = _per_layer(0.05, 0.20, 0.75)  # core, influence, peripheral; sum 1
    layer_degree_noise: float = 0.5  # sd of log-degree noise when ranking members into layers
    need_mean: list[float] = _per_layer(0.75, 0.6, 0.4)  # product fit, Beta mean per layer
    need_concentration: float = 3.0  # Beta concentration (higher: less spread)
    price_ratio_median: list[float] = _per_layer(1.3, 1.1, 0.85)  # reservation / list price
    price_ratio_sigma: float = 0.5  # log-normal sigma of the reservation price ratio
    conformity_mean: list[float] = _per_layer(0.3, 0.5, 0.6)  # Beta mean per layer
    conformity_concentration: float = 5.0
    activity_median: list[float] = _per_layer(0.45, 0.25, 0.07)  # open chance/hour at peak
    activity_sigma: float = 0.5  # log-normal sigma of the per-member activity
    trust_mean: list[float] = _per_layer(0.3, 0.2, 0.12)  # initial trust, Beta mean
    trust_concentration: float = 8.0
    trust_threshold_mean: list[float] = _per_layer(0.5, 0.5, 0.5)  # trust needed to buy
    trust_threshold_concentration: float = 6.0
    herd_threshold_mean: float = 0.15  # Granovetter threshold on perceived adoption, Beta mean
    herd_threshold_concentration: float = 3.0
    fatigue_threshold_mean: float = 0.7  # fatigue at which a member mutes the group
    fatigue_threshold_concentration: float = 10.0
    propensity_sigma: float = 2.0  # sd of members' own log-odds of buying (unobserved taste:
    # some members would not buy whatever happens, others need little persuasion)


@dataclass
class GraphParams:
    """The social graph (who knows whom)."""

    kind: str = "holme_kim"  # holme_kim | small_world | sbm | edgelist | complete
    mean_degree: float = 8.0  # target mean degree
    triangle_prob: float = 0.5  # holme_kim: chance of closing a triangle after each tie
    rewire_prob: float = 0.1  # small_world: Watts-Strogatz rewiring chance
    blocks: int = 5  # sbm: number of blocks (cliques inside the community)
    mixing: float = 0.1  # sbm: share of a member's ties that leave its block
    edgelist_path: str = ""  # edgelist: CSV file with columns source,target
    cross_group_degree: float = 0.5  # with several groups: mean ties a member has into
    # other groups (dense ties inside a group's block, these few across blocks)


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
        ]
    )  # relative chance of opening by hour of day (peaks at 8, 12, 20-21)
    novelty_floor: float = 0.15  # share of the starting activity left once novelty is gone
    novelty_days: float = 4.0  # e-folding time (days) of the novelty after joining
    dormant_factor: float = 0.1  # open chance multiplier once a member muted the group
    anticipation_boost: float = 1.5  # activity multiplier at full anticipation (teasers)
    anticipation_halflife_hours: float = 72.0  # how fast anticipation fades
    excitement_boost: float = 1.0  # activity multiplier at full excitement (events)
    excitement_halflife_hours: float = 24.0  # how fast excitement after an event fades
    busy_boost: float = 1.0  # open chance multiplier when the group is at its busiest
    busy_scale: float = 10.0  # recent member posts in the group at which half the boost acts
    busy_halflife_hours: float = 6.0  # how fast the group's recent buzz fades


@dataclass
class ChannelParams:
    """The group feed: posting, burying, reading."""

    attention: float = 15.0  # backlog at which half of the new messages get read
    private_read_prob: float = 0.6  # chance a private message is read within the hour
    post_prob: list[float] = _per_layer(
        0.015, 0.008, 0.001
    )  # chance to post per visit, silent feed
    talk_boost: float = 15.0  # posting multiplier (1 + talk_boost) when others talk a lot
    talk_scale: float = 5.0  # member posts read on a visit at which half the boost acts
    announce_prob: list[float] = _per_layer(0.7, 0.6, 0.25)  # buyer posts the purchase
    ugc_boost: float = 2.0  # posting multiplier while a UGC prompt runs
    content_halflife_hours: float = 24.0  # how fast recent content stops saturating
    content_saturation: float = 2.0  # recent pieces studied at which a piece's value is 1/e


@dataclass
class TrustParams:
    """Trust gains and the seven-stage ladder."""

    broadcast_gain: float = 0.01  # trust gain per broadcast read (times 1 - trust)
    repetition_decay: float = 0.97  # each further broadcast read counts this much less
    peer_gain: float = 0.01  # per member post read: share of the gap to the posters' trust closed
    herd_gain: float = 0.005  # per purchase post read: trust gain (times 1 - trust)
    stage_thresholds: list[float] = field(default_factory=lambda: [0.15, 0.3, 0.45, 0.6])


@dataclass
class FatigueParams:
    """Annoyance from unsolicited mass messages, muting and leaving."""

    per_mass_message: float = 0.06  # fatigue added by each mass message read
    private_scale: float = 2.0  # a mass *private* message annoys this many times more
    decay_halflife_hours: float = 96.0  # fatigue fades slowly
    leave_trust: float = 0.4  # dormant members below this trust may leave
    leave_prob: float = 0.01  # hourly chance such a member leaves
    study_per_piece: float = 0.05  # study fatigue added by each content piece studied
    study_halflife_hours: float = 72.0  # how fast study fatigue fades
    drift_per_visit: float = 0.02  # chance a visit ends in muting when the group gave no value
    value_scale: float = 0.5  # recent value at which the drift chance falls to 1/e
    value_halflife_hours: float = 72.0  # how long an experienced value keeps counting
    study_drift: float = 4.0  # drift added per unit of study fatigue, whatever the value
    peer_value: float = 0.02  # recent value of each member post read (people answer)


@dataclass
class MemoryParams:
    """Peak-end remembered experience (Kahneman): first, peak, final."""

    weight_first: float = 0.2
    weight_peak: float = 0.4
    weight_final: float = 0.4
    spam_moment: float = -0.15  # moment of reading mass messages, times fatigue / own threshold
    notice_threshold: float = 0.1  # weaker moments neither start nor replace the memory


@dataclass
class HerdParams:
    """Perceived adoption and its pull (Granovetter thresholds)."""

    group_weight: float = 0.6  # weight of purchases seen in the group vs. neighbours' share
    group_scale: float = 8.0  # seen purchase posts at which the group signal is 63% saturated
    seen_halflife_hours: float = 48.0  # how long a seen purchase post keeps counting
    threshold_width: float = 0.05  # adoption past the threshold at which the pull is 63% on
    aware_per_post: float = 0.5  # chance a purchase post read makes the reader aware of the offer


@dataclass
class ScarcityParams:
    """Urgency from deadlines and visible quotas, and the pinned offer's visibility."""

    deadline_tau_hours: float = 12.0  # urgency = exp(-hours_left / tau)
    notice_prob: float = 0.7  # chance an open offer is noticed on a visit


@dataclass
class PurchaseParams:
    """The hourly chance to buy, past the member's trust threshold (logistic)."""

    model: str = "logistic"  # logistic (the agent model) | bass | threshold | cascade (section 8)
    intercept: float = -6.0
    trust: float = 2.0
    need: float = 5.0
    herd: float = 2.5
    urgency: float = 2.5
    anchor: float = 3.0  # per unit of discount below the anchor price
    price: float = 3.0  # per unit of (reservation - price) / list price
    memory: float = 0.5
    fatigue: float = -2.0
    reservation: float = 30.0  # log-odds lost per unit of price above the reservation price
    wait: float = 6.0  # log-odds lost at list price per unit of anticipation (a known offer)
    bass_p: float = 0.01  # bass mode: innovation rate per day
    bass_q: float = 0.3  # bass mode: imitation rate per day


@dataclass
class AdvocacyParams:
    """Sharing outward after buying (stage 6) and referral joins."""

    share_prob: float = 0.004  # hourly chance a buyer shares, at memory 0
    share_memory: float = 2.0  # log-odds gain per unit of remembered experience
    join_prob: float = 0.02  # hourly chance an outside contact joins, per inviting neighbour
    join_stage1_prob: float = 0.5  # chance a referred friend joins at stage 1 (else stage 0)
    kol_share_boost: float = 3.0  # share (and post) multiplier for cultivated KOLs


@dataclass
class OperatorParams:
    """The operator team's capacity and costs."""

    staff: int = 2
    care_per_staff_per_day: int = 30  # one-to-one conversations per person per day
    minutes_per_staff_per_day: float = 480.0  # working minutes per person per day
    wage_per_minute: float = 1.0  # money per staff minute
    money_budget: float = 50000.0  # discounts, prizes and shill accounts


@dataclass
class ProductParams:
    """The paid product."""

    list_price: float = 999.0
    list_price_on_sale: bool = True  # can members buy at list price outside offers (every plan)


@dataclass
class TargetSpec:
    """Which members a touchpoint reaches (all conditions must hold)."""

    layers: list[str] = field(default_factory=lambda: list(LAYERS))
    min_stage: int = 0
    max_stage: int = 6
    bought: Any = None  # None: either; true/false: only buyers / non-buyers
    active_within_hours: int = 0  # 0: any; else opened the group in the last n hours
    include_dormant: bool = True
    rank_by: str = "none"  # none | centrality | degree | need | trust | random
    top_k: int = 0  # 0: all who match; else the k highest by rank_by
    care_rest_hours: int = 0  # 0: any; else only members last cared for n or more hours ago
    silent_days: int = 0  # 0: any; else did not open the group in the last n days
    member_slots: list[int] = field(default_factory=list)  # empty: any; else only these slots


@dataclass
class TouchpointSpec:
    """One entry of a plan: a touchpoint type, when it happens, whom it reaches."""

    type: str = "broadcast"
    day: int = 1  # campaign day, 1-based
    hour: int = 8  # hour of day, 0-23
    hours: list[int] = field(default_factory=list)  # several hours a day (overrides hour)
    every_days: int = 0  # repeat every n days (0: once)
    until_day: int = 0  # last day of the repeat (0: campaign end)
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
    """The classic diffusion limits ``purchase.model = threshold | cascade`` (MODEL.md s. 8).

    Only members take part; an adopter buys once at the list price. See ``docs/limits.md``.
    """

    thresholds: str = "uniform"  # threshold model: uniform (on [0, 1]) | beta | fixed | file
    threshold_mean: float = 0.3  # fixed: every member's threshold; beta: the Beta mean
    threshold_concentration: float = 5.0  # beta: concentration (higher: less spread)
    threshold_file: str = ""  # file: CSV with columns member,threshold (every member once)
    seeding: str = "degree"  # first adopters: degree (top-k) | random (k) | file
    seed_count: int = 10  # k first adopters (degree, random)
    seed_file: str = ""  # file: CSV with a column member (slot numbers 0 .. members-1)
    cascade_prob: float = 0.1  # cascade: chance a new adopter converts each neighbour
    round_hours: int = 1  # one synchronous round every this many hours (first adopters: hour 0)


@dataclass
class ModelParams:
    """Everything the engine needs besides the seed and the number of replicates."""

    days: int = 33
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
