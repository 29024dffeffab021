"""End to end: the classroom page served by ``solara run`` and driven in headless Chromium.

The server runs as a teacher would start it (``solara run sim.classroom.app --host
127.0.0.1 --production``) on a free local port; Playwright drives Debian's ``chromium``
(see tests/browser.py). The test picks a lesson, steps day by day, plays and pauses,
checks that the counters, event line and charts change, and saves screenshots in its
temporary folder (and to ``docs/classroom.png`` when ``CLASSROOM_DOCS_SCREENSHOT=1``).
No request may leave this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser import chromium, free_port, local_only, wait_for_port

from sim.classroom.assets import quiet_env

ROOT = Path(__file__).resolve().parents[1]
SOLARA = Path(sys.executable).with_name("solara")
VIEWPORT = {"width": 1500, "height": 1900}
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "solara.log"
    env = {**os.environ, **quiet_env()}
    command = [str(SOLARA), "run", "sim.classroom.app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--production"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log_text = log_path.read_text()
    assert "Traceback" not in log_text, log_text[-3000:]


def counters(page) -> list[str]:
    return page.locator(".classroom-counters").all_inner_texts()


def click_and_wait(page, label: str) -> list[str]:
    """Click a button and wait until every side's counters show a new time."""
    before = counters(page)
    page.get_by_role("button", name=label).click()
    page.wait_for_function(
        "before => { const now = [...document.querySelectorAll('.classroom-counters')]"
        ".map(e => e.innerText); return now.length === before.length"
        " && now.every((text, i) => text !== before[i]); }",
        arg=before,
        timeout=TIMEOUT_MS,
    )
    return counters(page)


def wait_for_charts(page, hour: int) -> None:
    """Wait until every chart on the page has been redrawn with the data of ``hour``."""
    page.wait_for_function(
        "hour => { const charts = [...document.querySelectorAll('.classroom-charts .vega-embed')];"
        " return charts.length > 0 && charts.every(c => c.dataset.shownHour === String(hour)); }",
        arg=hour,
        timeout=TIMEOUT_MS,
    )


def test_a_lesson_steps_and_its_counters_and_charts_change(server_url, tmp_path):
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        outside = local_only(page)
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server_url)
        page.get_by_role("button", name="+1 day").wait_for()

        # pick the scarcity lesson in the lesson list
        page.locator(".v-select").filter(has_text="The herd effect").first.click()
        page.locator(".v-menu__content .v-list-item").filter(has_text="Scarcity").first.click()
        page.get_by_text("Classroom: Scarcity").wait_for()
        page.get_by_text("With: deadline and quota", exact=True).wait_for()
        page.locator(".classroom-side-0 .vega-embed canvas").wait_for()
        wait_for_charts(page, 0)
        page.screenshot(path=tmp_path / "start.png")
        start = counters(page)
        assert len(start) == 2 and all(c.startswith("start · 300 members") for c in start)
        chart = page.locator(".classroom-side-0 .vega-embed canvas")  # the three charts
        graph = page.locator(".classroom-side-0 img.classroom-graph")
        chart_before, graph_before = chart.screenshot(), graph.screenshot()

        after_hour = click_and_wait(page, "+1 hour")
        assert all(c.startswith("day 1, 01:00") for c in after_hour)
        for _ in range(20):  # past the offer on day 20
            now = click_and_wait(page, "+1 day")
        assert all(c.startswith("day 21, 01:00") for c in now), now
        events = page.locator(".classroom-event").all_inner_texts()
        history = page.locator(".classroom-side-0").inner_text()
        assert len(events) == 2 and all(e.startswith("day ") for e in events)
        assert "offer" in history  # the offer's opening, first hours or close is told
        wait_for_charts(page, 20 * 24)  # day 21, 01:00: the charts show day 21, 00:00
        assert chart.screenshot() != chart_before
        assert graph.screenshot() != graph_before
        page.screenshot(path=tmp_path / "day21.png")

        # play a while, then pause: time moves on by itself
        page.get_by_role("button", name="▶").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.classroom-counters')]"
            ".every(e => !e.innerText.startsWith('day 21, 01:00'))",
            timeout=TIMEOUT_MS,
        )
        page.get_by_role("button", name="❚❚").click()
        page.get_by_role("button", name="▶").wait_for()  # paused
        page.wait_for_timeout(1000)  # a step under way when pausing ends
        played = counters(page)
        assert played != now and played[0].split(" · ")[0] == played[1].split(" · ")[0]
        page.wait_for_timeout(1500)
        assert counters(page) == played  # paused: time stands still
        page.screenshot(path=tmp_path / "played.png")
        if os.environ.get("CLASSROOM_DOCS_SCREENSHOT") == "1":
            page.screenshot(path=ROOT / "docs" / "classroom.png")
        assert outside == [], f"the page tried to reach other hosts: {outside}"
        for name in ("start.png", "day21.png", "played.png"):
            assert (tmp_path / name).stat().st_size > 20_000
