"""The ``Wandb`` links ``@wandb_init`` adds to a task (one, or one per worker node)."""

from __future__ import annotations

from flyte import AsyncFunctionTaskTemplate, Link

from flyteplugins.wandb_links import Wandb

from ._distributed import task_topology
from ._settings import DecoratorOptions


def wandb_links(task: AsyncFunctionTaskTemplate, options: DecoratorOptions) -> tuple[Link, ...]:
    """One link to the task's run (or run group), or for multi-node ``rank_scope="worker"``
    one link per worker node."""
    nodes, procs_per_node = task_topology(getattr(task, "plugin_config", None))
    distributed = nodes > 1 or procs_per_node > 1
    # None lets the link follow wandb_config(run_mode=..., rank_scope=...) in the action's context
    run_mode = options.run_mode
    rank_scope = options.rank_scope
    common = {
        "host": options.kwargs.get("host"),
        "project": options.project,
        "entity": options.entity,
        "run_mode": run_mode,
        "rank_scope": rank_scope,
        "id": options.kwargs.get("id"),
    }
    if nodes > 1 and rank_scope == "worker":  # a decorator value: one link per worker node
        return tuple(
            Wandb(**common, name=f"Weights & Biases Worker {i}", distributed=True, worker_index=i)
            for i in range(nodes)
        )
    return (Wandb(**common, distributed=distributed),)


def add_wandb_links(task: AsyncFunctionTaskTemplate, options: DecoratorOptions) -> None:
    """Append the W&B links to the task's own links."""
    task.links = (*task.links, *wandb_links(task, options))
