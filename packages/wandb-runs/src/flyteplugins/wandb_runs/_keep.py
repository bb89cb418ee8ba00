"""A run that did not reach W&B completely is kept: its local directory becomes a Flyte
output, so it outlives the pod, and the task log says how to upload it.

It applies to a run that fell back to offline during an outage and to one whose uploads did
not end within ``finish_timeout``. The output is a trace named ``wandb_unsynced_run`` (so it
is easy to find in the UI) whose value is the run directory, ready for ``flyte wandb sync``.
"""

from __future__ import annotations

import logging
import shlex

import flyte
from flyte.io import Dir

from flyteplugins.wandb_context.internal import run_coroutine_sync

logger = logging.getLogger(__name__)


@flyte.trace
async def wandb_unsynced_run(run_id: str, run_dir: str) -> Dir:
    """The local directory of W&B run ``run_id``, saved as a ``flyte.io.Dir``."""
    return await Dir.from_local(run_dir)


def _announce(run_id: str, saved: str) -> None:
    logger.warning(
        "W&B run %s did not reach W&B completely; its local directory is saved as %s. "
        "Upload it once W&B is reachable:\n    flyte wandb sync %s",
        run_id,
        saved,
        shlex.quote(saved),
    )


async def keep_async(run_id: str, run_dir: str, in_flyte_task: bool) -> None:
    if not in_flyte_task:  # no Flyte to keep it: the directory stays where it is
        _announce(run_id, run_dir)
        return
    kept = await wandb_unsynced_run(run_id, run_dir)
    _announce(run_id, kept.path)


def keep_sync(run_id: str, run_dir: str, in_flyte_task: bool) -> None:
    """From a sync task body, which Flyte runs in its own thread without an event loop."""
    run_coroutine_sync(keep_async(run_id, run_dir, in_flyte_task))
