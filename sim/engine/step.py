"""The hourly step: the model's processes in a fixed, documented order.

1. New hour: clear per-hour flags and counts; close offers whose deadline has come; at
   midnight refill the team's care conversations and staff minutes.
2. Decay: notice fatigue, remembered purchase posts, recent value, the groups' buzz, and
   (while nonzero) anticipation, excitement, content load and study fatigue.
3. Touchpoints due this hour fire, in plan order, on the members their rule targets; units
   that use the team's capacity serve as many targets as today's conversations and minutes
   allow, and what they drop is counted.
4. Members open the group (activity x daily rhythm x novelty x anticipation x excitement x
   the group's buzz; muted members rarely).
5. Openers read the feed: the larger the backlog since their last visit, the smaller the
   share read. Mass notices (trust, fatigue, a spam moment), member posts (peer trust,
   value, talk), purchase and shill posts (herd signal, a little trust, awareness of an open
   offer), content (study: trust, value, study fatigue), teasers (anticipation); openers may
   notice the pinned offer.
6. Running touchpoints act (shill posts and exposure, referral invites).
7. Purchase: past the member's trust threshold, a logistic chance of the member's own
   propensity, trust, need, herd pull, urgency, anchor, price, memory and fatigue, minus a
   near cap above the reservation price and, at list price, waiting for an announced offer;
   drawn through the member's purchase clock (``_accumulate_hazard``); a quota caps sales.
8. Posting: openers post (more when they just read others' posts); deciding announce.
9. Advocacy: deciding share outward (stage 6); their outside friends may join.
10. Status: fatigue past the member's threshold mutes the group; a visit that found little
    value lately, or a member tired of study, may end in muting (drift); muted members
    with low trust leave.
11. Trust ladder: stages 0-4 from trust, 5 bought, 6 shared; up only, except after a
    trust shock.
12. Record the hour.

In ``purchase.model = bass`` mode only a fully mixed Bass purchase process runs (the check
against theory): every member buys with hourly hazard 1 - exp(-(p + q F) / 24), F the share
of members who bought, p and q per day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import classic
from .effects import raise_trust, read_content, read_mass_messages
from .graph import tie_counts
from .state import (
    ACTIVE,
    DORMANT,
    FEED_BACKLOG,
    FEED_CONTENT_STUDY,
    FEED_CONTENT_TRUST,
    FEED_CONTENT_VALUE,
    FEED_MEMBER,
    FEED_MEMBER_TRUST,
    FEED_OPERATOR,
    FEED_PURCHASE,
    FEED_SHILL,
    FEED_TEASER,
    FEED_TEASER_PULL,
    LEFT,
    MSG_MEMBERS,
    SRC_HERD,
    SRC_PEERS,
    STAGE_BOUGHT,
    STAGE_SHARED,
    flat,
    members_of,
)
from .targeting import select, top_per_group

if TYPE_CHECKING:
    from .engine import Engine


def _halflife(hours: float) -> float:
    return 0.5 ** (1.0 / hours) if hours > 0 else 0.0


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def step(e: Engine) -> None:
    """Advance every replicate by one hour."""
    if e.params.purchase.model == "bass":
        _bass(e)
    elif e.params.purchase.model in classic.MODELS:  # threshold, cascade
        classic.classic_step(e)
    else:
        _new_hour(e)
        _decay(e)
        _fire_touchpoints(e)
        _open_and_read(e)
        for firing in e.schedule.running(e.hour):
            firing.unit.during(e, firing, e.hour)
        _purchase(e)
        _post(e)
        _advocacy(e)
        _status(e)
        _ladder(e)
    e.recorder.record(e)
    e.hour += 1


def _new_hour(e: Engine) -> None:
    s = e.state
    s.opened[:] = False
    s.read_shill[:] = 0.0
    s.prompts[:] = 0.0
    s.prompted[:] = False
    s.read_posts[:] = 0.0
    e.hour_minutes_dropped[:] = 0.0
    e.hour_care_dropped[:] = 0
    e.trust_shocked[:] = False
    e.hour_messages[:] = 0.0
    e.hour_joins[:] = 0
    e._invites_this_hour = 0
    e.hour_purchases = np.zeros(e.replicates, dtype=np.int64)
    e.hour_revenue = np.zeros(e.replicates)
    e.offers.close_expired(e.hour)  # an offer of n hours sells in exactly n hours
    if e.hour % 24 == 0:
        op = e.params.operator
        s.care_left[:] = op.staff * op.care_per_staff_per_day
        s.minutes_left[:] = op.staff * op.minutes_per_staff_per_day
        s.opened_today[:] = False


def _decay(e: Engine) -> None:
    s, p = e.state, e.params
    s.fatigue *= _halflife(p.fatigue.decay_halflife_hours)
    s.seen_purchases *= _halflife(p.herd.seen_halflife_hours)
    s.recent_value *= _halflife(p.fatigue.value_halflife_hours)
    s.buzz *= _halflife(p.activity.busy_halflife_hours)
    # Quantities that most plans leave at zero for long spells: skip them while they are.
    for name, halflife in (
        ("anticipation", p.activity.anticipation_halflife_hours),
        ("excitement", p.activity.excitement_halflife_hours),
        ("content_load", p.channel.content_halflife_hours),
        ("study_fatigue", p.fatigue.study_halflife_hours),
    ):
        values = getattr(s, name)
        if values.any():
            values *= _halflife(halflife)


def _fire_touchpoints(e: Engine) -> None:
    s = e.state
    for firing in e.schedule.starting(e.hour):
        sub = firing.plan_index + 1
        if firing.unit.uses_capacity():
            # The team serves as many as today's conversations and minutes allow, in the
            # rule's order; the rest of those the rule wanted are dropped (and counted).
            per_talk = firing.params.minutes
            limit = np.minimum(s.care_left, np.floor(s.minutes_left / per_talk + 1e-9))
            wanted = select(e, firing.target, e.hour, sub=sub).sum(axis=1)
            targets = select(e, firing.target, e.hour, limit=limit.astype(np.int64), sub=sub)
            e.hour_care_dropped += wanted - targets.sum(axis=1)
        else:
            targets = select(e, firing.target, e.hour, sub=sub)
        firing.unit.start(e, firing, targets)


def _open_and_read(e: Engine) -> None:
    s, p = e.state, e.params
    came = s.present & (e.streams.uniform("open", e.hour) < e.open_chance())
    opened = came | (s.opened & s.present)  # events already brought their attendees in
    s.opened = opened
    s.opened_today |= opened
    s.last_open = np.where(opened, e.hour, s.last_open)
    openers = members_of(opened)  # only this hour's openers read: work on them alone
    if openers.size:
        _read_feed(e, openers)
    if e.offers.is_open.any():
        seen = e.streams.uniform_at("notice", e.hour, openers) < p.scarcity.notice_prob
        noticed = np.zeros(opened.shape, dtype=bool)
        flat(noticed)[openers[seen]] = True
        e.show_offer(noticed)


def _read_feed(e: Engine, readers: np.ndarray) -> None:
    """The openers (positions) read their group's feed since their last visit.

    The larger the backlog of everything posted since, the smaller the share read
    (``channel.attention``). Each kind read acts: mass notices (trust, fatigue, spam),
    member posts (peer trust, value, talk), purchase posts (herd signal, a little trust,
    awareness of the offer), shill posts, content (study), teasers (anticipation).
    """
    s, p = e.state, e.params
    feed = s.at(s.feed, readers)  # (n, K): the feed of each reader's group
    last_counts = flat(s.last_counts)
    new = feed - last_counts[readers]
    backlog = new[:, list(FEED_BACKLOG)].sum(axis=1)
    reads = new * (p.channel.attention / (p.channel.attention + backlog))[:, None]
    last_counts[readers] = feed

    read_mass_messages(e, readers, reads[:, FEED_OPERATOR])
    # Peer posts pull the reader's trust towards the posters' mean trust (DeGroot-like):
    # trusted members lift others; an untrusted crowd lifts nobody.
    n_posts = reads[:, FEED_MEMBER]
    poster_trust = reads[:, FEED_MEMBER_TRUST] / np.maximum(n_posts, 1e-9)
    pull = 1.0 - (1.0 - p.trust.peer_gain) ** n_posts
    trust = flat(s.trust)[readers]
    gap = np.maximum(poster_trust - trust, 0.0)
    raise_trust(e, readers, pull * gap / np.maximum(1.0 - trust, 1e-9), SRC_PEERS)
    flat(s.read_posts)[readers] = n_posts
    flat(s.recent_value)[readers] += p.fatigue.peer_value * n_posts
    # Purchase posts (real or planted): the herd signal, a little trust, and awareness.
    bought_posts = reads[:, FEED_PURCHASE] + reads[:, FEED_SHILL]
    flat(s.seen_purchases)[readers] += bought_posts
    flat(s.read_shill)[readers] = reads[:, FEED_SHILL]
    # Notices and purchase posts are what make a member think of buying this hour.
    flat(s.prompts)[readers] = reads[:, FEED_OPERATOR] + bought_posts
    heard = bought_posts > 0
    if heard.any():
        hearers, posts = readers[heard], bought_posts[heard]
        raise_trust(e, hearers, 1.0 - (1.0 - p.trust.herd_gain) ** posts, SRC_HERD)
        if e.offers.is_open.any():  # "just bought!": the reader learns the offer exists
            aware = 1.0 - (1.0 - p.herd.aware_per_post) ** posts
            draw = e.streams.uniform_at("aware", e.hour, hearers)
            told = np.zeros(s.bought.shape, dtype=bool)
            flat(told)[hearers[draw < aware]] = True
            e.show_offer(told)
    studied = reads[:, FEED_CONTENT_STUDY]
    if (studied > 0).any():
        per_piece = np.maximum(studied, 1e-12)
        read_content(
            e,
            readers,
            studied,
            value=reads[:, FEED_CONTENT_VALUE] / per_piece,
            trust_gain=reads[:, FEED_CONTENT_TRUST] / per_piece,
        )
    teasers = reads[:, FEED_TEASER]
    if (teasers > 0).any():
        pull = reads[:, FEED_TEASER_PULL] / np.maximum(teasers, 1e-12)
        kept = (1.0 - pull) ** teasers  # each teaser read raises anticipation towards 1
        anticipation = flat(s.anticipation)
        anticipation[readers] = 1.0 - (1.0 - anticipation[readers]) * kept


def herd_pull(e: Engine, members: np.ndarray) -> np.ndarray:
    """Pull of perceived adoption on the members: 0..conformity, Granovetter-style.

    Zero until perceived adoption passes the member's herd threshold, then rising towards
    the member's conformity.

    Perceived adoption mixes purchase posts seen in the group (saturating) with the share
    of the member's graph neighbours (who are or were members) who bought.
    """
    s, p, tr = e.state, e.params.herd, e.traits
    group_signal = 1.0 - np.exp(-flat(s.seen_purchases)[members] / p.group_scale)
    neighbour_share = flat(e.neighbours_bought)[members] / np.maximum(
        flat(e.neighbours_member)[members], 1.0
    )
    perceived = p.group_weight * group_signal + (1 - p.group_weight) * neighbour_share
    # Granovetter: no pull at or below the member's own threshold; past it the pull rises
    # towards the member's conformity over a scale of threshold_width.
    excess = np.maximum(perceived - flat(tr.herd_threshold)[members], 0.0)
    width = max(p.threshold_width, 1e-6)
    return flat(tr.conformity)[members] * -np.expm1(-excess / width)


def _purchase(e: Engine) -> None:
    s, p, tr = e.state, e.params, e.traits
    pp, list_price = p.purchase, p.product.list_price
    # Candidates: in a group, not yet bought, trusting enough, and something made them think
    # of buying this hour: a conversation or an offer seen for certain, or messages about
    # buying read (notices, purchase posts), each a chance to consider it.
    reached = members_of(s.prompted | (s.prompts > 0))  # nothing about buying reached others
    eligible = s.present_at(reached) & ~flat(s.bought)[reached]
    eligible &= flat(s.trust)[reached] >= flat(tr.trust_threshold)[reached]
    candidates = reached[eligible]
    prompts = flat(s.prompts)[candidates]
    thinking = flat(s.prompted)[candidates] | (
        e.streams.uniform_at("consider", e.hour, candidates)
        < -np.expm1(-pp.consider_per_message * prompts)
    )
    deciding = candidates[thinking]
    offers = e.offers
    offer_price = s.at(offers.price(e.hour), deciding)
    on_offer = (flat(s.seen_offer)[deciding] == offers.offer_id) & ~np.isnan(offer_price)
    fallback = list_price if p.product.list_price_on_sale else np.nan
    price = np.where(on_offer, offer_price, fallback)
    can_buy = ~np.isnan(price)  # no price: nothing on sale to this member now
    deciding, x, offered = deciding[can_buy], price[can_buy], on_offer[can_buy]
    if not deciding.size:
        return
    anchor = np.zeros_like(x)
    urgency = np.zeros_like(x)
    # A member who expects an offer (a teaser read) waits rather than pay the list price.
    waiting = np.where(offered, 0.0, flat(s.anticipation)[deciding])
    # Price above the member's reservation price almost rules buying out.
    price_ratio = flat(tr.price_ratio)[deciding]
    over = np.maximum(x / list_price / price_ratio - 1.0, 0.0)
    if offered.any():
        a = offers.anchor
        anchor = np.where(offered & (a > 0), (a - x) / max(a, 1e-9), 0.0)
        u = s.at(offers.urgency(e.hour, p.scarcity.deadline_tau_hours), deciding)
        urgency = np.where(offered, u, 0.0)
    weights = (p.memory.weight_first, p.memory.weight_peak, p.memory.weight_final)
    logit = (
        pp.intercept
        + flat(tr.propensity)[deciding]
        + pp.trust * flat(s.trust)[deciding]
        + pp.need * flat(tr.need)[deciding]
        + pp.herd * herd_pull(e, deciding)
        + pp.urgency * urgency
        + pp.anchor * anchor
        + pp.price * (price_ratio - x / list_price)
        + pp.memory * s.memory(deciding, weights)
        + pp.fatigue * flat(s.fatigue)[deciding]
        - pp.reservation * over
        - pp.wait * waiting
    )
    buys = _accumulate_hazard(e, deciding, _sigmoid(logit))
    offer_buys = buys & offered
    remaining = offers.remaining()
    sales = s.group_sums(deciding[offer_buys])
    if np.isfinite(remaining).any() and (sales > remaining).any():
        limit = np.where(np.isfinite(remaining), remaining, s.slots).astype(np.int64)
        score = e.streams.uniform("quota_order", e.hour)
        offer_buy = np.zeros(s.bought.shape, dtype=bool)
        flat(offer_buy)[deciding[offer_buys]] = True
        keep = top_per_group(offer_buy, score, s.group, limit)  # each group's own units
        turned_away = offer_buys & ~flat(keep)[deciding]
        flat(s.hazard)[deciding[turned_away]] = 0.0  # sold out before their turn: clock again
        buys &= ~turned_away
        offer_buys &= ~turned_away
        sales = s.group_sums(deciding[offer_buys])
    _complete_purchases(e, deciding[buys], x[buys])
    offers.record_sales(sales.astype(np.int64))


def _accumulate_hazard(e: Engine, members: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """Add this hour's purchase hazard; members whose sum passes their clock buy.

    Buying in an hour with chance p is drawn as: the summed hazard -log(1 - p) passes the
    member's Exp(1) purchase clock, drawn once. Hour by hour this is the same Bernoulli(p)
    (survival is the product of 1 - p), but the member who "would buy anyway" is the same
    member under every strategy, which pairs strategy comparisons far more tightly than
    fresh draws each hour.
    """
    hazard = flat(e.state.hazard)
    hazard[members] += -np.log1p(-np.minimum(chance, 1.0 - 1e-12))
    return hazard[members] >= flat(e.traits.purchase_clock)[members]


def _complete_purchases(e: Engine, buyers: np.ndarray, price: np.ndarray | float) -> None:
    """The members at positions ``buyers`` buy, each at its ``price`` (or one for all)."""
    s = e.state
    if not buyers.size:
        return
    price = np.broadcast_to(np.asarray(price, dtype=float), buyers.shape)
    flat(s.bought)[buyers] = True
    flat(s.buy_hour)[buyers] = e.hour
    flat(s.paid)[buyers] = price
    replicate = s.replicate_of(buyers)
    revenue = np.bincount(replicate, price, e.replicates)
    s.revenue += revenue
    e.hour_purchases += np.bincount(replicate, minlength=e.replicates)
    e.hour_revenue += revenue
    e.bought_now = buyers
    e.neighbours_bought += tie_counts(e.adjacency, buyers, s.bought.shape)


def _post(e: Engine) -> None:
    s, p, tr = e.state, e.params, e.traits
    openers = members_of(s.opened)  # only this hour's openers post
    boost = 1.0 + flat(s.excitement)[openers]
    ugc = s.ugc_until > e.hour
    if ugc.any():
        boost = boost * np.where(s.at(ugc, openers), p.channel.ugc_boost, 1.0)
    boost = boost * np.where(flat(s.kol)[openers], p.advocacy.kol_share_boost, 1.0)
    # Talk begets talk: a member who just read others' posts is likelier to post.
    read = flat(s.read_posts)[openers]
    boost = boost * (1.0 + p.channel.talk_boost * read / (read + p.channel.talk_scale))
    layer = flat(tr.layer)[openers]
    chance = np.minimum(1.0, np.asarray(p.channel.post_prob)[layer] * boost)
    draw = e.streams.uniform_at("post", e.hour, openers)
    posters = np.zeros(s.opened.shape, dtype=bool)
    flat(posters)[openers] = draw < chance
    e.post(posters)
    if e.bought_now.size:
        buyers = e.bought_now
        chance = np.asarray(p.channel.announce_prob)[flat(tr.layer)[buyers]]
        told = e.streams.uniform_at("announce", e.hour, buyers) < chance
        n = s.group_sums(buyers[told])
        s.feed[:, :, FEED_PURCHASE] += n
        s.buzz += n
        e.hour_messages[:, MSG_MEMBERS] += n.sum(axis=1)
    e.bought_now = e.bought_now[:0]


def _advocacy(e: Engine) -> None:
    s, p = e.state, e.params
    owners = members_of(s.bought & ~s.shared & s.present)
    if not owners.size:
        return
    base = np.log(p.advocacy.share_prob / (1 - p.advocacy.share_prob))
    weights = (p.memory.weight_first, p.memory.weight_peak, p.memory.weight_final)
    memory = s.memory(owners, weights)
    chance = _sigmoid(base + p.advocacy.share_memory * memory)
    boost = np.where(flat(s.kol)[owners], p.advocacy.kol_share_boost, 1.0)
    chance = np.minimum(1.0, chance * boost)
    draw = e.streams.uniform_at("share", e.hour, owners)
    sharers = np.zeros(s.bought.shape, dtype=bool)
    flat(sharers)[owners] = draw < chance
    s.shared |= sharers
    e.invite(sharers)


def _status(e: Engine) -> None:
    s, p, tr = e.state, e.params, e.traits
    mute = (s.status == ACTIVE) & (s.fatigue >= tr.fatigue_threshold)
    s.status[mute] = DORMANT
    # Drift: a visit that finds too little value lately (nothing good experienced, nobody
    # talking), or that tires a member of study, may end in muting the group.
    visitors = members_of(s.opened & (s.status == ACTIVE))
    if visitors.size:
        f = p.fatigue
        lack = np.minimum(np.exp(-flat(s.recent_value)[visitors] / f.value_scale), 3.0)
        chance = f.drift_per_visit * (lack + f.study_drift * flat(s.study_fatigue)[visitors])
        drift = e.streams.uniform_at("drift", e.hour, visitors) < chance
        flat(s.status)[visitors[drift]] = DORMANT
    may_leave = (s.status == DORMANT) & (s.trust < p.fatigue.leave_trust)
    if may_leave.any():
        muted = members_of(may_leave)
        leave = e.streams.uniform_at("leave", e.hour, muted) < p.fatigue.leave_prob
        flat(s.status)[muted[leave]] = LEFT


def _ladder(e: Engine) -> None:
    s = e.state
    cuts = e.stage_cut
    by_trust = (s.trust >= cuts[0]).view(np.int8).copy()  # stages 0-4 from trust
    for cut in cuts[1:]:
        by_trust += (s.trust >= cut).view(np.int8)
    stage = np.maximum(s.stage, by_trust)  # up only...
    if e.trust_shocked.any():  # ...except after a trust shock
        stage = np.where(e.trust_shocked, by_trust, stage)
    np.maximum(stage, s.bought.view(np.int8) * np.int8(STAGE_BOUGHT), out=stage)
    np.maximum(stage, s.shared.view(np.int8) * np.int8(STAGE_SHARED), out=stage)
    stage *= s.ever_member  # outside contacts: no stage
    s.stage = stage


def _bass(e: Engine) -> None:
    """The Bass limit (docs/limits.md): constant innovation plus imitation, fully mixed."""
    s, pp = e.state, e.params.purchase
    _new_hour(e)
    members = s.ever_member.sum(axis=1)
    share = (s.bought & s.ever_member).sum(axis=1) / np.maximum(members, 1)
    hazard = 1.0 - np.exp(-(pp.bass_p + pp.bass_q * share) / 24.0)
    waiting = members_of(s.present & ~s.bought)
    buys = _accumulate_hazard(e, waiting, hazard[s.replicate_of(waiting)])
    _complete_purchases(e, waiting[buys], e.params.product.list_price)
    _ladder(e)
