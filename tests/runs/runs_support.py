"""What the runs tests read back: the record logs W&B wrote for offline runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import flyte

from flyteplugins.wandb_artifacts.records import RecordedRun, find_offline_run_dirs, read_run, read_run_dir
from flyteplugins.wandb_context.internal import current_custom_context, keys, task_data
from flyteplugins.wandb_runs.internal import RUN_DATA_KEY


def wait_written(dirs: list[Path], timeout: float = 15.0) -> None:
    """Wait until each run directory's record log ends with its exit record.

    ``run.finish()`` returns once W&B's service has the exit record; the service writes the
    offline record log when it closes the run's stream, a moment later.
    """
    deadline = time.monotonic() + timeout
    pending = list(dirs)
    while pending:
        pending = [d for d in pending if read_run_dir(d, load_history=False).exit_code is None]
        if pending and time.monotonic() > deadline:
            raise AssertionError(f"record logs without an exit record after {timeout}s: {pending}")
        if pending:
            time.sleep(0.01)


def recorded(run_id: str, wandb_dir: Path) -> RecordedRun:
    """Every local segment of ``run_id``, merged (once they are all written)."""
    wait_written(find_offline_run_dirs(run_id, wandb_dir))
    return read_run(run_id, wandb_dir)


def metrics(run: RecordedRun) -> list[dict[str, Any]]:
    """The logged rows without W&B's ``_step``."""
    return [{k: v for k, v in row.items() if k != "_step"} for row in run.history]


def run_dirs(wandb_dir: Path) -> list[Path]:
    base = wandb_dir / "wandb"
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and p.name.startswith(("offline-run-", "run-")))


def recorded_ids(wandb_dir: Path) -> list[str]:
    """The run id of every local run directory (a resumed run appears once per segment)."""
    dirs = run_dirs(wandb_dir)
    wait_written(dirs)
    return sorted(read_run_dir(d, load_history=False).run_id for d in dirs)


def own_id() -> str:
    """The id ``@wandb_init`` derives for the current task: ``{run_name}-{action_name}``."""
    action = flyte.ctx().action  # type: ignore[union-attr]
    return f"{action.run_name}-{action.name}"


def visible_run_id() -> str | None:
    """The run id children and links see now."""
    return current_custom_context().get(keys.RUN_ID_KEY)


def visible_run() -> Any:
    """The run object traces see now."""
    return task_data(RUN_DATA_KEY)


def run_local(task: Any, *args: Any, custom_context: dict[str, str] | None = None, **kwargs: Any) -> Any:
    run = flyte.with_runcontext(mode="local", custom_context=custom_context or {}).run(task, *args, **kwargs)
    return run.outputs()[0]
