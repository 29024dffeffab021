"""A running line of plain text saying what just happened in a community.

:class:`Narrator` reads a ``CommunityModel``'s schedule and recorder after each step and
adds short sentences for a class: a limited offer opening and how many bought in its
first six hours, events and shills starting, the first purchase, members who saw through
shills, and a summary at the end of each day. It never changes the model.
"""

from __future__ import annotations

from sim.mesa_view.agents import ROW
from sim.mesa_view.model import CommunityModel

FIRST_HOURS = 6  # an offer's first hours, reported once they have passed

_STARTS = {
    "event": "a group event: members meet, share and post",
    "teaser": "a teaser hints at what is coming",
    "referral_campaign": "a referral campaign asks members to invite friends",
    "ugc_prompt": "members are asked to post their own stories",
}


def when(hour: int) -> str:
    """``"day D, HH:00"`` for a campaign hour (0-based)."""
    return f"day {hour // 24 + 1}, {hour % 24:02d}:00"


def day_of(hour: int) -> str:
    """``"day D"`` for a campaign hour (0-based)."""
    return f"day {hour // 24 + 1}"


class Narrator:
    """Plain-text lines about one community, updated hour by hour.

    Args:
        model: the community to narrate; :meth:`update` catches up with its hours.
    """

    def __init__(self, model: CommunityModel) -> None:
        self.model = model
        self.lines: list[str] = []
        self._seen = 0  # hours narrated
        self._buyers = 0
        self._detected = 0
        self._day_start = (0, 0, 0)  # buyers, dormant, left at the start of the day
        self._offer_reports: dict[int, int] = {}  # hour to report -> opening hour
        self._offer_ends: dict[int, int] = {}  # last hour of an offer -> opening hour
        self._lines_at_day_start = 0
        self._limited: dict[int, bool] = {}  # opening hour -> limited in time or quantity
        self._ended = False

    @property
    def latest(self) -> str:
        """The newest line ("" before anything happened)."""
        return self.lines[-1] if self.lines else ""

    def update(self) -> None:
        """Add the lines for every hour simulated since the last update."""
        engine = self.model.engine
        while self._seen < engine.hour:
            self._narrate(self._seen)
            self._seen += 1
        if engine.done and self._seen == engine.hours and not self._ended:
            self._ended = True
            buyers, ever = self._counts()[0], int(engine.state.ever_member[ROW].sum())
            self.lines.append(
                f"the campaign is over: {buyers} of {ever} members bought "
                f"({buyers / max(ever, 1):.0%})"
            )

    def _counts(self) -> tuple[int, int, int]:
        s, rec = self.model.engine.state, self.model.engine.recorder
        buyers = int((s.bought[ROW] & s.ever_member[ROW]).sum())
        hour = self.model.engine.hour
        status = rec.status[hour - 1, ROW] if hour else (0, 0, 0)
        return buyers, int(status[1]), int(status[2])

    def _narrate(self, hour: int) -> None:
        engine, rec = self.model.engine, self.model.engine.recorder
        for firing in engine.schedule.starting(hour):
            kind = firing.unit.name
            if kind == "offer":
                self._limited[hour] = bool(firing.params.duration_hours or firing.params.quota)
                self.lines.append(f"{when(hour)}: {_offer_text(firing.params)}")
                self._offer_reports[hour + FIRST_HOURS - 1] = hour
                if firing.end - 1 > hour + FIRST_HOURS - 1 and firing.end < engine.hours:
                    self._offer_ends[firing.end - 1] = hour
            elif kind == "shills":
                p = firing.params
                self.lines.append(
                    f"{when(hour)}: {p.accounts} shill accounts start posting fake purchases"
                )
            elif kind in _STARTS:
                self.lines.append(f"{when(hour)}: {_STARTS[kind]}")
        bought_now = int(rec.purchases[hour, ROW])
        if self._buyers == 0 and bought_now > 0:
            self.lines.append(f"{when(hour)}: the first purchase")
        self._buyers += bought_now
        if hour in self._offer_reports:
            start = self._offer_reports.pop(hour)
            sold = int(rec.purchases[start : hour + 1, ROW].sum())
            kind = "limited offer" if self._limited.get(start) else "offer"
            self.lines.append(
                f"{day_of(start)}: {kind} opened, {sold} bought in {FIRST_HOURS} hours"
            )
        if hour in self._offer_ends:
            start = self._offer_ends.pop(hour)
            sold = int(rec.purchases[start : hour + 1, ROW].sum())
            self.lines.append(f"{day_of(hour)}: the offer closed; {sold} bought while it ran")
        if hour % 24 == 23:
            self._end_of_day(hour)

    def _end_of_day(self, hour: int) -> None:
        s, rec = self.model.engine.state, self.model.engine.recorder
        buyers = int((s.bought[ROW] & s.ever_member[ROW]).sum())
        dormant, left = (int(x) for x in rec.status[hour, ROW, 1:])
        b0, d0, l0 = self._day_start
        self._day_start = (buyers, dormant, left)
        detected = int((s.shill_detected[ROW] & s.ever_member[ROW]).sum())
        parts = []
        if buyers > b0:
            parts.append(f"{buyers - b0} bought")
        if dormant > d0:
            parts.append(f"{dormant - d0} muted the group")
        if left > l0:
            parts.append(f"{left - l0} left")
        if detected > self._detected:
            parts.append(f"{detected - self._detected} saw through the shills")
        self._detected = detected
        if parts:
            self.lines.append(f"{day_of(hour)}: {', '.join(parts)}")
        elif len(self.lines) == self._lines_at_day_start:
            self.lines.append(f"{day_of(hour)}: a quiet day")
        self._lines_at_day_start = len(self.lines)


def _offer_text(terms: object) -> str:
    price = getattr(terms, "price", 0.0)
    anchor = getattr(terms, "anchor", 0.0)
    hours = getattr(terms, "duration_hours", 0)
    quota = getattr(terms, "quota", 0)
    text = f"an offer opens at {price:,.0f}"
    if anchor:
        text += f" (was {anchor:,.0f})"
    text += f", {hours} hours to buy" if hours else ", open until the end"
    if quota:
        text += f", only {quota} places"
    if getattr(terms, "announce", "group") == "private":
        text += ", sent privately"
    return text
