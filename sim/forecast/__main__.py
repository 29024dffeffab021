"""``python -m sim.forecast plan=PATH [baseline=sop]``: a plan's forecast for its operator.

Runs the plan and the baseline (default ``sop``) on the same members and random draws
(common random numbers), 200 replicates by default, with a progress bar; runs the plan again
without its shills, deadline or quota where it has them, to measure what the result depends
on; ranks whom to care for (``care.top`` picks, 0: skip). Writes ``report.html`` and
``forecast.json`` to a new folder ``results/forecasts/<date>_<time>_<id>/`` (or
``hydra.run.dir``). Examples::

    python -m sim.forecast plan=configs/plans/strategies/layered.yaml
    python -m sim.forecast plan=my_plan.yaml baseline=layered replicates=400 seed=3
    python -m sim.forecast plan=layered care.top=0          # no who-to-care-for ranking

A plan or setting that cannot be used stops with one ``error:`` line, exit code 2, and
nothing written.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.config import run_dir, stop
from sim.engine import ConfigError
from sim.engine.graph import GraphInputError


@dataclass
class CareSettings:
    """The who-to-care-for ranking.

    Attributes:
        top: picks to rank (0: no ranking).
        replicates: paired replicates per simulated evaluation.
        pool: with members by id (an edge-list community), the pre-screened candidates.
    """

    top: int = 20
    replicates: int = 12  # wider intervals than 20, for a ranking of 20 picks in under 2 minutes
    pool: int = 40


@dataclass
class ForecastConfig:
    """``python -m sim.forecast``.

    Attributes:
        plan: the plan file (or a shipped strategy's name).
        baseline: what the plan is compared with: a shipped strategy's name or a plan file.
        replicates: simulated campaigns per plan.
        seed: the seed; the same seed gives the same members, graphs and draws.
        n_jobs: worker processes (results do not depend on it).
        chunk: replicates per task (0: an equal share per process, the fastest); results do
            not depend on it.
        currency: the money unit shown, unless the plan's product names one.
        progress: show progress bars (on stderr).
        care: the who-to-care-for ranking.
    """

    plan: str = ""
    baseline: str = "sop"
    replicates: int = 200
    seed: int = 0
    n_jobs: int = 2
    chunk: int = 0
    currency: str = "CNY"
    progress: bool = True
    care: CareSettings = field(default_factory=CareSettings)


ConfigStore.instance().store(name="forecast_base", node=ForecastConfig)


def prepare(cfg: ForecastConfig) -> dict[str, Any]:
    """Check every input and build the scenarios (nothing runs long or is written).

    Raises:
        ConfigError, GraphInputError: a plan, baseline or setting that cannot be used.
    """
    from sim.engine import Engine

    from .loading import baseline_params, load_plan
    from .runs import Scenario, fork
    from .scenarios import counterfactuals

    if not cfg.plan:
        raise ConfigError("plan: missing; give the plan file, e.g. plan=configs/plans/my.yaml")
    for name, low in (("replicates", 2), ("n_jobs", 1), ("chunk", 0)):
        if getattr(cfg, name) < low:
            raise ConfigError(f"{name} = {getattr(cfg, name)}: must be at least {low}")
    if cfg.care.top < 0 or cfg.care.replicates < 2 or cfg.care.pool < 1:
        raise ConfigError("care: top >= 0, replicates >= 2 and pool >= 1 are required")
    plan = load_plan(cfg.plan)
    params = plan.params
    base, base_source, base_warnings = baseline_params(params, cfg.baseline)
    scenarios = [
        Scenario("plan", params.strategy, plan.source),
        Scenario("baseline", base.strategy, base_source),
    ]
    for name, strategy in counterfactuals(params.strategy, params.days).items():
        scenarios.append(Scenario(name, strategy, plan.source))
    probe = Engine(params, seed=cfg.seed, replicates=1, plan_source=plan.source)
    for sc in scenarios[1:]:
        fork(probe, sc.strategy, sc.source)  # compiles and checks each plan
    currency = getattr(params.product, "currency", "") or cfg.currency
    return {
        "plan": plan,
        "params": params,
        "scenarios": scenarios,
        "currency": currency,
        "warnings": [*plan.warnings, *base_warnings],
    }


def forecast(cfg: ForecastConfig, ready: dict[str, Any]) -> dict[str, Any]:
    """Run the scenarios and the ranking; return the forecast dict."""
    from tqdm import tqdm

    from .care import rank_care
    from .figures import build_forecast
    from .runs import run_scenarios

    params, scenarios = ready["params"], ready["scenarios"]
    total = cfg.replicates * len(scenarios) * params.days
    with tqdm(
        total=total,
        desc=f"{len(scenarios)} plans x {cfg.replicates} campaigns",
        unit=" campaign-days",
        unit_scale=True,
        disable=not cfg.progress,
        file=sys.stderr,
    ) as bar:
        runs = run_scenarios(
            params,
            scenarios,
            seed=cfg.seed,
            replicates=cfg.replicates,
            n_jobs=cfg.n_jobs,
            chunk=cfg.chunk,
            progress=bar.update,
        )
    names = {"plan": scenarios[0].strategy.name, "baseline": scenarios[1].strategy.name}
    sources = {"plan": scenarios[0].source, "baseline": scenarios[1].source}
    result = build_forecast(
        runs,
        params,
        currency=ready["currency"],
        names=names,
        sources=sources,
        plan_warnings=ready["warnings"],
    )
    result["seed"] = cfg.seed
    result["care_ranking"] = None
    if cfg.care.top > 0:
        with tqdm(
            desc="care ranking", unit="plan", disable=not cfg.progress, file=sys.stderr
        ) as bar:
            result["care_ranking"] = rank_care(
                params,
                seed=cfg.seed,
                replicates=min(cfg.care.replicates, cfg.replicates),
                top=cfg.care.top,
                n_jobs=cfg.n_jobs,
                pool=cfg.care.pool,
                progress=bar.update,
            )
    return result


def write(result: dict[str, Any], out: Path) -> list[Path]:
    """Write ``forecast.json`` and ``report.html`` (both complete, or neither)."""
    from sim.outputs.write import temp_path as _temp_path

    from .report import render, write_json

    out.mkdir(parents=True, exist_ok=True)
    temps: dict[str, Path] = {}
    try:
        temps["forecast.json"] = _temp_path(out, "forecast.json")
        write_json(result, temps["forecast.json"])
        temps["report.html"] = _temp_path(out, "report.html")
        temps["report.html"].write_text(render(result), encoding="utf-8")
        for name in ("forecast.json", "report.html"):
            os.replace(temps.pop(name), out / name)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return [out / "forecast.json", out / "report.html"]


@hydra.main(version_base="1.3", config_path="../../configs", config_name="forecast")
def main(cfg: DictConfig) -> None:
    """Check the plan, run the forecast, write the report."""
    start = time.perf_counter()
    out = run_dir()
    settings = OmegaConf.to_object(cfg)
    assert isinstance(settings, ForecastConfig)
    try:
        ready = prepare(settings)
    except (ConfigError, GraphInputError) as exc:
        stop(exc, out)
    try:
        result = forecast(settings, ready)
        result["wall_seconds"] = round(time.perf_counter() - start, 1)
        written = write(result, out)
    except BaseException:
        stop_clean(out)
        raise
    b = result["outcomes"]
    print(
        f"{result['plan']['name']}: {b['plan']['buyers']['mean']:.1f} buyers expected "
        f"(baseline {result['baseline']['name']}: {b['baseline']['buyers']['mean']:.1f}); "
        f"beats the baseline in {100 * result['beats_baseline']['share']:.0f}% of paired runs; "
        f"{len(result['warnings'])} warning(s)"
    )
    print(f"wrote {', '.join(p.name for p in written)} to {out}")
    sys.stdout.flush()


def stop_clean(out: Path) -> None:
    """Remove the run folder if it holds nothing (a run that failed half-way)."""
    if out.is_dir() and not any(out.iterdir()):
        out.rmdir()


if __name__ == "__main__":
    main()
