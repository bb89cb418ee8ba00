"""wandb_config()/wandb_sweep_config() as context managers inside real local Flyte tasks."""

from __future__ import annotations

import asyncio

import flyte
import pytest

from flyteplugins.wandb_context import (
    get_wandb_context,
    get_wandb_sweep_context,
    wandb_config,
    wandb_sweep_config,
)
from flyteplugins.wandb_context.internal import keys

env = flyte.TaskEnvironment(name="ctx_scoping")


def _wandb_keys() -> dict[str, str]:
    return {k: v for k, v in flyte.ctx().custom_context.items() if "wandb" in k}


@env.task
async def child_sees() -> dict[str, str]:
    return _wandb_keys()


@env.task
def sync_child_sees() -> dict[str, str]:
    return _wandb_keys()


@env.task
async def nested_parent() -> list[dict[str, str]]:
    seen = [await child_sees()]
    with wandb_config(project="outer", tags=["o"]):
        seen.append(await child_sees())
        with wandb_config(tags=["inner"], run_mode="new"):
            seen.append(await child_sees())
            seen.append(await sync_child_sees.aio())
        seen.append(await child_sees())
    seen.append(await child_sees())
    return seen


def test_nesting_overrides_and_restores_exactly(local_run) -> None:
    base = dict(wandb_config(project="base", entity="team"))
    seen = local_run(nested_parent, custom_context=base)
    assert seen[0] == base
    assert seen[1] == {**base, "wandb_project": "outer", "wandb_tags": '["o"]'}
    inner = {**base, "wandb_project": "outer", "wandb_tags": '["inner"]', "wandb_run_mode": "new"}
    assert seen[2] == inner
    assert seen[3] == inner
    assert seen[4] == seen[1]
    assert seen[5] == base


@env.task
async def raising_parent() -> dict[str, str]:
    try:
        with wandb_config(project="temporary", group="g"):
            assert get_wandb_context().project == "temporary"  # type: ignore[union-attr]
            raise KeyError("boom")
    except KeyError:
        pass
    return _wandb_keys()


def test_exception_restores(local_run) -> None:
    base = dict(wandb_config(project="base"))
    assert local_run(raising_parent, custom_context=base) == base


@env.task
async def reader(delay: float) -> str:
    await asyncio.sleep(delay)
    cfg = get_wandb_context()
    return cfg.project if cfg and cfg.project else "<none>"


async def _under(project: str, delay: float) -> str:
    with wandb_config(project=project):
        # the other coroutines enter and leave their own blocks while this one waits
        return await reader(delay)


@env.task
async def concurrent_parent() -> list[str]:
    return list(await asyncio.gather(*(_under(f"p{i}", 0.01 * (5 - i)) for i in range(6))))


def test_concurrent_children_see_their_own_values(local_run) -> None:
    assert local_run(concurrent_parent) == [f"p{i}" for i in range(6)]


@env.task
async def typed_reads() -> list[str]:
    run = get_wandb_context()
    sweep = get_wandb_sweep_context()
    assert run is not None and sweep is not None
    with wandb_sweep_config(method="grid"):
        inner = get_wandb_sweep_context()
        assert inner is not None
        assert get_wandb_context() == run  # a sweep override never touches run keys
        return [run.project or "", sweep.method or "", inner.method or "", str(sweep.parameters)]


def test_typed_reads_and_no_bleeding(local_run) -> None:
    ctx = {
        **wandb_config(project="p", entity="e"),
        **wandb_sweep_config(method="random", parameters={"x": {"values": [1]}}),
    }
    assert local_run(typed_reads, custom_context=ctx) == ["p", "random", "grid", "{'x': {'values': [1]}}"]


@env.task
async def no_config() -> list[bool]:
    return [get_wandb_context() is None, get_wandb_sweep_context() is None]


def test_none_when_unset(local_run) -> None:
    assert local_run(no_config, custom_context={"unrelated": "1", keys.RUN_ID_KEY: "r"}) == [True, True]


def test_none_outside_flyte() -> None:
    assert get_wandb_context() is None
    assert get_wandb_sweep_context() is None


@pytest.mark.parametrize("factory", [wandb_config, wandb_sweep_config])
def test_same_scope_object_reentrant(factory, local_run) -> None:
    scope = factory(project="again")

    @env.task
    async def reenter() -> list[str]:
        out = []
        with scope:
            with scope:
                out.append(_wandb_keys().get(next(iter(scope)), ""))
            out.append(_wandb_keys().get(next(iter(scope)), ""))
        out.append(_wandb_keys().get(next(iter(scope)), "gone"))
        return out

    assert local_run(reenter) == ["again", "again", "gone"]


SHARED = wandb_config(tags=["shared"], project="shared-proj")


async def _under_shared(delay: float) -> dict[str, str]:
    with SHARED:
        inside = await reader_keys(delay)
        with SHARED:  # nested re-entry of the same object inside a concurrent child
            await asyncio.sleep(0)
        return {**inside, "after_nested": _wandb_keys().get("wandb_tags", "<none>")}


@env.task
async def reader_keys(delay: float) -> dict[str, str]:
    await asyncio.sleep(delay)
    return _wandb_keys()


@env.task
async def shared_object_parent() -> list[dict[str, str]]:
    seen = list(await asyncio.gather(_under_shared(0.02), _under_shared(0.0), _under_shared(0.01)))
    seen.append(_wandb_keys())
    return seen


def test_one_scope_object_used_by_concurrent_children(local_run) -> None:
    """One wandb_config object entered by several asyncio.gather children at once: each child
    keeps its own scope state, and leaving restores exactly the keys that were there before."""
    base = dict(wandb_config(project="base", run_mode="new"))
    seen = local_run(shared_object_parent, custom_context=base)
    inside = {**base, "wandb_project": "shared-proj", "wandb_tags": '["shared"]'}
    assert seen[:3] == [{**inside, "after_nested": '["shared"]'}] * 3
    assert seen[3] == base


@env.task
async def reads_object_context() -> list[str]:
    run = get_wandb_context()
    sweep = get_wandb_sweep_context()
    assert run is not None and sweep is not None
    inner = wandb_config(group="g")
    with inner:
        child = await child_sees()
    return [
        run.project or "",
        str(run.tags),
        sweep.method or "",
        child.get("wandb_group", ""),
        inner.run_mode,
    ]


def test_config_objects_go_straight_into_with_runcontext(local_run) -> None:
    """The objects themselves (not dict copies) as custom_context, alone and merged."""
    scope = wandb_config(project="direct", tags=["t"])
    alone = flyte.with_runcontext(mode="local", custom_context=scope).run(child_sees).outputs()[0]
    assert alone == dict(scope)
    merged = {**scope, **wandb_sweep_config(method="grid")}
    assert local_run(reads_object_context, custom_context=merged) == ["direct", "['t']", "grid", "g", "auto"]
