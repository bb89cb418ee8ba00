"""``download_logs=True``: after the run finished, export its files as a trace output.

The artifacts package's traced download does the work (for an offline run it exports the
local run directory, waiting for W&B to finish writing its record log).
"""

from __future__ import annotations

import inspect
from typing import Any

from flyteplugins.wandb_context.internal import run_coroutine_sync


def _download_call(run_id: str) -> Any:
    # Imported on use: flyte.io and the download code load only when downloads are asked for.
    from flyteplugins.wandb_artifacts import download_wandb_run_logs

    return download_wandb_run_logs(run_id)


async def download_logs_async(run_id: str) -> Any:
    result = _download_call(run_id)
    if inspect.isawaitable(result):
        result = await result
    return result


def download_logs_sync(run_id: str) -> Any:
    """From a sync task body, which Flyte runs in its own thread without an event loop."""
    return run_coroutine_sync(_download_call(run_id))
