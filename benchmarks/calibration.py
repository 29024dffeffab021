"""Print MODEL.md section 7's calibration targets for the default parameters.

Usage::

    .venv/bin/python benchmarks/calibration.py [--replicates 20] [--seed 0] [path=value ...]

``path=value`` overrides a model parameter (e.g. ``purchase.intercept=-8``), as on the
command line of ``python -m sim``. Prints, for ``sop`` and ``layered``: conversion (mean and
spread), conversion by layer, the share of purchases in the limited-time offer window, the
peak-48-hour share, and daily active members on days 3 and 14; then whether each of the three
targets holds.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import yaml

from sim.engine import Engine, ModelParams, PlanParams

try:
    from sim.plans import load_plan
except ImportError:  # pragma: no cover - until the plan loader exists

    def load_plan(name: str) -> PlanParams:
        """Read configs/strategy/<name>.yaml."""
        with open(f"configs/strategy/{name}.yaml", encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        return PlanParams(**data)


def apply_override(params: ModelParams, path: str, text: str) -> ModelParams:
    """Return ``params`` with the dotted ``path`` set to the YAML value ``text``."""
    head, *rest = path.split(".")
    value = yaml.safe_load(text) if not rest else None
    current = getattr(params, head)
    if rest:
        value = apply_override(current, ".".join(rest), text)
    return dataclasses.replace(params, **{head: value})


def measure(strategy: str, seed: int, replicates: int, overrides: list[str]) -> dict:
    """Run one strategy and return its calibration figures (means over replicates)."""
    params = ModelParams(strategy=load_plan(strategy))
    for item in overrides:
        path, text = item.split("=", 1)
        params = apply_override(params, path, text)
    start = time.perf_counter()
    engine = Engine(params, seed=seed, replicates=replicates).run()
    elapsed = time.perf_counter() - start
    s, rec = engine.state, engine.recorder
    conversion = (s.bought & s.ever_member).sum(1) / s.ever_member.sum(1)
    by_layer = [
        (s.bought & (engine.traits.layer == k)).sum()
        / (s.ever_member & (engine.traits.layer == k)).sum()
        for k in range(3)
    ]
    purchases = rec.purchases
    total = np.maximum(purchases.sum(0), 1)
    windows = [f for f in engine.schedule.all() if f.unit.name == "offer" and f.end > f.start]
    window_share = max(
        (purchases[f.start : f.end].sum(0) / total for f in windows),
        key=lambda x: x.mean(),
        default=np.zeros(replicates),
    )
    cums = np.cumsum(np.vstack([np.zeros((1, replicates)), purchases]), axis=0)
    peak48 = (cums[48:] - cums[:-48]).max(0) / total
    active = rec.active_today[23::24]
    return {
        "conversion": conversion.mean(),
        "sd": conversion.std(ddof=1) if replicates > 1 else 0.0,
        "by_layer": np.round(by_layer, 3),
        "window": window_share.mean(),
        "peak48": peak48.mean(),
        "dau3": active[2].mean(),
        "dau14": active[13].mean(),
        "daily": np.round(purchases.reshape(params.days, 24, -1).sum(1).mean(1), 1),
        "seconds": elapsed,
        "dormant": rec.status[-1, :, 1].mean(),
        "left": rec.status[-1, :, 2].mean(),
    }


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--daily", action="store_true", help="print mean daily purchases")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    out = {}
    for name in ("sop", "layered"):
        m = out[name] = measure(name, args.seed, args.replicates, args.overrides)
        print(
            f"{name:8s} conversion {m['conversion']:.3f} (sd {m['sd']:.3f})  by layer "
            f"{m['by_layer']}  offer window {m['window']:.2f}  peak48 {m['peak48']:.2f}  "
            f"DAU d3 {m['dau3']:.0f} d14 {m['dau14']:.0f}  dormant {m['dormant']:.0f} "
            f"left {m['left']:.0f}  [{m['seconds']:.1f}s]"
        )
        if args.daily:
            print("   daily purchases:", " ".join(f"{x:g}" for x in m["daily"]))
    sop, lay = out["sop"], out["layered"]
    print("targets (MODEL.md section 7):")
    print(f"  1. sop converts 8-12%:                  {0.08 <= sop['conversion'] <= 0.12}")
    print(
        f"  2. layered >= 2x sop ({lay['conversion'] / sop['conversion']:.2f}x) and >= 40% "
        f"in its 48h window ({lay['window']:.2f}): "
        f"{lay['conversion'] >= 2 * sop['conversion'] and lay['window'] >= 0.4}"
    )
    print(f"  3. sop DAU day 14 <= half of day 3:     {sop['dau14'] <= 0.5 * sop['dau3']}")


if __name__ == "__main__":
    main()
