"""Print the nine calibration targets (``sim.analysis.patterns``) for the default parameters.

Usage::

    .venv/bin/python benchmarks/calibration.py [--replicates 20] [--seed 0] [path=value ...]

``path=value`` overrides a model parameter (e.g. ``purchase.intercept=-8``). Every variant
runs on the same seed and replicates (common random numbers). Prints each target's figures
and whether it holds.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import yaml

from sim.analysis import patterns
from sim.engine import ModelParams


def apply_override(params: ModelParams, path: str, text: str) -> ModelParams:
    """Return ``params`` with the dotted ``path`` set to the YAML value ``text``."""
    head, *rest = path.split(".")
    value = yaml.safe_load(text) if not rest else None
    current = getattr(params, head)
    if rest:
        value = apply_override(current, ".".join(rest), text)
    return dataclasses.replace(params, **{head: value})


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def report(m: dict) -> list[str]:
    """Lines describing each target's figures."""
    t4 = m["t4"]
    t7, t9 = m["t7"], m["t9"]["price_up_minus_default"]
    d = t7["targeted_minus_random"]
    share = {k: {s: round(v, 2) for s, v in m["t8"][k].items()} for k in m["t8"]}
    return [
        f"1. sop conversion {_pct(m['t1']['sop'])} (8-12%)",
        f"2. layered {_pct(m['t2']['layered'])} = {m['t2']['ratio']:.2f}x sop (>= 2); "
        f"{_pct(m['t2']['window'])} of its purchases in the 48 h window (>= 40%)",
        f"3. sop daily active day 3 {m['t3']['day3']:.0f}, day 14 {m['t3']['day14']:.0f} "
        "(day 14 <= half)",
        "4. by layer (core, influence, peripheral): sop "
        + ", ".join(_pct(x) for x in t4["sop"])
        + "; layered "
        + ", ".join(_pct(x) for x in t4["layered"])
        + " (all <= 90%)",
        f"5. dormant or gone by the last day: layered {_pct(m['t5']['layered'])} (5-30%), "
        f"sop {_pct(m['t5']['sop'])} (more)",
        f"6. 10 groups: quiet on days 28-30 sop {m['t6']['sop_quiet']:.1f} (>= 7), layered "
        f"{m['t6']['layered_quiet']:.1f} (fewer); sop conversion "
        f"{_pct(m['t6']['sop_conversion'])} (8-12%)",
        f"7. care by centrality minus random: {100 * d[0]:+.1f} pp "
        f"[{100 * d[1]:+.1f}, {100 * d[2]:+.1f}] (> 0), conversations "
        f"{t7['conversations'][0]:.0f} vs {t7['conversations'][1]:.0f}; staff 2/4/8: "
        + ", ".join(_pct(v) for v in t7["staff"].values())
        + " (rising, gain 2->4 > 4->8)",
        f"8. trust gain by source (layered): peripheral {share['peripheral']}, "
        f"core {share['core']} (peripheral peers > 0.5, core operator+content+events > 0.5)",
        f"9. offer prices +20% minus default: {100 * t9[0]:+.1f} pp "
        f"[{100 * t9[1]:+.1f}, {100 * t9[2]:+.1f}] (< 0)",
    ]


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    params = ModelParams()
    for item in args.overrides:
        path, text = item.split("=", 1)
        params = apply_override(params, path, text)
    start = time.perf_counter()
    m = patterns.measure(args.seed, args.replicates, params)
    verdicts = patterns.check(m)
    for line, ok in zip(report(m), verdicts.values(), strict=True):
        print(f"{'PASS' if ok else 'FAIL'} {line}")
    print(f"{sum(verdicts.values())} of 9 targets hold  [{time.perf_counter() - start:.0f} s]")


if __name__ == "__main__":
    main()
