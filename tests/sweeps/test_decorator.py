"""``@wandb_sweep`` on Flyte tasks: sweep creation, the id in context, links, errors."""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from pathlib import Path

import flyte
import pytest

from flyteplugins.wandb_context import wandb_config, wandb_sweep_config
from flyteplugins.wandb_context.internal import current_custom_context, keys
from flyteplugins.wandb_links import WandbSweep
from flyteplugins.wandb_sweeps import get_wandb_sweep_id, wandb_sweep
from flyteplugins.wandb_sweeps._local import SweepStore

env = flyte.TaskEnvironment("sweeps-decorator")

SWEEP = wandb_sweep_config(method="grid", parameters={"x": {"values": [1, 2]}})


@env.task
async def child_sees() -> str:
    return get_wandb_sweep_id() or ""


@wandb_sweep
@env.task
async def sweep_task() -> list[str]:
    return [get_wandb_sweep_id() or "", await child_sees()]


@env.task
async def parent_of_sweep() -> list[str]:
    """An undecorated parent: the id lives only while the sweep task runs."""
    inside = await sweep_task()
    return [*inside, current_custom_context().get(keys.SWEEP_ID_KEY, "")]


def test_sweep_id_reaches_children_and_is_removed_after(local_run, wandb_offline: Path) -> None:
    inside, child, after = local_run(parent_of_sweep, custom_context={**SWEEP})
    assert len(inside) == 8 and inside.isalnum()
    assert child == inside
    assert after == ""
    assert get_wandb_sweep_id() is None  # outside any task


@wandb_sweep(
    project="from-decorator", name="fixed-name", early_terminate={"type": "hyperband", "min_iter": 2}
)
@env.task
async def configured_sweep() -> str:
    return get_wandb_sweep_id() or ""


@wandb_sweep
@env.task
async def default_sweep() -> str:
    return get_wandb_sweep_id() or ""


def test_project_priority_name_and_extra_sweep_keys(local_run, wandb_offline: Path) -> None:
    context = {
        **wandb_config(project="from-run-config", entity="team-a"),
        **wandb_sweep_config(project="from-sweep-config", method="grid", parameters={"x": {"values": [1]}}),
    }
    with pytest.warns(UserWarning, match="early_terminate is not applied"):
        sweep_id = local_run(configured_sweep, custom_context=context)
    sweep = SweepStore(sweep_id).read_sweep()
    assert (sweep.project, sweep.entity, sweep.name) == ("from-decorator", "team-a", "fixed-name")
    assert sweep.config["early_terminate"]["type"] == "hyperband"

    sweep = SweepStore(local_run(default_sweep, custom_context=context)).read_sweep()
    assert sweep.project == "from-sweep-config"
    run_name, action = sweep.name.rsplit("-", 1)  # default name: {run_name}-{action_name}
    assert run_name and action

    context = {**wandb_config(project="from-run-config"), **SWEEP}
    assert (
        SweepStore(local_run(default_sweep, custom_context=context)).read_sweep().project == "from-run-config"
    )


@wandb_sweep
@env.task
async def agent_like(i: int) -> str:
    return get_wandb_sweep_id() or ""


@wandb_sweep
@env.task
async def fan_out(n: int) -> list[str]:
    ids = await asyncio.gather(*(agent_like(i) for i in range(n)))
    return [get_wandb_sweep_id() or "", *ids]


def test_agent_tasks_reuse_the_parent_sweep(local_run, wandb_offline: Path) -> None:
    ids = local_run(fan_out, 3, custom_context={**SWEEP})
    assert len(set(ids)) == 1
    assert len(list((wandb_offline / "wandb").glob("sweep-*"))) == 1


def test_more_than_20_agents_for_one_sweep_warns(local_run, wandb_offline: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        local_run(fan_out, 20, custom_context={**SWEEP})
    assert not [w for w in caught if "agents per sweep" in str(w.message)]
    with pytest.warns(UserWarning, match="at most 20 agents per sweep"):
        local_run(fan_out, 21, custom_context={**SWEEP})


def test_link_is_added_with_decorator_values() -> None:
    @env.task
    async def plain() -> None: ...

    assert not [link for link in plain.links if isinstance(link, WandbSweep)]
    decorated = wandb_sweep(project="p1", entity="e1")(plain)
    assert decorated is plain  # changed in place: its TaskEnvironment (deployment) sees the link
    assert env.tasks[plain.name] is decorated
    links = [link for link in decorated.links if isinstance(link, WandbSweep)]
    assert len(links) == 1 and (links[0].project, links[0].entity) == ("p1", "e1")
    with pytest.raises(ValueError, match="already decorated with @wandb_sweep"):
        wandb_sweep(decorated)
    url = links[0].get_link("r", "fp", "dev", {keys.SWEEP_ID_KEY: "abc12345"}, "a0", "a1", "pod")
    assert url == "https://wandb.ai/e1/p1/sweeps/abc12345"


def test_decorator_on_a_non_task_raises() -> None:
    def not_a_task() -> None: ...

    with pytest.raises(RuntimeError, match=r"can only decorate a Flyte task.*outermost"):
        wandb_sweep(not_a_task)  # type: ignore[type-var]
    with pytest.raises(RuntimeError, match="can only decorate a Flyte task"):
        wandb_sweep(project="p")(not_a_task)  # type: ignore[type-var]


def test_no_sweep_config_shows_how_to_pass_one(local_run, wandb_offline: Path) -> None:
    with pytest.raises(RuntimeError, match=r"no sweep configuration") as info:
        local_run(default_sweep, custom_context={**wandb_config(project="p")})
    assert "wandb_sweep_config(" in str(info.value)


def test_sweep_task_failure_leaves_context_as_it_was(local_run, wandb_offline: Path) -> None:
    @wandb_sweep
    @env.task
    async def broken() -> None:
        raise ValueError("training diverged")

    @env.task
    async def parent() -> str:
        with contextlib.suppress(Exception):
            await broken()
        return current_custom_context().get(keys.SWEEP_ID_KEY, "none")

    assert local_run(parent, custom_context={**SWEEP}) == "none"


@env.task
async def precedence_seen() -> list[list[str | None]]:
    from flyteplugins.wandb_sweeps._project import project_entity

    return [list(project_entity(None, None)), list(project_entity("arg", "")), list(project_entity("", "e"))]


def test_one_project_entity_rule_for_creating_joining_and_reading(local_run) -> None:
    """_project.project_entity is the rule resolve_request, the agent and get_sweep_results use."""
    context = {
        **wandb_config(project="from-run-config", entity="team-run"),
        **wandb_sweep_config(project="from-sweep-config", method="grid", parameters={"x": {"values": [1]}}),
    }
    assert local_run(precedence_seen, custom_context=context) == [
        ["from-sweep-config", "team-run"],
        ["arg", "team-run"],
        ["from-sweep-config", "e"],
    ]
    assert local_run(precedence_seen) == [[None, None], ["arg", None], [None, "e"]]
