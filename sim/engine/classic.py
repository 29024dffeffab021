"""Classic diffusion limits of the model: linear threshold and independent cascade.

The model has three classic limits, reached by switching its mechanisms off (docs/limits.md).
Bass lives in ``sim.engine.step``; the two network limits live here and run when
``purchase.model`` is ``threshold`` or ``cascade`` (parameters: ``ModelParams.classic``):

- **Linear threshold** (Granovetter 1978; Kempe, Kleinberg and Tardos 2003): every member
  has a threshold theta in [0, 1]. In each round a member who has not adopted adopts when
  the share of its member neighbours who had adopted at the start of the round is at least
  theta (members without member neighbours never adopt). Deterministic once the thresholds
  and first adopters are fixed.
- **Independent cascade** (Goldenberg, Libai and Muller 2001): each member who adopted in
  the previous round gets one chance to convert each neighbour who has not adopted, with
  probability ``cascade_prob``. A member with k new adopter neighbours adopts with chance
  1 - (1 - p)^k, one draw per member per round: the same law as k separate trials.

Only the members (slots ``0 .. members-1``) take part; outside contacts never join because
no referral runs. The first adopters adopt at hour 0; one synchronous round runs every
``round_hours`` hours after that (hours ``round_hours``, ``2 round_hours``, ...), so round
n ends at hour ``n * round_hours``. An adopter buys once at the list price, so conversion
and revenue are read as in every other run. No touchpoint, reading, trust, herd, fatigue,
memory, advocacy or leaving runs. All draws come from the engine's streams.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import betaincinv

from .graph import neighbour_counts
from .params import ModelParams
from .validation import ConfigError

if TYPE_CHECKING:
    from .engine import Engine

MODELS: tuple[str, ...] = ("threshold", "cascade")
THRESHOLDS: tuple[str, ...] = ("uniform", "beta", "fixed", "file")
SEEDINGS: tuple[str, ...] = ("degree", "random", "file")


# ----------------------------------------------------------------------- inputs
def _read_csv(path: str, field: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    where = f"classic.{field}={path!r}"
    if not path:
        raise ConfigError(
            f"classic.{field}: empty; give a CSV file with columns {','.join(columns)}"
        )
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{where}: no such file")
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            found = [c.strip() for c in (reader.fieldnames or [])]
            missing = [c for c in columns if c not in found]
            if missing:
                raise ConfigError(
                    f"{where}: header must name the column(s) {', '.join(columns)}, "
                    f"found {found or 'no header'}"
                )
            return [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{where}: not a readable CSV file ({exc})") from exc


def _member(text: str, members: int, where: str, line: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < members:
        raise ConfigError(
            f"{where}: line {line}: member = {text!r}: must be a member number from 0 to "
            f"{members - 1}"
        )
    return value


def read_thresholds(path: str, members: int) -> np.ndarray:
    """Read per-member thresholds from a CSV file with columns ``member,threshold``.

    Args:
        path: the file; ``member`` is the member's slot number (0 .. members-1, the
            ``member`` column of the run's tables), each member exactly once.
        members: members at the start.

    Returns:
        Array (members,) of thresholds in [0, 1].

    Raises:
        ConfigError: a missing file or column, a bad member number, a threshold outside
            [0, 1], or a member listed twice or not at all.
    """
    where = f"classic.threshold_file={path!r}"
    rows = _read_csv(path, "threshold_file", ("member", "threshold"))
    theta = np.full(members, np.nan)
    for line, row in enumerate(rows, start=2):
        m = _member(row["member"], members, where, line)
        try:
            value = float(row["threshold"])
        except ValueError:
            value = np.nan
        if not 0.0 <= value <= 1.0:
            raise ConfigError(
                f"{where}: line {line}: threshold = {row['threshold']!r}: must be a number "
                "from 0 to 1"
            )
        if not np.isnan(theta[m]):
            raise ConfigError(f"{where}: line {line}: member {m} is listed twice")
        theta[m] = value
    missing = np.flatnonzero(np.isnan(theta))
    if missing.size:
        shown = ", ".join(str(i) for i in missing[:5]) + (" ..." if missing.size > 5 else "")
        raise ConfigError(
            f"{where}: {missing.size} member(s) without a threshold ({shown}); list every "
            f"member 0 .. {members - 1} once"
        )
    return theta


def read_seeds(path: str, members: int) -> np.ndarray:
    """Read the first adopters from a CSV file with a column ``member`` (slot numbers).

    Returns:
        Sorted unique member numbers.

    Raises:
        ConfigError: a missing file or column, a bad member number, or no rows.
    """
    where = f"classic.seed_file={path!r}"
    rows = _read_csv(path, "seed_file", ("member",))
    seeds = [_member(r["member"], members, where, i) for i, r in enumerate(rows, start=2)]
    if not seeds:
        raise ConfigError(f"{where}: no first adopters listed")
    return np.unique(np.asarray(seeds, dtype=np.int64))


def check_classic(p: ModelParams) -> None:
    """Check ``classic`` settings (and read its files) when a classic limit is chosen.

    Raises:
        ConfigError: naming the field and what is allowed.
    """
    if p.purchase.model not in MODELS:
        return
    c, members = p.classic, p.population.members
    if c.round_hours < 1:
        raise ConfigError(f"classic.round_hours = {c.round_hours}: must be at least 1")
    if c.seeding not in SEEDINGS:
        raise ConfigError(
            f"classic.seeding = {c.seeding!r}: allowed values are {', '.join(SEEDINGS)}"
        )
    if c.seeding == "file":
        read_seeds(c.seed_file, members)
    elif not 0 <= c.seed_count <= members:
        raise ConfigError(
            f"classic.seed_count = {c.seed_count}: must be from 0 to population.members ({members})"
        )
    if p.purchase.model == "cascade":
        if not 0.0 <= c.cascade_prob <= 1.0:
            raise ConfigError(
                f"classic.cascade_prob = {c.cascade_prob!r}: must be a chance from 0 to 1"
            )
        return
    if c.thresholds not in THRESHOLDS:
        raise ConfigError(
            f"classic.thresholds = {c.thresholds!r}: allowed values are {', '.join(THRESHOLDS)}"
        )
    if c.thresholds == "file":
        read_thresholds(c.threshold_file, members)
    elif c.thresholds in ("fixed", "beta") and not 0.0 <= c.threshold_mean <= 1.0:
        raise ConfigError(f"classic.threshold_mean = {c.threshold_mean!r}: must be from 0 to 1")
    if c.thresholds == "beta" and c.threshold_concentration <= 0:
        raise ConfigError(
            f"classic.threshold_concentration = {c.threshold_concentration!r}: must be above 0"
        )


# ----------------------------------------------------------------------- set-up
def thresholds(e: Engine) -> np.ndarray:
    """Every slot's threshold, (replicates, slots); outside contacts get +inf."""
    c, members = e.params.classic, e.members
    theta = np.full((e.replicates, e.slots), np.inf)
    if c.thresholds == "file":
        theta[:, :members] = read_thresholds(c.threshold_file, members)
    elif c.thresholds == "fixed":
        theta[:, :members] = c.threshold_mean
    else:
        u = e.streams.uniform("classic_threshold", 0, precise=True)[:, :members]
        if c.thresholds == "uniform":
            theta[:, :members] = u
        else:
            mean = min(max(c.threshold_mean, 1e-3), 1 - 1e-3)
            k = c.threshold_concentration
            theta[:, :members] = betaincinv(mean * k, (1 - mean) * k, u)
    return theta


def first_adopters(e: Engine) -> np.ndarray:
    """The first adopters as a (replicates, slots) mask.

    ``degree``: the ``seed_count`` members with the most member neighbours (ties: the lower
    slot number first); ``random``: ``seed_count`` members drawn uniformly (the stream
    ``classic_seed``); ``file``: the members listed in ``seed_file``, in every replicate.
    """
    c, members = e.params.classic, e.members
    mask = np.zeros((e.replicates, e.slots), dtype=bool)
    if c.seeding == "file":
        mask[:, read_seeds(c.seed_file, members)] = True
        return mask
    k = c.seed_count
    if k == 0:
        return mask
    if c.seeding == "degree":
        score = -e.state.neighbours_member[:, :members]  # stable sort: ties keep slot order
    else:
        score = e.streams.uniform("classic_seed", 0, precise=True)[:, :members]
    order = np.argsort(score, axis=1, kind="stable")[:, :k]
    np.put_along_axis(mask[:, :members], order, True, axis=1)
    return mask


# ----------------------------------------------------------------------- the step
class _Classic:
    """What a classic run keeps between hours."""

    def __init__(self, e: Engine):
        self.member = np.zeros((e.replicates, e.slots), dtype=bool)
        self.member[:, : e.members] = True
        self.theta = thresholds(e) if e.params.purchase.model == "threshold" else None
        self.fresh = np.zeros_like(self.member)  # adopted in the previous round (cascade)


def _adopt(e: Engine, adopt: np.ndarray) -> None:
    s, price = e.state, e.params.product.list_price
    e.state.hour_purchases = adopt.sum(axis=1).astype(np.int64)
    e.state.hour_revenue = e.state.hour_purchases * price
    if not adopt.any():
        return
    s.bought |= adopt
    s.buy_hour = np.where(adopt, e.hour, s.buy_hour)
    s.paid = np.where(adopt, price, s.paid)
    s.revenue += e.state.hour_revenue
    s.stage = np.where(adopt, np.maximum(s.stage, 5), s.stage).astype(np.int8)


def classic_step(e: Engine) -> None:
    """One hour of the threshold or cascade limit (the caller records it and moves on)."""
    every = e.params.classic.round_hours
    if e.hour == 0:
        e.classic_state = run = _Classic(e)
        seeds = first_adopters(e)
        run.fresh = seeds
        _adopt(e, seeds)
        return
    run = e.classic_state
    if e.hour % every:
        _adopt(e, np.zeros_like(run.member))
        return
    s = e.state
    waiting = run.member & ~s.bought
    if e.params.purchase.model == "threshold":
        adopted = neighbour_counts(e.adjacency, s.bought & run.member)
        degree = e.state.neighbours_member
        with np.errstate(divide="ignore", invalid="ignore"):
            share = adopted / degree
        adopt = waiting & (degree > 0) & (share >= run.theta)
    else:
        tries = neighbour_counts(e.adjacency, run.fresh)
        chance = 1.0 - (1.0 - e.params.classic.cascade_prob) ** tries
        draw = e.streams.uniform("cascade", e.hour, precise=True)
        adopt = waiting & (tries > 0) & (draw < chance)
        run.fresh = adopt
    _adopt(e, adopt)
