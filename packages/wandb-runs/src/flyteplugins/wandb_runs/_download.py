"""``download_logs=True``: after the run finished, export its files as a trace output."""

from __future__ import annotations

import asyncio
import inspect
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wandb.sdk.wandb_run import Run

_FLUSH_TIMEOUT_S = 30.0


def wait_for_record_log(run: Run, timeout: float = _FLUSH_TIMEOUT_S) -> None:
    """Block until an offline run's record log holds its exit record.

    ``run.finish()`` returns once W&B's service has the exit record, but the service writes the
    offline record log when it closes the run's stream, a moment later; an export started right
    away could read an empty log.
    """
    if run.settings.mode not in ("offline", "dryrun"):
        return
    from flyteplugins.wandb_artifacts.records import read_run_dir

    run_dir = Path(run.dir).parent
    deadline = time.monotonic() + timeout
    while read_run_dir(run_dir, load_history=False).exit_code is None:
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"W&B did not write the record log of run {run.id!r} in {run_dir} within {timeout}s."
            )
        time.sleep(0.005)


def _download_call(run_id: str) -> Any:
    # Imported on use: the artifacts package is only needed when downloads are asked for.
    from flyteplugins.wandb_artifacts import download_wandb_run_logs

    return download_wandb_run_logs(run_id)


async def download_logs_async(run: Run) -> Any:
    await asyncio.to_thread(wait_for_record_log, run)
    result = _download_call(run.id)
    if inspect.isawaitable(result):
        result = await result
    return result


def download_logs_sync(run: Run) -> Any:
    """From a sync task body, which Flyte runs in its own thread without an event loop."""
    wait_for_record_log(run)
    result = _download_call(run.id)
    if inspect.isawaitable(result):
        return asyncio.run(_awaited(result))
    return result


async def _awaited(awaitable: Any) -> Any:
    return await awaitable
