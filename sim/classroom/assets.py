"""Serve the page's browser scripts from this machine, never from a CDN.

Solara loads some scripts (the grid layout, Vega-Lite) through its asset proxy, which
reads them from a cache folder and fetches missing ones from a public CDN. The
``solara-assets`` package fills that folder, but under full version numbers
(``vega@5.21.0``), while Solara asks for major versions (``vega@5``). :func:`local_assets`
links each major version to the installed full version, turns telemetry off and points
the CDN at an address on this machine, so a missing file fails at once instead of
reaching out. It also switches on Solara's synchronous websocket writes (a step's update
reaches the browser sooner, see docs/classroom.md, Speed). It is called when the page's
module is imported.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ALIASES = ("vega@5", "vega-lite@5", "vega-embed@6")
OFF_LINE_CDN = "http://127.0.0.1:9/"  # nothing listens there: a missing asset fails fast
ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_ASSETS_CDN": OFF_LINE_CDN,
    # write each websocket frame from the rendering thread instead of handing every
    # message to the event loop: a step's update reaches the browser sooner (a Solara
    # server setting; an older Solara ignores it)
    "SOLARA_SERVER_SYNC_WS_WRITE": "true",
}


def quiet_env() -> dict[str, str]:
    """The environment settings that keep a Solara server off the network."""
    return dict(ENV)


def local_assets() -> list[str]:
    """Link the major-version asset folders Solara asks for; return the ones missing.

    Also switches Solara's telemetry off, its CDN to ``OFF_LINE_CDN`` and its synchronous
    websocket writes on (unless the environment says otherwise) for this process.
    """
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    import solara.server.settings as server_settings
    import solara.settings

    server_settings.telemetry.mixpanel_enable = False
    if hasattr(server_settings.server, "sync_ws_write"):
        server_settings.server.sync_ws_write = os.environ["SOLARA_SERVER_SYNC_WS_WRITE"] == "true"
    solara.settings.assets.cdn = os.environ["SOLARA_ASSETS_CDN"]
    cache = Path(server_settings.assets.proxy_cache_dir)
    missing = []
    for alias in ALIASES:
        target = cache / alias
        if target.exists():
            continue
        name, major = alias.split("@")
        found = sorted(
            (
                p
                for p in cache.glob(f"{name}@{major}.*")
                if re.fullmatch(rf"{re.escape(name)}@{major}\.[\d.]+", p.name)
            ),
            key=lambda p: [int(x) for x in p.name.split("@")[1].split(".")],
        )
        if not found:
            missing.append(alias)
            continue
        try:
            target.symlink_to(found[-1].name, target_is_directory=True)
        except OSError:
            missing.append(alias)
    return missing
