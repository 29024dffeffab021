"""The engine's mutable state: arrays shaped (replicates, slots) or (replicates, groups).

A *slot* is a member's permanent index. Slots ``0 .. members-1`` start in a group; the
rest are outside contacts who can join through referrals. Status codes: -1 outside (not
joined), 0 active, 1 dormant (muted the group), 2 left. A member is in one group at a time
(``group``); members who left keep the index of the group they left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OUTSIDE, ACTIVE, DORMANT, LEFT = -1, 0, 1, 2

# Kinds of message counted in a group's feed (cumulative counters). The first six are what
# a reader counts as the backlog that buries messages (everything posted); the rest are
# weights carried by those posts.
FEED_OPERATOR = 0  # mass notices, teasers, offer notices
FEED_MEMBER = 1  # member posts (questions, progress, praise)
FEED_PURCHASE = 2  # real buyers' purchase posts
FEED_SHILL = 3  # shill accounts' purchase posts and praise
FEED_CONTENT = 4  # content pieces (materials, lessons) posted in the group
FEED_TEASER = 5  # teasers posted in the group
FEED_MEMBER_TRUST = 6  # the member posts, each weighted by its poster's trust
FEED_CONTENT_STUDY = 7  # the content pieces, each weighted by the chance a reader studies it
FEED_CONTENT_VALUE = 8  # ... weighted by study chance x experience value
FEED_CONTENT_TRUST = 9  # ... weighted by study chance x trust gain
FEED_TEASER_PULL = 10  # the teasers, each weighted by the anticipation it raises
FEED_KINDS = 11
FEED_BACKLOG = slice(FEED_OPERATOR, FEED_TEASER + 1)  # the kinds that make up the backlog

# Trust-ladder stages past those that follow trust (0-4, cut by ``trust.stage_thresholds``).
STAGE_BOUGHT, STAGE_SHARED = 5, 6

# Columns of the per-hour message counts (``Engine.hour_messages``).
MESSAGE_KINDS: tuple[str, ...] = ("operator", "members", "shills")
MSG_OPERATOR, MSG_MEMBERS, MSG_SHILLS = range(len(MESSAGE_KINDS))

# Where trust gains come from (``State.trust_gain``'s last axis).
SOURCES: tuple[str, ...] = ("operator", "content", "events", "peers", "herd")
SRC_OPERATOR, SRC_CONTENT, SRC_EVENTS, SRC_PEERS, SRC_HERD = range(len(SOURCES))


def members_of(mask: np.ndarray) -> np.ndarray:
    """Positions of the true entries of a (replicates, slots) mask, replicate by replicate.

    A position is ``replicate * slots + slot``: the index of the member in the arrays seen
    through ``flat``. The step works on the positions of the members a process concerns
    (this hour's openers, buyers...), never on every slot, and reads and writes them with
    ``flat(array)[members]``: one-dimensional gathers, several times cheaper than indexing
    by (replicate, slot) pairs.
    """
    return np.flatnonzero(mask)


def flat(array: np.ndarray) -> np.ndarray:
    """A per-member array (replicates, slots[, k]) seen as (replicates * slots[, k]).

    A view, so writes through it change ``array``: the engine's arrays are C-contiguous
    (``tests/test_engine_invariants.py`` checks it after a run of every touchpoint), and so
    they must stay (a copy would silently lose the writes). The hot step calls this about
    a hundred times an hour, hence no check here.
    """
    return array.ravel() if array.ndim == 2 else array.reshape(-1, *array.shape[2:])


def _full(shape: tuple[int, ...], value: float | int, dtype: type) -> np.ndarray:
    return np.full(shape, value, dtype=dtype)


@dataclass
class State:
    """Everything that changes during a run."""

    replicates: int
    slots: int
    groups: int = 1
    # --- per member (replicates, slots)
    status: np.ndarray = field(init=False)
    group: np.ndarray = field(init=False)  # index of the member's group
    join_hour: np.ndarray = field(init=False)
    trust: np.ndarray = field(init=False)
    stage: np.ndarray = field(init=False)
    fatigue: np.ndarray = field(init=False)
    bought: np.ndarray = field(init=False)
    buy_hour: np.ndarray = field(init=False)
    paid: np.ndarray = field(init=False)  # price paid
    hazard: np.ndarray = field(init=False)  # purchase hazard summed over eligible hours
    shared: np.ndarray = field(init=False)
    kol: np.ndarray = field(init=False)  # cultivated key opinion leader
    shill_detected: np.ndarray = field(init=False)
    mem_first: np.ndarray = field(init=False)
    mem_peak: np.ndarray = field(init=False)
    mem_final: np.ndarray = field(init=False)
    mem_any: np.ndarray = field(init=False)
    broadcasts_read: np.ndarray = field(init=False)
    content_load: np.ndarray = field(init=False)
    study_fatigue: np.ndarray = field(init=False)  # tiredness from study (apart from notices)
    recent_value: np.ndarray = field(init=False)  # value experienced lately (fades)
    care_count: np.ndarray = field(init=False)  # one-to-one conversations received so far
    last_care: np.ndarray = field(init=False)  # hour of the latest one
    read_posts: np.ndarray = field(init=False)  # member posts read this hour
    trust_gain: np.ndarray = field(init=False)  # (R, S, SOURCES) trust gained, by source
    seen_purchases: np.ndarray = field(init=False)
    seen_offer: np.ndarray = field(init=False)  # id of the latest offer the member saw
    anticipation: np.ndarray = field(init=False)
    excitement: np.ndarray = field(init=False)
    last_open: np.ndarray = field(init=False)
    opened: np.ndarray = field(init=False)  # opened the group this hour
    opened_today: np.ndarray = field(init=False)
    read_shill: np.ndarray = field(init=False)  # shill posts read this hour
    prompts: np.ndarray = field(init=False)  # messages about buying read this hour
    prompted: np.ndarray = field(init=False)  # told of buying for certain this hour (care, offer)
    last_counts: np.ndarray = field(init=False)  # (R, S, FEED_KINDS) feed seen at last visit
    trust_shocked: np.ndarray = field(init=False)  # trust fell this hour (stage may fall too)
    # neighbours who bought / who are or were members (the herd signal's share), kept up to
    # date when someone buys or joins
    neighbours_bought: np.ndarray = field(init=False)
    neighbours_member: np.ndarray = field(init=False)
    # --- per group (replicates, groups)
    feed: np.ndarray = field(init=False)  # (R, G, FEED_KINDS) cumulative
    ugc_until: np.ndarray = field(init=False)
    buzz: np.ndarray = field(init=False)  # recent member and purchase posts (fading count)
    group_open: np.ndarray = field(init=False)  # the group exists (opened at the start or later)
    group_opened: np.ndarray = field(init=False)  # hour it opened (-1: not opened)
    # --- operator, per replicate
    care_left: np.ndarray = field(init=False)
    minutes_left: np.ndarray = field(init=False)  # staff minutes left today
    minutes: np.ndarray = field(init=False)
    money: np.ndarray = field(init=False)
    revenue: np.ndarray = field(init=False)
    # --- this hour's counts, per replicate (cleared at the start of every hour)
    hour_messages: np.ndarray = field(init=False)  # (R, 3): MSG_OPERATOR, MSG_MEMBERS, MSG_SHILLS
    hour_minutes_dropped: np.ndarray = field(init=False)  # staff minutes a task lacked
    hour_care_dropped: np.ndarray = field(init=False)  # care the rules wanted, not given
    hour_joins: np.ndarray = field(init=False)
    hour_purchases: np.ndarray = field(init=False)
    hour_revenue: np.ndarray = field(init=False)
    bought_now: np.ndarray = field(init=False)  # positions of this hour's buyers
    openers: np.ndarray = field(init=False)  # positions of this hour's openers (once read)
    invites_this_hour: int = field(init=False)  # invite rounds so far (their draws' sub-counter)

    def __post_init__(self) -> None:
        rs = (self.replicates, self.slots)
        rg = (self.replicates, self.groups)
        r = (self.replicates,)
        self.status = _full(rs, OUTSIDE, np.int8)
        self.group = _full(rs, 0, np.int32)
        self.join_hour = _full(rs, -1, np.int32)
        self.trust = _full(rs, 0.0, np.float64)
        self.stage = _full(rs, 0, np.int8)
        self.fatigue = _full(rs, 0.0, np.float64)
        self.bought = _full(rs, False, bool)
        self.buy_hour = _full(rs, -1, np.int32)
        self.paid = _full(rs, 0.0, np.float64)
        self.hazard = _full(rs, 0.0, np.float64)
        self.shared = _full(rs, False, bool)
        self.kol = _full(rs, False, bool)
        self.shill_detected = _full(rs, False, bool)
        self.mem_first = _full(rs, 0.0, np.float64)
        self.mem_peak = _full(rs, 0.0, np.float64)
        self.mem_final = _full(rs, 0.0, np.float64)
        self.mem_any = _full(rs, False, bool)
        self.broadcasts_read = _full(rs, 0.0, np.float64)
        self.content_load = _full(rs, 0.0, np.float64)
        self.study_fatigue = _full(rs, 0.0, np.float64)
        self.recent_value = _full(rs, 0.0, np.float64)
        self.care_count = _full(rs, 0, np.int32)
        self.last_care = _full(rs, -(10**6), np.int32)
        self.read_posts = _full(rs, 0.0, np.float64)
        self.trust_gain = _full((*rs, len(SOURCES)), 0.0, np.float64)
        self.seen_purchases = _full(rs, 0.0, np.float64)
        self.seen_offer = _full(rs, -1, np.int32)
        self.anticipation = _full(rs, 0.0, np.float64)
        self.excitement = _full(rs, 0.0, np.float64)
        self.last_open = _full(rs, -(10**6), np.int32)
        self.opened = _full(rs, False, bool)
        self.opened_today = _full(rs, False, bool)
        self.read_shill = _full(rs, 0.0, np.float64)
        self.prompts = _full(rs, 0.0, np.float64)
        self.prompted = _full(rs, False, bool)
        self.last_counts = _full((*rs, FEED_KINDS), 0.0, np.float64)
        self.feed = _full((*rg, FEED_KINDS), 0.0, np.float64)
        self.ugc_until = _full(rg, -1, np.int32)
        self.buzz = _full(rg, 0.0, np.float64)
        self.group_open = _full(rg, False, bool)
        self.group_opened = _full(rg, -1, np.int32)
        self.care_left = _full(r, 0, np.int64)
        self.minutes_left = _full(r, 0.0, np.float64)
        self.minutes = _full(r, 0.0, np.float64)
        self.money = _full(r, 0.0, np.float64)
        self.revenue = _full(r, 0.0, np.float64)
        self.trust_shocked = _full(rs, False, bool)
        self.neighbours_bought = _full(rs, 0.0, np.float64)
        self.neighbours_member = _full(rs, 0.0, np.float64)
        self.hour_messages = _full((*r, len(MESSAGE_KINDS)), 0.0, np.float64)
        self.hour_minutes_dropped = _full(r, 0.0, np.float64)
        self.hour_care_dropped = _full(r, 0, np.int64)
        self.hour_joins = _full(r, 0, np.int64)
        self.hour_purchases = _full(r, 0, np.int64)
        self.hour_revenue = _full(r, 0.0, np.float64)
        self.bought_now = np.zeros(0, dtype=np.int64)
        self.openers = np.zeros(0, dtype=np.int64)
        self.invites_this_hour = 0

    def start_hour(self) -> None:
        """Clear what counts or flags a single hour (this hour's readers, messages, sales...)."""
        self.opened[:] = False
        self.read_shill[:] = 0.0
        self.prompts[:] = 0.0
        self.prompted[:] = False
        self.read_posts[:] = 0.0
        self.trust_shocked[:] = False
        self.hour_messages[:] = 0.0
        self.hour_minutes_dropped[:] = 0.0
        self.hour_care_dropped[:] = 0
        self.hour_joins[:] = 0
        self.hour_purchases = np.zeros(self.replicates, dtype=np.int64)
        self.hour_revenue = np.zeros(self.replicates)
        self.bought_now = self.bought_now[:0]
        self.openers = self.openers[:0]
        self.invites_this_hour = 0

    @property
    def present(self) -> np.ndarray:
        """Members in the group now (active or dormant)."""
        return self.status.view(np.uint8) < 2  # ACTIVE 0 or DORMANT 1 (OUTSIDE -1 is 255)

    def present_at(self, members: np.ndarray) -> np.ndarray:
        """``present`` for the members' positions only."""
        return flat(self.status)[members].view(np.uint8) < 2

    @property
    def ever_member(self) -> np.ndarray:
        """Everyone who was a member at some point (present or left)."""
        return self.status != OUTSIDE

    def per_member(self, by_group: np.ndarray) -> np.ndarray:
        """Spread a (replicates, groups[, k]) array onto members through their group.

        Returns an array that broadcasts to (replicates, slots[, k]): with one group, the
        (replicates, 1[, k]) input itself (no copy), for use in arithmetic with member arrays.
        """
        if by_group.shape[1] == 1:
            return by_group
        if by_group.ndim == 2:
            return np.take_along_axis(by_group, self.group, axis=1)
        return by_group[np.arange(self.replicates)[:, None], self.group]

    def replicate_of(self, members: np.ndarray) -> np.ndarray:
        """The replicate of each member position (see ``members_of``)."""
        return members // self.slots

    def at(self, by_group: np.ndarray, members: np.ndarray) -> np.ndarray:
        """Values of a (replicates, groups[, k]) array for the members' groups."""
        index = self.replicate_of(members) * self.groups + flat(self.group)[members]
        return by_group.reshape(-1, *by_group.shape[2:])[index]

    def group_counts(self, values: np.ndarray) -> np.ndarray:
        """Sum per-member values (or count a mask) into (replicates, groups), as floats.

        Only the nonzero entries are visited, so sparse inputs (this hour's posters or
        buyers) cost little however many members there are.
        """
        if self.groups == 1:
            return values.sum(axis=1, keepdims=True, dtype=float)
        if np.count_nonzero(values) * 8 > values.size:  # dense: one pass over every slot
            size = self.replicates * self.groups
            out = np.bincount(self._group_index(), weights=values.ravel(), minlength=size)
            return out.reshape(self.replicates, self.groups)
        members = members_of(values)
        return self.group_sums(members, None if values.dtype == bool else flat(values)[members])

    def seat(self, members: np.ndarray, groups: np.ndarray) -> None:
        """Put the members (positions) in the given groups (one index each)."""
        flat(self.group)[members] = groups
        self._index_cache = None  # the slots' group index is stale

    def _group_index(self) -> np.ndarray:
        """Flat (replicate, group) index of every slot, cached until ``group`` changes.

        (``group`` is replaced by a new array, or ``seat`` moves members and drops the cache.)
        """
        cached = getattr(self, "_index_cache", None)
        if cached is None or cached[0] is not self.group:
            index = (np.arange(self.replicates)[:, None] * self.groups + self.group).ravel()
            self._index_cache = (self.group, index)
            return index
        return cached[1]

    def group_sums(self, members: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Sum ``weights`` (default 1) of the members into (replicates, groups)."""
        index = self.replicate_of(members) * self.groups + flat(self.group)[members]
        size = self.replicates * self.groups
        out = np.bincount(index, weights=weights, minlength=size).astype(float)
        return out.reshape(self.replicates, self.groups)

    def memory(self, members: np.ndarray, weights: tuple[float, float, float]) -> np.ndarray:
        """Remembered experience of the members: first, peak and final moments, weighted.

        A member with no noticeable moment yet remembers 0.
        """
        w_first, w_peak, w_final = weights
        value = (
            w_first * flat(self.mem_first)[members]
            + w_peak * flat(self.mem_peak)[members]
            + w_final * flat(self.mem_final)[members]
        )
        return np.where(flat(self.mem_any)[members], value, 0.0)

    def add_moment(self, members: np.ndarray, value: np.ndarray, threshold: float) -> None:
        """Record an experienced moment for each member, one value each.

        A moment weaker than ``threshold`` (in absolute value) is not noticed: it neither
        starts the memory nor replaces its peak or final moment (peak-end rule).
        """
        felt = np.abs(value) >= threshold
        if not felt.all():
            members, value = members[felt], value[felt]
            if not members.size:
                return
        first_, peak, final, any_ = (
            flat(self.mem_first),
            flat(self.mem_peak),
            flat(self.mem_final),
            flat(self.mem_any),
        )
        first = ~any_[members]
        first_[members[first]] = value[first]
        new_peak = first | (np.abs(value) > np.abs(peak[members]))
        peak[members[new_peak]] = value[new_peak]
        final[members] = value
        any_[members] = True
