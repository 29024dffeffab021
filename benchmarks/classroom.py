"""Time the classroom page: a step plus its redraw, and a whole day, at 500 members.

Usage::

    .venv/bin/python benchmarks/classroom.py [--members 500] [--hours 48] [--days 10]
    .venv/bin/python benchmarks/classroom.py --no-browser
    .venv/bin/python benchmarks/classroom.py --locator-click  # Playwright's click() instead

Two measurements, both on the ``herd`` lesson (layered plan) with ``--members`` members:

1. In this process (``solara.render``, no browser): the page's "+1 hour" and "+1 day" buttons
   are clicked and the wall time of each click is taken. It covers the model step(s) and the
   whole re-render of the page: counters and narration, the graph pictures (JPEG) and the
   chart data, for one community and for two side by side. Targets: an hour (step plus
   redraw) under 200 ms, a day (24 steps plus one redraw) under 1 s.
2. In headless Chromium (``solara run`` on a local port, Playwright), side by side and then
   in one-community mode: the time from the click until the browser shows the new counters
   (and with them the new graph pictures), and, for the clicks that move the charts (every
   6 campaign hours, and every day click), until every chart shows the new hour: the chart
   widget marks its element with ``data-shown-hour`` once Vega has redrawn the canvas with
   that hour's data. After each chart move the charts' pixels are compared with those
   before the click (outside the timing), and a chart left unchanged is reported. The click
   is a mouse click at the button's centre (``page.mouse.click``, real input events): the
   button is found and checked before the clock starts, so Playwright's own locator and
   actionability waits (tens of ms) are not counted as the page's time.

Medians and 90th percentiles over the clicks are printed; the machine's other load only adds
time, so the medians are the figures to compare with the targets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")


def lessons_with(members: int, folder: Path) -> Path:
    """A copy of the shipped lessons with the first one at ``members`` members."""
    from sim.classroom.lessons import LESSON_DIR

    target = folder / "lessons"
    shutil.copytree(LESSON_DIR, target)
    path = target / "herd.yaml"
    data = yaml.safe_load(path.read_text())
    data["settings"]["members"] = members
    data["order"] = -1
    path.write_text(yaml.safe_dump(data))
    return target


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(1000 * s for s in seconds)
    if not ms:  # e.g. --days 0
        return f"{label:<44} (n=0)"
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    median = statistics.median(ms)
    return f"{label:<44} median {median:7.1f} ms   p90 {p90:7.1f} ms   (n={len(ms)})"


def in_process(members: int, hours: int, days: int, folder: Path) -> None:
    import ipyvuetify as v
    import solara

    from sim.classroom import app
    from sim.classroom.lessons import load_lessons

    lessons = load_lessons(folder)
    print(f"in process (solara.render), {members} members, lesson herd:")
    for mode in ("one community", "side by side"):
        _, rc = solara.render(
            solara.AppLayout(children=[app.ClassroomPage(lessons)]), handle_error=False
        )
        if mode != "side by side":
            rc.find(v.Select, label="Mode").widget.v_model = mode
            rc.find(v.Btn, children=["Reset"]).widget.click()
        hour_button = rc.find(v.Btn, children=["+1 hour"]).widget
        day_button = rc.find(v.Btn, children=["+1 day"]).widget
        per_hour, per_day = [], []
        for _ in range(hours):
            t0 = time.perf_counter()
            hour_button.click()
            per_hour.append(time.perf_counter() - t0)
        for _ in range(days):
            t0 = time.perf_counter()
            day_button.click()
            per_day.append(time.perf_counter() - t0)
        print("  " + summary(f"{mode}: +1 hour (step + redraw)", per_hour))
        print("  " + summary(f"{mode}: +1 day (24 steps + redraw)", per_day))
        rc.close()


# The state before a click: the counters' texts (the graph pictures come in the same update;
# an hour at night may leave a picture unchanged, so they are not waited for), the hour each
# chart shows (``data-shown-hour``, set by the chart widget once Vega has redrawn the canvas
# with that hour's data), and the charts' pixels, kept to check afterwards that they changed.
STATE = """() => {
  window.chartPixels = [...document.querySelectorAll('.classroom-charts canvas')]
    .map(c => c.toDataURL());
  return {
    counters: [...document.querySelectorAll('.classroom-counters')].map(e => e.innerText),
    charts: [...document.querySelectorAll('.classroom-charts .vega-embed')]
      .map(e => e.dataset.shownHour),
  };
}"""
SHOWN = """before => {
  const now = [...document.querySelectorAll('.classroom-counters')].map(e => e.innerText);
  return now.length === before.counters.length
    && now.every((t, i) => t !== before.counters[i]);
}"""
CHARTED = """args => {
  const shown = [...document.querySelectorAll('.classroom-charts .vega-embed')]
    .map(e => e.dataset.shownHour);
  return shown.length === args.n && shown.every(h => h === String(args.hour));
}"""
REPAINTED = """() => {
  const now = [...document.querySelectorAll('.classroom-charts canvas')].map(c => c.toDataURL());
  return now.length === window.chartPixels.length
    && now.every((url, i) => url !== window.chartPixels[i]);
}"""


def campaign_hour(counter: str) -> int:
    """The campaign hour of a counter line (``"day D, HH:00 · ..."``)."""
    day, clock = counter.split(" · ", maxsplit=1)[0].removeprefix("day ").split(", ")
    return (int(day) - 1) * 24 + int(clock[:2])


def browser_mode(
    page, mode: str, hours: int, days: int, members: int, *, locator_click: bool = False
) -> None:
    """Time ``hours`` +1 hour clicks and ``days`` +1 day clicks in ``mode`` on an open page.

    With ``locator_click`` the clicks are Playwright's ``locator.click()`` (the timing then
    also holds its locator search and actionability waits), else mouse clicks.
    """
    from sim.classroom.charts import CHART_EVERY

    if mode != "side by side":
        page.locator(".v-select").filter(has_text="Mode").first.click()
        page.locator(".v-menu__content .v-list-item").filter(has_text=mode).first.click()
        page.get_by_role("button", name="Reset").click()
        page.wait_for_function(
            "() => document.querySelectorAll('.classroom-counters').length === 1"
        )
    page.locator(".classroom-charts .vega-embed[data-shown-hour='0']").first.wait_for()
    charts = page.locator(".classroom-charts .vega-embed").count()
    print(f"in Chromium (solara run, {mode}), {members} members, lesson herd:")
    unchanged = 0
    for label, clicks in (("+1 hour", hours), ("+1 day", days)):
        shown, charted = [], []
        button = page.get_by_role("button", name=label)
        for _ in range(clicks):
            button.wait_for()  # there and enabled, before the clock starts
            box = button.bounding_box()
            state = page.evaluate(STATE)
            t0 = time.perf_counter()
            if locator_click:
                button.click()
            else:
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_function(SHOWN, arg=state, polling="raf")
            shown.append(time.perf_counter() - t0)
            hour = campaign_hour(page.locator(".classroom-counters").first.inner_text())
            if label == "+1 day" or hour % CHART_EVERY == 0:
                chart_hour = hour - hour % CHART_EVERY
                page.wait_for_function(
                    CHARTED, arg={"n": charts, "hour": chart_hour}, polling="raf"
                )
                charted.append(time.perf_counter() - t0)
                unchanged += not page.evaluate(REPAINTED)
        print("  " + summary(f"{label}: counters and graphs shown", shown))
        print("  " + summary(f"{label}: charts redrawn too (when they move)", charted))
    if unchanged:
        print(f"  warning: {unchanged} chart moves left a chart's pixels unchanged")


def in_browser(
    members: int, hours: int, days: int, folder: Path, locator_click: bool = False
) -> None:
    from browser import chromium, free_port, local_only, wait_for_port

    from sim.classroom.assets import quiet_env

    port = free_port()
    env = {**os.environ, **quiet_env(), "SIM_LESSONS_DIR": str(folder)}
    solara_bin = Path(sys.executable).with_name("solara")
    command = [
        str(solara_bin),
        "run",
        "sim.classroom.app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--production",
    ]
    with open(folder.parent / "server.log", "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        with chromium() as browser:
            for mode in ("side by side", "one community"):
                page = browser.new_page(viewport={"width": 1500, "height": 1900})
                outside = local_only(page)
                page.set_default_timeout(60_000)
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_role("button", name="+1 day").wait_for()
                browser_mode(page, mode, hours, days, members, locator_click=locator_click)
                if outside:
                    print(f"  warning: the page tried to reach other hosts: {outside}")
                page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--hours", type=int, default=48, help="+1 hour clicks to time")
    parser.add_argument("--days", type=int, default=10, help="+1 day clicks to time")
    parser.add_argument("--no-browser", action="store_true", help="only the in-process timing")
    parser.add_argument(
        "--locator-click",
        action="store_true",
        help="click with Playwright's locator.click() (adds its own waits) instead of the mouse",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = lessons_with(args.members, Path(tmp))
        in_process(args.members, args.hours, args.days, folder)
        if not args.no_browser:
            in_browser(args.members, args.hours, args.days, folder, args.locator_click)


if __name__ == "__main__":
    main()
