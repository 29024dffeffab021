"""Where members' trust came from: operator touchpoints, content, events, peers, herd.

Every trust gain in the engine is booked to one source (``sim.engine.state.SOURCES``):
``operator`` (notices, one-to-one care, KOL cultivation, private offers), ``content``
(materials and lessons studied), ``events`` (ceremonies, sharing sessions), ``peers``
(other members' posts read) and ``herd`` (purchase posts read). Losses (a discovered shill)
are not gains and are not booked. The table shows, per replicate and layer, the trust each
source gave (summed over the layer's members) and its share of the layer's total.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine.params import LAYERS
from sim.engine.state import SOURCES

if TYPE_CHECKING:
    from sim.engine import Engine


def trust_sources_table(engine: Engine) -> pd.DataFrame:
    """One row per replicate, layer and source (a tidy table).

    Columns: replicate, layer, source, trust_gain (trust points, summed over the layer's
    members), per_member (trust_gain over the layer's members), share (of the layer's
    total gain in that replicate, 0..1). See ``FIELD_DOCS["trust_sources.csv"]``.
    """
    s, layer = engine.state, engine.traits.layer
    rows = []
    for k, name in enumerate(LAYERS):
        member = s.ever_member & (layer == k)
        gains = np.where(member[..., None], s.trust_gain, 0.0).sum(axis=1)  # (R, sources)
        count = np.maximum(member.sum(axis=1), 1)
        total = gains.sum(axis=1)
        for j, source in enumerate(SOURCES):
            for r in range(engine.replicates):
                rows.append(
                    {
                        "replicate": r,
                        "layer": name,
                        "source": source,
                        "trust_gain": float(gains[r, j]),
                        "per_member": float(gains[r, j] / count[r]),
                        "share": float(gains[r, j] / total[r]) if total[r] > 0 else 0.0,
                    }
                )
    return pd.DataFrame(rows)


def trust_sources_summary(table: pd.DataFrame) -> dict[str, Any]:
    """Mean share of each layer's trust gain by source: ``{layer: {source: share}}``."""
    means = table.groupby(["layer", "source"], sort=False)["share"].mean()
    return {
        name: {source: float(means.get((name, source), 0.0)) for source in SOURCES}
        for name in LAYERS
    }
