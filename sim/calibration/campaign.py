"""A past campaign as data: reading its CSV, the model's daily series, the likelihood.

**The CSV.** One row per campaign day, comma-separated, with a header; lines starting with
``#`` are comments (e.g. where the data came from). Columns:

- ``day``: 1, 2, ..., the campaign's length (``days`` of the run), each day once;
- ``purchases``: purchases made that day (required);
- ``active`` (optional): members who opened the group that day (daily active members);
- ``left`` (optional): members who left the group that day.

Counts are whole numbers >= 0; an empty cell is refused. Other columns are ignored.

**The likelihood.** For each fitted series and day ``t``, the model's replicate campaigns
(same seed for every trial: common random numbers) give a mean ``mu_t`` (floored at
``0.5 / replicates``: less than one event in all replicates) and, pooled over the days, a
negative-binomial dispersion ``alpha`` by moments: ``alpha = sum_t (var_t - mu_t) /
sum_t mu_t^2`` (``var_t`` the replicates' variance; ``alpha = 0``, Poisson, when that is not
positive or there is one replicate). The observed count ``y_t`` then has the negative-binomial
log-likelihood with mean ``mu_t`` and variance ``mu_t + alpha mu_t^2``; days are taken as
independent given the means. The fit minimises the negative log-likelihood summed over days
and series. The replicates' spread stands for how much one real campaign varies around the
model's mean (other members, another graph, other draws), which is what an observed campaign
is: one draw.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from sim.engine.validation import ConfigError
from sim.plans import display_path

if TYPE_CHECKING:
    from sim.engine import Engine

SERIES: tuple[str, ...] = ("purchases", "active", "left")
REQUIRED: tuple[str, ...] = ("day", "purchases")


@dataclass
class Observed:
    """A campaign's observed daily series.

    Attributes:
        source: the CSV's path as shown in messages.
        days: the campaign's length in days.
        series: column -> counts per day, shaped (days,).
    """

    source: str
    days: int
    series: dict[str, np.ndarray]


def _cell(text: str, where: str, column: str) -> int:
    value = text.strip()
    if not value:
        raise ConfigError(f"{where}, column {column!r}: empty; give a whole number >= 0")
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(
            f"{where}, column {column!r} = {value!r}: not a number; give a whole number >= 0"
        ) from None
    if not math.isfinite(number) or number != int(number):
        raise ConfigError(
            f"{where}, column {column!r} = {value!r}: not a whole number; give a whole number >= 0"
        )
    if number < 0:
        raise ConfigError(
            f"{where}, column {column!r} = {value!r}: negative; counts are whole numbers >= 0"
        )
    return int(number)


def read_campaign(path: str | Path, days: int, series: list[str] | None = None) -> Observed:
    """Read and check a campaign CSV.

    Args:
        path: the CSV file.
        days: the campaign's length; the file must have exactly one row per day 1..days.
        series: the columns to keep (empty or None: every series column present).

    Returns:
        The observed series.

    Raises:
        ConfigError: a missing or unreadable file, a missing column, a value that is empty,
            not a number, not whole or negative, a day missing, repeated or outside
            1..days; one message naming the file, the row or column, and what is allowed.
    """
    p = Path(path).expanduser()
    source = display_path(p) if p.exists() else str(path)
    if not p.is_file():
        raise ConfigError(f"campaign file {source}: no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"campaign file {source}: cannot be read ({exc})") from exc
    numbered = [
        (i, line)
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        raise ConfigError(f"campaign file {source}: empty; expected a header {','.join(REQUIRED)}")
    rows = list(csv.reader([line for _, line in numbered]))
    header = [h.strip() for h in rows[0]]
    for column in REQUIRED:
        if column not in header:
            raise ConfigError(
                f"campaign file {source}: missing column {column!r}; required: "
                f"{', '.join(REQUIRED)}; optional: {', '.join(SERIES[1:])} (found: "
                f"{', '.join(header)})"
            )
    wanted = list(series or [c for c in SERIES if c in header])
    for column in wanted:
        if column not in SERIES:
            raise ConfigError(
                f"calibration.campaign.series: {column!r} is not a series; allowed: "
                f"{', '.join(SERIES)}"
            )
        if column not in header:
            raise ConfigError(
                f"campaign file {source}: missing column {column!r}, listed in "
                "calibration.campaign.series"
            )
    index = {c: header.index(c) for c in ("day", *wanted)}
    values: dict[str, list[int]] = {c: [] for c in index}
    for (line_no, _), row in zip(numbered[1:], rows[1:], strict=True):
        where = f"campaign file {source}, line {line_no}"
        if len(row) != len(header):
            raise ConfigError(f"{where}: {len(row)} cells, the header has {len(header)}")
        for column, at in index.items():
            values[column].append(_cell(row[at], where, column))
    found = values["day"]
    if len(found) != days or sorted(found) != list(range(1, days + 1)):
        extra = sorted(set(found) - set(range(1, days + 1)))
        missing = sorted(set(range(1, days + 1)) - set(found))
        repeated = sorted({d for d in found if found.count(d) > 1})
        detail = "; ".join(
            part
            for part in (
                f"outside 1..{days}: {extra[:5]}" if extra else "",
                f"missing: {missing[:5]}" if missing else "",
                f"repeated: {repeated[:5]}" if repeated else "",
            )
            if part
        )
        raise ConfigError(
            f"campaign file {source}, column 'day': {len(found)} rows, expected one per day "
            f"1..{days} ({detail}); the campaign length is days = {days} (set days=N to match)"
        )
    order = np.argsort(found)
    out = {c: np.asarray(values[c], dtype=float)[order] for c in wanted}
    return Observed(source, days, out)


def simulated_series(engine: Engine) -> dict[str, np.ndarray]:
    """The model's daily series of a finished run, shaped (days, replicates) each.

    ``purchases``: purchases that day; ``active``: members who opened the group that day;
    ``left``: members who left that day.
    """
    rec, days = engine.recorder, engine.params.days
    purchases = rec.purchases[: days * 24].reshape(days, 24, -1).sum(axis=1)
    ends = np.arange(days) * 24 + 23
    active = rec.active_today[ends]
    gone = rec.status[ends, :, 2]
    left = np.diff(gone, axis=0, prepend=np.zeros_like(gone[:1]))
    return {
        "purchases": purchases.astype(float),
        "active": active.astype(float),
        "left": left.astype(float),
    }


def dispersion(sim: np.ndarray) -> float:
    """Pooled negative-binomial dispersion ``alpha`` of (days, replicates) counts (0: Poisson)."""
    if sim.shape[1] < 2:
        return 0.0
    mu = sim.mean(axis=1)
    var = sim.var(axis=1, ddof=1)
    den = float((mu**2).sum())
    excess = float((var - mu).sum())
    return excess / den if den > 0 and excess > 0 else 0.0


def nb_nll(observed: np.ndarray, sim: np.ndarray) -> float:
    """Negative log-likelihood of observed daily counts given simulated replicates.

    Args:
        observed: counts per day, shaped (days,).
        sim: the model's counts, shaped (days, replicates).

    Returns:
        ``-sum_t log NB(y_t; mu_t, alpha)`` (Poisson when ``alpha`` is 0); see the module
        docstring.
    """
    y = np.asarray(observed, dtype=float)
    mu = np.maximum(sim.mean(axis=1), 0.5 / sim.shape[1])
    alpha = dispersion(sim)
    if alpha <= 0:
        ll = y * np.log(mu) - mu - special.gammaln(y + 1)
    else:
        n = 1.0 / alpha
        ll = (
            special.gammaln(y + n)
            - special.gammaln(n)
            - special.gammaln(y + 1)
            + n * np.log(n / (n + mu))
            + y * np.log(mu / (n + mu))
        )
    return float(-ll.sum())


def campaign_rows(engine: Engine, replicate: int = 0) -> list[dict[str, int]]:
    """One replicate of a finished run as campaign CSV rows (day, purchases, active, left)."""
    sim = simulated_series(engine)
    return [
        {"day": d + 1, **{k: int(sim[k][d, replicate]) for k in SERIES}}
        for d in range(engine.params.days)
    ]


def write_campaign_csv(
    rows: list[dict[str, int]], path: str | Path, comments: list[str] | None = None
) -> Path:
    """Write campaign rows as a CSV, with ``# `` comment lines first."""
    from sim.outputs import write_atomic

    def write(p: Path) -> None:
        with p.open("w", encoding="utf-8", newline="") as f:
            for line in comments or []:
                f.write(f"# {line}\n")
            writer = csv.DictWriter(f, fieldnames=["day", *SERIES], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    return write_atomic(Path(path), write)
