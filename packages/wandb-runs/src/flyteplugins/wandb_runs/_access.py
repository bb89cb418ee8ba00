"""Reading the current run from task code, traces and sweep objectives."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from flyteplugins.wandb_context.internal import task_context

from ._distributed import detect_distributed

if TYPE_CHECKING:
    from wandb import Run

RUN_DATA_KEY = "_wandb_run"
"""Task-local data key holding the run object of the current task (seen by its traces)."""


# The run of a decorated function running outside any Flyte context (a sweep objective in
# wandb.agent's thread); each thread or asyncio task sees its own.
objective_run: ContextVar[Run | None] = ContextVar("flyteplugins_wandb_objective_run", default=None)


def get_wandb_run() -> Run | None:
    """The W&B run of the current ``@wandb_init`` task, trace or objective.

    Inside a Flyte task this is only the run of this action's ``@wandb_init`` (or, in a trace,
    of the trace's task): a task without ``@wandb_init`` gets ``None``, even when its parent
    has a run. Outside any Flyte task (a sweep objective run by ``wandb.agent``, a script) it
    is the decorated function's run, else ``wandb.run``. ``None`` on distributed ranks that
    do not log.
    """
    tctx = task_context()
    if tctx is not None:
        # Flyte builds each action's task context with empty task-local data and hands a trace
        # its task's data. Not wandb.run: in one process that is the first run started, e.g.
        # the parent's run seen from an undecorated child in local mode.
        return (tctx.data or {}).get(RUN_DATA_KEY)
    run = objective_run.get()
    if run is not None:
        return run
    import wandb

    return wandb.run


def get_wandb_run_dir() -> str | None:
    """The local directory of the current run's files (``run.dir``), ``None`` without a run.

    No network: use it for files this task writes. For another task's files, or after the run
    finished, use ``download_wandb_run_dir()``.
    """
    run = get_wandb_run()
    return None if run is None else run.dir


def get_distributed_info() -> dict[str, int] | None:
    """This process's place in a torchrun/Elastic job, or ``None`` when not distributed.

    Keys: ``rank``, ``local_rank``, ``world_size``, ``local_world_size``, ``worker_index``
    (``GROUP_RANK``) and ``num_workers`` (``WORLD_SIZE // LOCAL_WORLD_SIZE``).
    """
    info = detect_distributed()
    return None if info is None else info.as_dict()
