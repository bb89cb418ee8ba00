"""The "Weights & Biases" tab of a task's Flyte report: the task's run, read back from the
run's local record log (the SDK writes it online and offline alike), so logging is never wrapped.
The log is read and the tab drawn in a helper process at the lowest CPU priority
(``wandb_artifacts._tab.worker``), so the work never holds this process's interpreter lock."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from flyteplugins.wandb_artifacts.internal import RunViewProcess, TabRefresher

if TYPE_CHECKING:
    from wandb import Run

FINAL_READ_TIMEOUT_S = 5.0
"""How long the last render waits for a finished run's end record to reach its log."""


class RunTab:
    """Renders one run's tab; each render reads only what was appended to the log since the last."""

    def __init__(
        self, run: Run, *, owns_run: bool, shared_with_parent: str | None, interval_s: float
    ) -> None:
        self._view = RunViewProcess(run.settings.sync_file)
        self._owns_run = owns_run
        self._interval_s = interval_s
        self._request = {
            "links": [("W&B run", run.url)] if run.url else [],
            "shared_with_parent": shared_with_parent,
            "note": None
            if run.url
            else f"Offline run: upload it with `flyte wandb sync {run.settings.sync_dir}`.",
        }

    def render(self, final: bool) -> str:
        try:
            return self._view.render(
                **self._request,
                wait_for_end_s=FINAL_READ_TIMEOUT_S if final and self._owns_run else 0.0,
                updated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                refresh_s=None if final else self._interval_s,
            )
        finally:
            if final:
                self._view.close()


def start_run_tab(
    run: Run, *, owns_run: bool, shared_with_parent: str | None, interval_s: float
) -> TabRefresher:
    """The tab of ``run`` in the current task's report, rendered now and kept current."""
    tab = RunTab(run, owns_run=owns_run, shared_with_parent=shared_with_parent, interval_s=interval_s)
    refresher = TabRefresher(tab.render, interval_s)
    refresher.start()
    return refresher
