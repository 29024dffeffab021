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
8. Posting: openers post (more when they just read others' posts); buyers announce.
9. Advocacy: buyers share outward (stage 6); their outside friends may join.
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
from .graph import neighbour_list
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


def step(engine: Engine) -> None:
    """Advance every replicate by one hour."""
    if engine.params.purchase.model == "bass":
        _bass(engine)
    elif engine.params.purchase.model in classic.MODELS:  # threshold, cascade
        classic.classic_step(engine)
    else:
        _new_hour(engine)
        _decay(engine)
        _fire_touchpoints(engine)
        _open_and_read(engine)
        for firing in engine.schedule.running(engine.hour):
            firing.unit.during(engine, firing, engine.hour)
        _purchase(engine)
        _post(engine)
        _advocacy(engine)
        _status(engine)
        _ladder(engine)
    engine.recorder.record(engine)
    engine.hour += 1


def _new_hour(engine: Engine) -> None:
    state = engine.state
    state.start_hour()
    engine.offers.close_expired(engine.hour)  # an offer of n hours sells in exactly n hours
    if engine.hour % 24 == 0:
        operator = engine.params.operator
        state.care_left[:] = operator.staff * operator.care_per_staff_per_day
        state.minutes_left[:] = operator.staff * operator.minutes_per_staff_per_day
        state.opened_today[:] = False


def _decay(engine: Engine) -> None:
    state, params = engine.state, engine.params
    state.fatigue *= _halflife(params.fatigue.decay_halflife_hours)
    state.seen_purchases *= _halflife(params.herd.seen_halflife_hours)
    state.recent_value *= _halflife(params.fatigue.value_halflife_hours)
    state.buzz *= _halflife(params.activity.busy_halflife_hours)
    # Quantities that most plans leave at zero for long spells: skip them while they are.
    for name, halflife in (
        ("anticipation", params.activity.anticipation_halflife_hours),
        ("excitement", params.activity.excitement_halflife_hours),
        ("content_load", params.channel.content_halflife_hours),
        ("study_fatigue", params.fatigue.study_halflife_hours),
    ):
        values = getattr(state, name)
        if values.any():
            values *= _halflife(halflife)


def _fire_touchpoints(engine: Engine) -> None:
    state = engine.state
    for firing in engine.schedule.starting(engine.hour):
        sub = firing.plan_index + 1
        if firing.unit.uses_capacity():
            # The team serves as many as today's conversations and minutes allow, in the
            # rule's order; the rest of those the rule wanted are dropped (and counted).
            per_talk = firing.params.minutes
            limit = np.minimum(state.care_left, np.floor(state.minutes_left / per_talk + 1e-9))
            wanted = select(engine, firing.target, engine.hour, sub=sub).sum(axis=1)
            targets = select(
                engine, firing.target, engine.hour, limit=limit.astype(np.int64), sub=sub
            )
            state.hour_care_dropped += wanted - targets.sum(axis=1)
        else:
            targets = select(engine, firing.target, engine.hour, sub=sub)
        firing.unit.start(engine, firing, targets)


def _open_and_read(engine: Engine) -> None:
    state, params = engine.state, engine.params
    # the chance is 0 outside the group, and a draw is never below 0: only members come
    came = engine.streams.uniform("open", engine.hour) < engine.open_chance()
    opened = came | (state.opened & state.present)  # events already brought their attendees in
    state.opened = opened
    state.opened_today |= opened
    # only this hour's openers read (and post, and may drift away): work on them alone
    state.openers = openers = members_of(opened)
    flat(state.last_open)[openers] = engine.hour
    if openers.size:
        _read_feed(engine, openers)
    if engine.offers.is_open.any():
        seen = (
            engine.streams.uniform_at("notice", engine.hour, openers) < params.scarcity.notice_prob
        )
        noticed = np.zeros(opened.shape, dtype=bool)
        flat(noticed)[openers[seen]] = True
        engine.show_offer(noticed)


def _read_feed(engine: Engine, readers: np.ndarray) -> None:
    """The openers (positions) read their group's feed since their last visit.

    The larger the backlog of everything posted since, the smaller the share read
    (``channel.attention``). Each kind read acts: mass notices (trust, fatigue, spam),
    member posts (peer trust, value, talk), purchase posts (herd signal, a little trust,
    awareness of the offer), shill posts, content (study), teasers (anticipation).
    """
    state, params = engine.state, engine.params
    feed = state.at(state.feed, readers)  # (n, K): the feed of each reader's group
    last_counts = flat(state.last_counts)
    new = feed - last_counts[readers]
    backlog = new[:, FEED_BACKLOG].sum(axis=1)
    reads = new * (params.channel.attention / (params.channel.attention + backlog))[:, None]
    last_counts[readers] = feed

    read_mass_messages(engine, readers, reads[:, FEED_OPERATOR])
    # Peer posts pull the reader's trust towards the posters' mean trust (DeGroot-like):
    # trusted members lift others; an untrusted crowd lifts nobody.
    n_posts = reads[:, FEED_MEMBER]
    poster_trust = reads[:, FEED_MEMBER_TRUST] / np.maximum(n_posts, 1e-9)
    pull = 1.0 - (1.0 - params.trust.peer_gain) ** n_posts
    trust = flat(state.trust)[readers]
    gap = np.maximum(poster_trust - trust, 0.0)
    raise_trust(engine, readers, pull * gap / np.maximum(1.0 - trust, 1e-9), SRC_PEERS)
    flat(state.read_posts)[readers] = n_posts
    flat(state.recent_value)[readers] += params.fatigue.peer_value * n_posts
    # Purchase posts (real or planted): the herd signal, a little trust, and awareness.
    bought_posts = reads[:, FEED_PURCHASE] + reads[:, FEED_SHILL]
    flat(state.seen_purchases)[readers] += bought_posts
    flat(state.read_shill)[readers] = reads[:, FEED_SHILL]
    # Notices and purchase posts are what make a member think of buying this hour.
    flat(state.prompts)[readers] = reads[:, FEED_OPERATOR] + bought_posts
    heard = bought_posts > 0
    if heard.any():
        hearers, posts = readers[heard], bought_posts[heard]
        raise_trust(engine, hearers, 1.0 - (1.0 - params.trust.herd_gain) ** posts, SRC_HERD)
        if engine.offers.is_open.any():  # "just bought!": the reader learns the offer exists
            aware = 1.0 - (1.0 - params.herd.aware_per_post) ** posts
            draw = engine.streams.uniform_at("aware", engine.hour, hearers)
            told = np.zeros(state.bought.shape, dtype=bool)
            flat(told)[hearers[draw < aware]] = True
            engine.show_offer(told)
    studied = reads[:, FEED_CONTENT_STUDY]
    if (studied > 0).any():
        per_piece = np.maximum(studied, 1e-12)
        read_content(
            engine,
            readers,
            studied,
            value=reads[:, FEED_CONTENT_VALUE] / per_piece,
            trust_gain=reads[:, FEED_CONTENT_TRUST] / per_piece,
        )
    teasers = reads[:, FEED_TEASER]
    if (teasers > 0).any():
        pull = reads[:, FEED_TEASER_PULL] / np.maximum(teasers, 1e-12)
        kept = (1.0 - pull) ** teasers  # each teaser read raises anticipation towards 1
        anticipation = flat(state.anticipation)
        anticipation[readers] = 1.0 - (1.0 - anticipation[readers]) * kept


def herd_pull(engine: Engine, members: np.ndarray) -> np.ndarray:
    """Pull of perceived adoption on the members: 0..conformity, Granovetter-style.

    Zero until perceived adoption passes the member's herd threshold, then rising towards
    the member's conformity.

    Perceived adoption mixes purchase posts seen in the group (saturating) with the share
    of the member's graph neighbours (who are or were members) who bought.
    """
    state, herd, traits = engine.state, engine.params.herd, engine.traits
    group_signal = 1.0 - np.exp(-flat(state.seen_purchases)[members] / herd.group_scale)
    neighbour_share = flat(state.neighbours_bought)[members] / np.maximum(
        flat(state.neighbours_member)[members], 1.0
    )
    perceived = herd.group_weight * group_signal + (1 - herd.group_weight) * neighbour_share
    # Granovetter: no pull at or below the member's own threshold; past it the pull rises
    # towards the member's conformity over a scale of threshold_width.
    excess = np.maximum(perceived - flat(traits.herd_threshold)[members], 0.0)
    width = max(herd.threshold_width, 1e-6)
    return flat(traits.conformity)[members] * -np.expm1(-excess / width)


def _purchase(engine: Engine) -> None:
    state, params, traits = engine.state, engine.params, engine.traits
    buying, list_price = params.purchase, params.product.list_price
    # Candidates: in a group, not yet bought, trusting enough, and something made them think
    # of buying this hour: a conversation or an offer seen for certain, or messages about
    # buying read (notices, purchase posts), each a chance to consider it. Nothing about
    # buying reached the others.
    reached = members_of(state.prompted | (state.prompts > 0))
    eligible = state.present_at(reached) & ~flat(state.bought)[reached]
    eligible &= flat(state.trust)[reached] >= flat(traits.trust_threshold)[reached]
    candidates = reached[eligible]
    prompts = flat(state.prompts)[candidates]
    thinking = flat(state.prompted)[candidates] | (
        engine.streams.uniform_at("consider", engine.hour, candidates)
        < -np.expm1(-buying.consider_per_message * prompts)
    )
    deciding = candidates[thinking]
    offers = engine.offers
    fallback = list_price if params.product.list_price_on_sale else np.nan
    if offers.is_open.any():
        offer_price = state.at(offers.price(engine.hour), deciding)
        on_offer = (flat(state.seen_offer)[deciding] == offers.offer_id) & ~np.isnan(offer_price)
        price = np.where(on_offer, offer_price, fallback)
        can_buy = ~np.isnan(price)  # no price: nothing on sale to this member now
        deciding, their_price, offered = deciding[can_buy], price[can_buy], on_offer[can_buy]
    elif np.isnan(fallback):  # no offer open and nothing sold at list price
        return
    else:
        their_price = np.full(deciding.shape, fallback, dtype=float)
        offered = np.zeros(deciding.shape, dtype=bool)
    if not deciding.size:
        return
    anchor = np.zeros_like(their_price)
    urgency = np.zeros_like(their_price)
    # A member who expects an offer (a teaser read) waits rather than pay the list price.
    waiting = np.where(offered, 0.0, flat(state.anticipation)[deciding])
    # Price above the member's reservation price almost rules buying out.
    price_ratio = flat(traits.price_ratio)[deciding]
    over = np.maximum(their_price / list_price / price_ratio - 1.0, 0.0)
    if offered.any():
        anchor_price = offers.anchor
        anchor = np.where(
            offered & (anchor_price > 0),
            (anchor_price - their_price) / max(anchor_price, 1e-9),
            0.0,
        )
        offer_urgency = state.at(
            offers.urgency(engine.hour, params.scarcity.deadline_tau_hours), deciding
        )
        urgency = np.where(offered, offer_urgency, 0.0)
    weights = (params.memory.weight_first, params.memory.weight_peak, params.memory.weight_final)
    logit = (
        buying.intercept
        + flat(traits.propensity)[deciding]
        + buying.trust * flat(state.trust)[deciding]
        + buying.need * flat(traits.need)[deciding]
        + buying.herd * herd_pull(engine, deciding)
        + buying.urgency * urgency
        + buying.anchor * anchor
        + buying.price * (price_ratio - their_price / list_price)
        + buying.memory * state.memory(deciding, weights)
        + buying.fatigue * flat(state.fatigue)[deciding]
        - buying.reservation * over
        - buying.wait * waiting
    )
    buys = _accumulate_hazard(engine, deciding, _sigmoid(logit))
    offer_buys = buys & offered
    if not offer_buys.any():  # no offer sales this hour: nothing to count against a quota
        _complete_purchases(engine, deciding[buys], their_price[buys])
        return
    remaining = offers.remaining()
    sales = state.group_sums(deciding[offer_buys])
    if np.isfinite(remaining).any() and (sales > remaining).any():
        limit = np.where(np.isfinite(remaining), remaining, state.slots).astype(np.int64)
        score = engine.streams.uniform("quota_order", engine.hour)
        offer_buy = np.zeros(state.bought.shape, dtype=bool)
        flat(offer_buy)[deciding[offer_buys]] = True
        keep = top_per_group(offer_buy, score, state.group, limit)  # each group's own units
        turned_away = offer_buys & ~flat(keep)[deciding]
        flat(state.hazard)[deciding[turned_away]] = 0.0  # sold out before their turn: clock again
        buys &= ~turned_away
        offer_buys &= ~turned_away
        sales = state.group_sums(deciding[offer_buys])
    _complete_purchases(engine, deciding[buys], their_price[buys])
    offers.record_sales(sales.astype(np.int64))


def _accumulate_hazard(engine: Engine, members: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """Add this hour's purchase hazard; members whose sum passes their clock buy.

    Buying in an hour with chance p is drawn as: the summed hazard -log(1 - p) passes the
    member's Exp(1) purchase clock, drawn once. Hour by hour this is the same Bernoulli(p)
    (survival is the product of 1 - p), but the member who "would buy anyway" is the same
    member under every strategy, which pairs strategy comparisons far more tightly than
    fresh draws each hour.
    """
    hazard = flat(engine.state.hazard)
    hazard[members] += -np.log1p(-np.minimum(chance, 1.0 - 1e-12))
    return hazard[members] >= flat(engine.traits.purchase_clock)[members]


def _complete_purchases(engine: Engine, buyers: np.ndarray, price: np.ndarray | float) -> None:
    """The members at positions ``buyers`` buy, each at its ``price`` (or one for all)."""
    state = engine.state
    if not buyers.size:
        return
    price = np.asarray(price, dtype=float)
    if price.ndim == 0:
        price = np.full(buyers.shape, price)
    flat(state.bought)[buyers] = True
    flat(state.buy_hour)[buyers] = engine.hour
    flat(state.paid)[buyers] = price
    replicate = state.replicate_of(buyers)
    revenue = np.bincount(replicate, price, engine.replicates)
    state.revenue += revenue
    state.hour_purchases += np.bincount(replicate, minlength=engine.replicates)
    state.hour_revenue += revenue
    state.bought_now = buyers
    # each buyer adds one to each of its neighbours' count (a few ties: no pass over all)
    np.add.at(flat(state.neighbours_bought), neighbour_list(engine.adjacency, buyers), 1.0)


def _post(engine: Engine) -> None:
    state, params, traits = engine.state, engine.params, engine.traits
    openers = state.openers  # only this hour's openers post
    boost = 1.0 + flat(state.excitement)[openers]
    ugc = state.ugc_until > engine.hour
    if ugc.any():
        boost = boost * np.where(state.at(ugc, openers), params.channel.ugc_boost, 1.0)
    boost = boost * np.where(flat(state.kol)[openers], params.advocacy.kol_share_boost, 1.0)
    # Talk begets talk: a member who just read others' posts is likelier to post.
    read = flat(state.read_posts)[openers]
    boost = boost * (1.0 + params.channel.talk_boost * read / (read + params.channel.talk_scale))
    layer = flat(traits.layer)[openers]
    chance = np.minimum(1.0, np.asarray(params.channel.post_prob)[layer] * boost)
    engine.post(openers[engine.streams.uniform_at("post", engine.hour, openers) < chance])
    if state.bought_now.size:
        buyers = state.bought_now
        chance = np.asarray(params.channel.announce_prob)[flat(traits.layer)[buyers]]
        told = engine.streams.uniform_at("announce", engine.hour, buyers) < chance
        n = state.group_sums(buyers[told])
        state.feed[:, :, FEED_PURCHASE] += n
        state.buzz += n
        state.hour_messages[:, MSG_MEMBERS] += n.sum(axis=1)


def _advocacy(engine: Engine) -> None:
    state, params = engine.state, engine.params
    owners = members_of(state.bought & ~state.shared & state.present)
    if not owners.size:
        return
    base = np.log(params.advocacy.share_prob / (1 - params.advocacy.share_prob))
    weights = (params.memory.weight_first, params.memory.weight_peak, params.memory.weight_final)
    memory = state.memory(owners, weights)
    chance = _sigmoid(base + params.advocacy.share_memory * memory)
    boost = np.where(flat(state.kol)[owners], params.advocacy.kol_share_boost, 1.0)
    chance = np.minimum(1.0, chance * boost)
    sharers = owners[engine.streams.uniform_at("share", engine.hour, owners) < chance]
    flat(state.shared)[sharers] = True
    engine.invite(sharers)


def _status(engine: Engine) -> None:
    state, params, traits = engine.state, engine.params, engine.traits
    mute = (state.status == ACTIVE) & (state.fatigue >= traits.fatigue_threshold)
    if mute.any():
        state.status[mute] = DORMANT
    # Drift: a visit that finds too little value lately (nothing good experienced, nobody
    # talking), or that tires a member of study, may end in muting the group.
    visitors = state.openers[flat(state.status)[state.openers] == ACTIVE]
    if visitors.size:
        fatigue = params.fatigue
        lack = np.minimum(np.exp(-flat(state.recent_value)[visitors] / fatigue.value_scale), 3.0)
        chance = fatigue.drift_per_visit * (
            lack + fatigue.study_drift * flat(state.study_fatigue)[visitors]
        )
        drift = engine.streams.uniform_at("drift", engine.hour, visitors) < chance
        flat(state.status)[visitors[drift]] = DORMANT
    may_leave = (state.status == DORMANT) & (state.trust < params.fatigue.leave_trust)
    if may_leave.any():
        muted = members_of(may_leave)
        leave = engine.streams.uniform_at("leave", engine.hour, muted) < params.fatigue.leave_prob
        flat(state.status)[muted[leave]] = LEFT


def _ladder(engine: Engine) -> None:
    state = engine.state
    cuts = engine.stage_cut
    by_trust = (state.trust >= cuts[0]).view(np.int8).copy()  # stages 0-4 from trust
    for cut in cuts[1:]:
        by_trust += (state.trust >= cut).view(np.int8)
    stage = np.maximum(state.stage, by_trust)  # up only...
    if state.trust_shocked.any():  # ...except after a trust shock
        stage = np.where(state.trust_shocked, by_trust, stage)
    np.maximum(stage, state.bought.view(np.int8) * np.int8(STAGE_BOUGHT), out=stage)
    np.maximum(stage, state.shared.view(np.int8) * np.int8(STAGE_SHARED), out=stage)
    stage *= state.ever_member  # outside contacts: no stage
    state.stage = stage


def _bass(engine: Engine) -> None:
    """The Bass limit (docs/limits.md): constant innovation plus imitation, fully mixed."""
    state, buying = engine.state, engine.params.purchase
    _new_hour(engine)
    members = state.ever_member.sum(axis=1)
    share = (state.bought & state.ever_member).sum(axis=1) / np.maximum(members, 1)
    hazard = 1.0 - np.exp(-(buying.bass_p + buying.bass_q * share) / 24.0)
    waiting = members_of(state.present & ~state.bought)
    buys = _accumulate_hazard(engine, waiting, hazard[state.replicate_of(waiting)])
    _complete_purchases(engine, waiting[buys], engine.params.product.list_price)
    _ladder(engine)
