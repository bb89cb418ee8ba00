"""``wandb.agent`` inside ``@wandb_sweep`` tasks: served by ``run_sweep_agent`` only from the body
of a sweep task that did not opt out, and only while such a body runs."""

from __future__ import annotations

from pathlib import Path

import flyte
import pytest
import sweep_objectives as obj
import wandb
from sweep_helpers import GRID_3x2

from flyteplugins.wandb_context import wandb_config, wandb_sweep_config
from flyteplugins.wandb_sweeps import get_wandb_sweep_id, wandb_sweep
from flyteplugins.wandb_sweeps._compat import sdk_agent
from flyteplugins.wandb_sweeps._local import SweepStore
from flyteplugins.wandb_sweeps._router import routes_here

env = flyte.TaskEnvironment("sweeps-routing")


def _agent_outcome(sweep_id: str) -> str:
    """What ``wandb.agent`` does here for one trial: the offline engine runs it ("trial"), or the
    SDK's agent refuses to start without a W&B login (it is the SDK's, not routed)."""
    before = len(SweepStore(sweep_id).read_trials())
    try:
        wandb.agent(sweep_id, function=obj.quadratic, count=1)
    except wandb.errors.UsageError as exc:
        assert "API key" in str(exc)
        return "sdk"
    return "trial" if len(SweepStore(sweep_id).read_trials()) == before + 1 else "nothing"


@env.task
async def plain_child(sweep_id: str) -> list[str]:
    """Not a sweep task, though the sweep id is in its context: as in its own pod, no routing."""
    return [str(routes_here()), _agent_outcome(sweep_id)]


@wandb_sweep(route_wandb_agent=False)
@env.task
async def opted_out(sweep_id: str) -> list[str]:
    return [str(routes_here()), _agent_outcome(sweep_id)]


@wandb_sweep
@env.task
async def routing_sweep() -> list[str]:
    sweep_id = get_wandb_sweep_id() or ""
    inside = [str(routes_here()), str(wandb.agent is not sdk_agent()), _agent_outcome(sweep_id)]
    return [sweep_id, *inside, *await plain_child(sweep_id), *await opted_out(sweep_id)]


def test_only_the_sweep_task_body_routes_wandb_agent(local_run, wandb_offline: Path) -> None:
    assert not routes_here() and wandb.agent is sdk_agent()
    context = {**wandb_config(project="routing"), **wandb_sweep_config(**GRID_3x2)}
    sweep_id, *seen = local_run(routing_sweep, custom_context=context)
    assert seen == [
        "True", "True", "trial",  # the sweep task body: served by run_sweep_agent (offline engine)
        "False", "sdk",  # a plain child task: the SDK's agent
        "False", "sdk",  # a sweep task with route_wandb_agent=False: the SDK's agent
    ]  # fmt: skip
    assert len(SweepStore(sweep_id).read_trials()) == 1
    assert wandb.agent is sdk_agent()  # restored when the sweep task ended
    assert not routes_here()


def test_route_wandb_agent_must_be_a_bool() -> None:
    @env.task
    async def some_task() -> None: ...

    with pytest.raises(TypeError, match=r"route_wandb_agent=\.\.\.\) must be True or False, got 'no'"):
        wandb_sweep(route_wandb_agent="no")(some_task)  # type: ignore[arg-type]
