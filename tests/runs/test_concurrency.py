"""20 concurrent children (``asyncio.gather``): each sees the right run, and every task's context
is restored exactly."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import flyte
import pytest
from runs_support import metrics, own_id, recorded, recorded_ids, run_local, visible_run, visible_run_id

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import current_custom_context, keys
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_concurrency")
CHILDREN = 20


async def _child_body(i: int) -> str:
    run = get_wandb_run()
    assert run is not None
    seen_before = (visible_run_id(), visible_run())
    await asyncio.sleep(0.01 * (CHILDREN - i) / CHILDREN)  # interleave the children
    run.log({"child": i})
    assert (visible_run_id(), visible_run()) == seen_before, "a sibling changed this child's context"
    return json.dumps({"i": i, "run_id": run.id, "sees": seen_before[0], "own_id": own_id()})


@wandb_init
@env.task
async def child_auto(i: int) -> str:
    return await _child_body(i)


@wandb_init(run_mode="new")
@env.task
async def child_new(i: int) -> str:
    return await _child_body(i)


@wandb_init(run_mode="shared")
@env.task
async def child_shared(i: int) -> str:
    return await _child_body(i)


CHILD_TASKS = {"auto": child_auto, "new": child_new, "shared": child_shared}


@wandb_init
@env.task
async def fan_out(mode: str) -> str:
    run = get_wandb_run()
    assert run is not None
    before = current_custom_context()
    results = await asyncio.gather(*(CHILD_TASKS[mode](i) for i in range(CHILDREN)))
    assert current_custom_context() == before, "the parent's custom_context changed"
    assert visible_run_id() == run.id and visible_run() is run and get_wandb_run() is run
    run.log({"parent_done": 1})
    return json.dumps({"parent": run.id, "children": [json.loads(r) for r in results]})


@pytest.mark.parametrize("mode", ["auto", "new", "shared"])
def test_twenty_concurrent_children(mode: str, offline: Path) -> None:
    out = json.loads(run_local(fan_out, mode))
    parent, children = out["parent"], out["children"]
    assert [c["i"] for c in children] == list(range(CHILDREN))
    for c in children:
        assert c["sees"] == c["run_id"]
    parent_rec = recorded(parent, offline)
    assert parent_rec.exit_code == 0
    if mode == "new":
        assert all(c["run_id"] == c["own_id"] for c in children)
        assert len({c["run_id"] for c in children}) == CHILDREN
        assert sorted(recorded_ids(offline)) == sorted([parent] + [c["run_id"] for c in children])
        for c in children:
            rec = recorded(c["run_id"], offline)
            assert metrics(rec) == [{"child": c["i"]}] and rec.exit_code == 0
        assert metrics(parent_rec) == [{"parent_done": 1}]
    else:
        assert {c["run_id"] for c in children} == {parent}
        assert recorded_ids(offline) == [parent]
        logged = metrics(parent_rec)
        assert sorted(m["child"] for m in logged[:-1]) == list(range(CHILDREN))
        assert logged[-1] == {"parent_done": 1}


@wandb_init
@env.task
async def fan_out_with_overrides() -> str:
    """Concurrent children under different ``wandb_config`` overrides each see their own."""
    run = get_wandb_run()
    assert run is not None

    async def call(i: int) -> str:
        with wandb_config(run_mode="new" if i % 2 else "auto", tags=[f"t{i}"]):
            await asyncio.sleep(0)
            result = await child_auto(i)
            assert current_custom_context().get(keys.run_key("tags")) == json.dumps([f"t{i}"])
            return result

    results = [json.loads(r) for r in await asyncio.gather(*(call(i) for i in range(CHILDREN)))]
    assert keys.run_key("tags") not in current_custom_context()
    return json.dumps({"parent": run.id, "children": results})


def test_concurrent_overrides_stay_with_their_own_calls(offline: Path) -> None:
    out = json.loads(run_local(fan_out_with_overrides))
    for c in out["children"]:
        if c["i"] % 2:
            assert c["run_id"] == c["own_id"] != out["parent"]
            assert recorded(c["run_id"], offline).tags == [f"t{c['i']}"]
        else:
            assert c["run_id"] == out["parent"]
