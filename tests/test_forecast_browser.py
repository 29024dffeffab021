"""``report.html`` in a real browser (Debian's Chromium through Playwright), network blocked.

Launched through ``tests/browser.py`` (``scripts/setup-browser`` installs Chromium; a missing
browser fails the test). The screenshot is kept in
``results/forecast_browser/report.png`` for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import chromium, local_only
from factories import run_module

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("forecast_browser") / "run"
    done = run_module(
        "sim.forecast",
        f"plan={DATA / 'forecast_tiny.yaml'}",
        f"baseline={DATA / 'forecast_tiny_base.yaml'}",
        "replicates=4",
        "chunk=2",
        "care.top=2",
        "care.replicates=2",
        "progress=false",
        f"hydra.run.dir={out}",
    )
    assert done.returncode == 0, done.stderr
    return out / "report.html"


@pytest.mark.parametrize("width", [1200, 390])  # a desktop and a phone
def test_report_renders_offline_with_its_figures(report, width):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        outside = local_only(page)  # the page and its embedded figures only
        page.goto(report.resolve().as_uri())
        page.wait_for_load_state("load")
        widths = page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
        )
        assert len(widths) >= 4
        assert all(w > 0 for w in widths), widths
        assert "Forecast:" in page.title()
        assert page.locator("h2", has_text="Warnings").count() == 1
        # Readable on a phone: the page does not scroll sideways.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1
        shots = ROOT / "results" / "forecast_browser"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"report_{width}.png"), full_page=True)
    assert outside == []  # nothing but the file itself was asked for
