"""Creating offline sweeps through a real ``@wandb_sweep`` task in a local Flyte run."""

from __future__ import annotations

from typing import Any

import flyte

from flyteplugins.wandb_context import wandb_config, wandb_sweep_config
from flyteplugins.wandb_sweeps import get_wandb_sweep_id, wandb_sweep

env = flyte.TaskEnvironment("sweeps-tests")


@wandb_sweep
@env.task
async def create_only() -> str:
    """A sweep task that only creates its sweep and returns the id."""
    return get_wandb_sweep_id() or ""


def make_sweep(local_run: Any, project: str | None = "sweep-tests", **sweep: Any) -> str:
    """Create a sweep from ``wandb_sweep_config(**sweep)`` and return its id."""
    context = {**wandb_config(project=project), **wandb_sweep_config(**sweep)}
    sweep_id = local_run(create_only, custom_context=context)
    assert isinstance(sweep_id, str) and len(sweep_id) == 8
    return sweep_id


GRID_3x2 = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"x": {"values": [1, 2, 3]}, "y": {"values": [0, 1]}},
}
