"""``run_sweep_agent``: one agent call for online and offline sweeps."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ._mode import is_offline
from ._objective import check_objective
from ._online import run_online_agent
from ._project import project_entity


def run_sweep_agent(
    sweep_id: str,
    function: Callable[[], Any],
    count: int | None = None,
    project: str | None = None,
    entity: str | None = None,
    max_consecutive_failed_runs: int | None = None,
    **kwargs: Any,
) -> None:
    """Run sweep trials: each calls ``function()`` (the objective, which reads its hyperparameters
    from ``wandb.run.config`` and logs the sweep's metric) as one W&B run of the sweep.

    Online this is ``wandb.agent`` (the W&B server's controller picks the parameters) on the
    server of ``wandb_config(host=...)``, else the SDK's own; ``project``/``entity`` default to
    ``wandb_sweep_config()``'s, then ``wandb_config()``'s. For an offline sweep (one created on
    this machine by a ``@wandb_sweep`` task in offline mode) W&B's sweep engine picks them
    locally; agents in threads and processes of this machine share the sweep through its state
    directory. ``count`` bounds this agent's trials (``None``: until the
    grid is exhausted or the sweep's ``run_cap`` is reached; random and bayes run forever). A
    trial whose objective raises is recorded as failed and the agent goes on.

    ``async def`` objectives are awaited. Within one process trials run one at a time, because
    ``wandb.run`` is process-wide; agents in separate tasks on a cluster run in parallel.
    Extra keyword arguments go to ``wandb.agent`` (online only).
    """
    check_objective(function)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"count must be a positive number of trials (or None for no limit), got {count!r}.")
    from ._local import default_sweeps_root, find_local_sweep, run_local_agent

    if find_local_sweep(sweep_id) is not None:
        run_local_agent(sweep_id, function, count, max_consecutive_failed_runs)
        return
    if is_offline():
        raise ValueError(
            f"No offline sweep {sweep_id!r} under {str(default_sweeps_root())!r}, and W&B is in offline "
            "mode. Create the sweep with a @wandb_sweep task in offline mode and run the agent with the "
            "same WANDB_DIR, or go online to join a sweep on a W&B server."
        )
    project, entity = project_entity(project, entity)
    if not project and "/" not in sweep_id and not os.environ.get("WANDB_PROJECT"):
        raise ValueError(
            f"The agent for W&B sweep {sweep_id!r} needs the project the sweep lives in: pass "
            "project=..., set wandb_config(project=...) or wandb_sweep_config(project=...), or pass "
            "the sweep as 'entity/project/sweep_id'."
        )
    run_online_agent(sweep_id, function, count, project, entity, max_consecutive_failed_runs, kwargs)
