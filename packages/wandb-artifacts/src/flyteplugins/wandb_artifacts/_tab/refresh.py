"""Keeping a tab of the running task's Flyte report current while the task runs.

A daemon thread re-renders the tab every ``interval_s`` seconds and flushes the report, so the
Flyte UI shows a running task's live state; :meth:`TabRefresher.close` renders it a last time.
Refreshing never slows training by more than a few percent: the thread waits at least 19 times
as long as its last render took (at most 5% of the time), and it never fails the task.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import flyte

from .report_file import write_report

logger = logging.getLogger(__name__)

TAB_NAME = "Weights & Biases"
MAX_DUTY = 0.05
"""The largest share of wall time the refresher spends rendering."""

Render = Callable[[bool], str]
"""Returns the tab's HTML; gets ``True`` for the last render, after the task's work ended."""


class TabRefresher:
    """One tab of the current task's report, re-rendered by ``render``.

    Create it in the task's own context (the report and where it is flushed to are the task's);
    outside a task it does nothing.
    """

    def __init__(self, render: Render, interval_s: float, tab_name: str = TAB_NAME) -> None:
        tctx = flyte.ctx()
        self._report = tctx.report if tctx else None
        self._output_path = tctx.output_path if tctx else ""
        self._render = render
        self._interval_s = interval_s
        self._tab_name = tab_name
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one render at a time: the thread's, or the last one
        self._thread: threading.Thread | None = None
        self.renders = 0
        """Renders written to the report so far (the first one at ``start``)."""

    def start(self) -> None:
        """Render the tab now, then every ``interval_s`` seconds until :meth:`close`."""
        if self._report is None:
            return
        self.refresh(final=False)
        self._thread = threading.Thread(target=self._loop, name="flyte-wandb-report-tab", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        delay = self._interval_s
        while not self._stop.wait(delay):
            started = time.monotonic()
            self.refresh(final=False)
            delay = max(self._interval_s, (time.monotonic() - started) * (1 / MAX_DUTY - 1))

    def refresh(self, final: bool) -> None:
        """Render and flush once; a failure is logged, never raised (the task goes on)."""
        report = self._report
        if report is None:
            return
        with self._lock:
            try:
                report.get_tab(self._tab_name).replace(self._render(final))
                write_report(report, self._output_path)
                self.renders += 1
            except Exception:
                logger.warning(
                    "Could not update the %r tab of the task's report", self._tab_name, exc_info=True
                )

    def close(self) -> None:
        """Stop refreshing and render the tab a last time."""
        if self._report is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.refresh(final=True)
