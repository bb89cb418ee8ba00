"""The W&B runs this process started and has not finished yet, by run id.

A child task that shares its parent's run and runs in the same process (Flyte local mode,
sub-tasks of a reusable container) takes the live ``Run`` object from here instead of
calling ``wandb.init`` again: the W&B service refuses a second writer for a run id it
already serves, and re-initialising would cost a second per child.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wandb import Run

_lock = threading.Lock()
_live: dict[str, Run] = {}
_offline: set[str] = set()  # runs that fell back to offline during an outage

# wandb.init is not meant to be entered by several threads at once (sync tasks run in their
# own threads); every init of this package goes through this lock.
init_lock = threading.Lock()


def register(run: Run) -> None:
    with _lock:
        _live[run.id] = run


def unregister(run: Run) -> None:
    with _lock:
        if _live.get(run.id) is run:
            del _live[run.id]


def live_run(run_id: str) -> Run | None:
    with _lock:
        return _live.get(run_id)


def live_runs() -> list[Run]:
    """Every run this process started (created or joined) and has not finished."""
    with _lock:
        return list(_live.values())


def mark_offline(run_id: str) -> None:
    with _lock:
        _offline.add(run_id)


def is_offline(run_id: str) -> bool:
    """Whether run ``run_id`` fell back to offline in this process (its children must not try
    the server again)."""
    with _lock:
        return run_id in _offline
