"""Loading a page in a real headless Chromium with JavaScript off, for the report-tab tests.

Chromium's own ``--screenshot`` writes nothing when scripts are disabled, so the page is
driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``: commands on
the browser's fd 3, answers on its fd 4, each a JSON message ending in a NUL byte). One
browser process loads one page, with ``--log-net-log`` recording every request that reached
its network stack, and ``--host-resolver-rules`` keeping all of them from leaving.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BINARIES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
DEADLINE_S = 60.0

_FLAGS = (
    "--headless",
    "--no-sandbox",  # tests run as root in CI containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)

# Starts the browser with the two pipe ends as its fds 3 and 4 (subprocess cannot place them).
_EXEC_WITH_PIPE = (
    "import os, sys\n"
    "r, w = os.dup(int(sys.argv[1])), os.dup(int(sys.argv[2]))\n"
    "os.dup2(r, 3)\n"
    "os.dup2(w, 4)\n"
    "os.set_inheritable(3, True)\n"  # dup2 onto itself keeps os.dup's close-on-exec flag
    "os.set_inheritable(4, True)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


def find_chromium() -> str | None:
    """The first Chromium (or Chrome) binary on ``PATH``, or ``None``."""
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Chart:
    """One ``<svg class="chart">`` as laid out: its markup and its box in CSS pixels (all 0
    when the browser did not render it)."""

    svg: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class Loaded:
    """What loading one page gave."""

    dom: str
    """The rendered DOM (``document.documentElement.outerHTML``)."""
    charts: list[Chart]
    png: bytes
    """A screenshot of the whole page."""
    page_size: tuple[int, int]
    page_requests: list[dict[str, Any]] = field(default_factory=list)
    """``Network.requestWillBeSent`` of the page: ``{"url", "initiator"}``."""
    net_log: dict[str, Any] = field(default_factory=dict)


class _Pipe:
    """The DevTools protocol over the browser's pipe: commands by id, events collected."""

    def __init__(self, commands: int, answers: int) -> None:
        self._out, self._in = commands, answers
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + DEADLINE_S
        while True:
            answer = self._receive(deadline, method)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def wait_for(self, method: str, session: str) -> dict:
        """The first event ``method`` of ``session``, received now or before."""
        deadline = time.monotonic() + DEADLINE_S
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            self.events.append(self._receive(deadline, method))

    def _receive(self, deadline: float, waiting_for: str) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._in], [], [], max(left, 0))
            if not ready:
                raise TimeoutError(f"Chromium did not answer {waiting_for} within {DEADLINE_S:g} s")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed its pipe while {waiting_for} was pending")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)


def load(
    chromium: str, url: str, workdir: Path, *, width: int = 1280, height: int = 900, dark: bool = False
) -> Loaded:
    """Load ``url`` with scripts disabled in a fresh browser; ``dark`` emulates
    ``prefers-color-scheme: dark``. ``workdir`` receives the profile, logs and the net log."""
    workdir.mkdir(parents=True, exist_ok=True)
    net_log = workdir / "net-log.json"
    args = [*_FLAGS, f"--user-data-dir={workdir / 'profile'}", f"--log-net-log={net_log}", "about:blank"]
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    with open(workdir / "chromium.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", _EXEC_WITH_PIPE, str(to_browser_r), str(from_browser_w), chromium, *args],
            pass_fds=(to_browser_r, from_browser_w),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    os.close(to_browser_r)
    os.close(from_browser_w)
    pipe = _Pipe(to_browser_w, from_browser_r)
    try:
        loaded = _drive(pipe, url, width, height, dark)
        pipe.call("Browser.close")
        proc.wait(timeout=DEADLINE_S)  # the net log is complete once the browser has exited
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(to_browser_w)
        os.close(from_browser_r)
    loaded.net_log = json.loads(net_log.read_text())
    return loaded


def _drive(pipe: _Pipe, url: str, width: int, height: int, dark: bool) -> Loaded:
    target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    pipe.call("Emulation.setScriptExecutionDisabled", {"value": True}, session)
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    pipe.call("Emulation.setDeviceMetricsOverride", metrics, session)
    scheme = "dark" if dark else "light"
    media = {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    pipe.call("Emulation.setEmulatedMedia", media, session)
    pipe.call("Network.enable", {}, session)
    pipe.call("Page.enable", {}, session)
    pipe.call("Page.navigate", {"url": url}, session)
    pipe.wait_for("Page.loadEventFired", session)

    root = pipe.call("DOM.getDocument", {"depth": -1}, session)["root"]["nodeId"]
    dom = pipe.call("DOM.getOuterHTML", {"nodeId": root}, session)["outerHTML"]
    charts = []
    for node in pipe.call("DOM.querySelectorAll", {"nodeId": root, "selector": "svg.chart"}, session)[
        "nodeIds"
    ]:
        svg = pipe.call("DOM.getOuterHTML", {"nodeId": node}, session)["outerHTML"]
        try:
            quad = pipe.call("DOM.getBoxModel", {"nodeId": node}, session)["model"]["border"]
        except RuntimeError:  # "Could not compute box model": not rendered (display: none)
            quad = [0.0] * 8
        xs, ys = quad[0::2], quad[1::2]
        charts.append(Chart(svg, min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
    size = pipe.call("Page.getLayoutMetrics", {}, session)["cssContentSize"]
    page_w, page_h = int(size["width"]), int(size["height"])
    clip = {"x": 0, "y": 0, "width": page_w, "height": page_h, "scale": 1}
    shot = pipe.call(
        "Page.captureScreenshot",
        {"format": "png", "clip": clip, "captureBeyondViewport": True, "optimizeForSpeed": True},
        session,
    )
    requests = [
        {"url": e["params"]["request"]["url"], "initiator": e["params"]["initiator"]}
        for e in pipe.events
        if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == session
    ]
    return Loaded(dom, charts, base64.b64decode(shot["data"]), (page_w, page_h), requests)


def net_log_requests(net_log: dict[str, Any]) -> list[dict[str, Any]]:
    """Every request the network stack started (``URL_REQUEST_START_JOB``): ``url`` and
    ``initiator`` (``"not an origin"`` for the browser's own background requests). ``file:``
    pages are read outside the network stack and do not appear."""
    start_job = net_log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        {"url": e["params"]["url"], "initiator": e["params"].get("initiator", "")}
        for e in net_log["events"]
        if e["type"] == start_job and "url" in e.get("params", {})
    ]
