"""The "Weights & Biases" tab of a task's Flyte report: the task's run, read back from the
run's local record log (the SDK writes it online and offline alike), so logging is never wrapped."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from flyteplugins.wandb_artifacts.internal import LiveRun, RecordTail, TabRefresher, run_tab_html

if TYPE_CHECKING:
    from wandb import Run

FINAL_READ_TIMEOUT_S = 5.0
"""How long the last render waits for a finished run's end record to reach its log."""


class RunTab:
    """Renders one run's tab; each render reads only what was appended to the log since the last."""

    def __init__(
        self, run: Run, *, owns_run: bool, shared_with_parent: str | None, interval_s: float
    ) -> None:
        self._tail = RecordTail(run.settings.sync_file)
        self._state = LiveRun()
        self._owns_run = owns_run
        self._shared_with_parent = shared_with_parent
        self._interval_s = interval_s
        self._links = [("W&B run", run.url)] if run.url else []
        self._note = None
        if not run.url:
            self._note = f"Offline run: upload it with `flyte wandb sync {run.settings.sync_dir}`."

    def render(self, final: bool) -> str:
        self._state.feed(self._tail.poll())
        if final and self._owns_run:
            deadline = time.monotonic() + FINAL_READ_TIMEOUT_S
            while self._state.exit_code is None and time.monotonic() < deadline:
                time.sleep(0.05)
                self._state.feed(self._tail.poll())
        return run_tab_html(
            self._state,
            links=self._links,
            shared_with_parent=self._shared_with_parent,
            note=self._note,
            updated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
            refresh_s=None if final else self._interval_s,
        )


def start_run_tab(
    run: Run, *, owns_run: bool, shared_with_parent: str | None, interval_s: float
) -> TabRefresher:
    """The tab of ``run`` in the current task's report, rendered now and kept current."""
    tab = RunTab(run, owns_run=owns_run, shared_with_parent=shared_with_parent, interval_s=interval_s)
    refresher = TabRefresher(tab.render, interval_s)
    refresher.start()
    return refresher
