"""The DESIGN run-mode table, through parent, child and grandchild tasks in every mode."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import flyte
import pytest
from runs_support import metrics, own_id, recorded, recorded_ids, run_local, visible_run, visible_run_id

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_modes")

# run id -> ids of the Run objects that served it in this process (reuse must hand out one object)
RUN_OBJECTS: dict[str, set[int]] = {}


async def _visit(path: list[str]) -> list[str]:
    """Log this node into its run, call the next node of ``path``, report what was seen."""
    run = get_wandb_run()
    assert run is not None
    RUN_OBJECTS.setdefault(run.id, set()).add(id(run))
    action = flyte.ctx().action.name  # type: ignore[union-attr]
    run.log({"node": action})
    run_name = flyte.ctx().action.run_name  # type: ignore[union-attr]
    seen = {
        "action": action,
        "run_name": run_name,
        "run_id": run.id,
        "own_id": own_id(),
        "sees": visible_run_id(),
    }
    below: list[str] = []
    if path:
        below = await NODES[path[0]](path[1:])
    # After the child returned, this task's view is exactly what it was.
    seen["restored"] = visible_run_id() == run.id and visible_run() is run and get_wandb_run() is run
    return [json.dumps(seen), *below]


@wandb_init
@env.task
async def node_auto(path: list[str]) -> list[str]:
    return await _visit(path)


@wandb_init(run_mode="new")
@env.task
async def node_new(path: list[str]) -> list[str]:
    return await _visit(path)


@wandb_init(run_mode="shared")
@env.task
async def node_shared(path: list[str]) -> list[str]:
    return await _visit(path)


NODES: dict[str, Any] = {"auto": node_auto, "new": node_new, "shared": node_shared}


def _expected_ids(modes: list[str], own_ids: list[str]) -> list[str]:
    """The table: a node reuses the run above it in auto/shared mode, else has its own."""
    ids: list[str] = []
    for depth, mode in enumerate(modes):
        if depth > 0 and mode in ("auto", "shared"):
            ids.append(ids[-1])
        else:
            ids.append(own_ids[depth])
    return ids


def _check_tree(modes: list[str], wandb_dir: Path) -> None:
    RUN_OBJECTS.clear()
    before = Counter(recorded_ids(wandb_dir))
    seen = [json.loads(s) for s in run_local(NODES[modes[0]], modes[1:])]
    ids = _expected_ids(modes, [s["own_id"] for s in seen])
    assert [s["run_id"] for s in seen] == ids, modes
    for s in seen:
        assert s["sees"] == s["run_id"], "children and links see the active run id"
        assert s["restored"], f"context not restored in {s['action']} ({modes})"
    # One W&B run per distinct id, served by one Run object: reuse started nothing new.
    assert sorted((Counter(recorded_ids(wandb_dir)) - before).elements()) == sorted(set(ids))
    assert all(len(RUN_OBJECTS[i]) == 1 for i in set(ids))
    for run_id in set(ids):
        rec = recorded(run_id, wandb_dir)
        logged_by = [s["action"] for s, i in zip(seen, ids, strict=True) if i == run_id]
        assert [m["node"] for m in metrics(rec)] == logged_by
        assert rec.exit_code == 0
        assert rec.segments == 1


@pytest.mark.parametrize("child_mode", ["auto", "new", "shared"])
def test_parent_child_grandchild_in_every_mode(child_mode: str, offline: Path) -> None:
    for grandchild_mode in ("auto", "new", "shared"):
        _check_tree(["auto", child_mode, grandchild_mode], offline)


def test_new_top_level_run_and_auto_child_reusing_it(offline: Path) -> None:
    _check_tree(["new", "auto"], offline)


def test_auto_without_parent_creates_run_named_after_the_action(offline: Path) -> None:
    [seen] = [json.loads(s) for s in run_local(node_auto, [])]
    assert seen["run_id"] == f"{seen['run_name']}-{seen['action']}"
    assert recorded(seen["run_id"], offline).exit_code == 0


@wandb_init(id="given-run-id")
@env.task
async def with_given_id() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"x": 1})
    return run.id


def test_given_id_is_used(offline: Path) -> None:
    assert run_local(with_given_id) == "given-run-id"
    assert metrics(recorded("given-run-id", offline)) == [{"x": 1}]


@wandb_init
@env.task
async def parent_with_new_child() -> list[str]:
    run = get_wandb_run()
    assert run is not None
    child = [json.loads(s) for s in await node_new([])]
    return [run.id, child[0]["run_id"], child[0]["own_id"]]


def test_context_id_names_the_top_run_and_a_new_child_derives_its_own(offline: Path) -> None:
    parent_id, child_id, child_own = run_local(
        parent_with_new_child, custom_context=wandb_config(id="ctx-id")
    )
    assert parent_id == "ctx-id"
    assert child_id == child_own != parent_id
    assert recorded_ids(offline) == sorted([parent_id, child_id])


@pytest.mark.parametrize("mode", ["auto", "new"])
def test_run_mode_from_context_applies_when_decorator_leaves_it_unset(mode: str, offline: Path) -> None:
    seen = [json.loads(s) for s in run_local(node_auto, ["auto"], custom_context=wandb_config(run_mode=mode))]
    parent, child = seen
    expected_child = parent["run_id"] if mode == "auto" else child["own_id"]
    assert child["run_id"] == expected_child
