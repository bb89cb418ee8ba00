"""Which run ``get_wandb_run()`` / ``get_wandb_run_dir()`` return (DESIGN "Run modes").

Inside a Flyte task: only the run of this action's ``@wandb_init`` (or, in a trace, of the
trace's task); a task without ``@wandb_init`` gets ``None`` even under a parent with a run.
Outside any Flyte task (a sweep objective on ``wandb.agent``'s thread, a script): ``wandb.run``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import flyte
import wandb
from runs_support import own_id, run_local

from flyteplugins.wandb_runs import get_wandb_run, get_wandb_run_dir, wandb_init

env = flyte.TaskEnvironment("runs_visibility")


def _seen(where: str) -> str:
    """What ``where`` sees: the run's id, the Run object's identity, and the run dir."""
    run = get_wandb_run()
    return json.dumps(
        {
            "where": where,
            "run_id": None if run is None else run.id,
            "object": None if run is None else id(run),
            "dir": get_wandb_run_dir(),
            "run_dir": None if run is None else run.dir,
            "own_id": own_id(),
        }
    )


@flyte.trace
async def trace_sees(where: str) -> str:
    return _seen(where)


@wandb_init
@env.task
async def decorated_grandchild() -> str:
    return _seen("decorated grandchild (auto) under an undecorated child")


@env.task
async def plain_grandchild() -> str:
    return _seen("undecorated grandchild under an undecorated child")


@env.task
async def plain_child() -> list[str]:
    return [
        _seen("undecorated child"),
        await trace_sees("trace in the undecorated child"),
        await plain_grandchild(),
        await decorated_grandchild(),
    ]


@wandb_init
@env.task
async def child_auto() -> str:
    return _seen("auto child")


@wandb_init(run_mode="new")
@env.task
async def child_new() -> str:
    return _seen("new child")


@wandb_init(run_mode="shared")
@env.task
async def child_shared() -> str:
    return _seen("shared child")


@wandb_init
@env.task
async def decorated_parent() -> list[str]:
    return [
        _seen("parent"),
        await trace_sees("trace in the parent"),
        *await plain_child(),
        await child_auto(),
        await child_new(),
        await child_shared(),
        _seen("parent after its children"),
    ]


def test_each_task_sees_only_its_own_or_its_traces_task_run(offline: Path) -> None:
    seen: dict[str, dict[str, Any]] = {s["where"]: s for s in map(json.loads, run_local(decorated_parent))}
    parent = seen["parent"]
    assert parent["run_id"] == parent["own_id"] and parent["dir"] == parent["run_dir"]
    assert str(offline) in parent["dir"]

    def same_run_as_parent(where: str) -> bool:
        s = seen[where]
        return (s["run_id"], s["object"], s["dir"]) == (parent["run_id"], parent["object"], parent["dir"])

    for where in ("trace in the parent", "auto child", "shared child", "parent after its children"):
        assert same_run_as_parent(where), seen[where]
    # Per auto, the decorated grandchild reuses the run named in custom_context, which the
    # undecorated child passed on without seeing it.
    assert same_run_as_parent("decorated grandchild (auto) under an undecorated child")

    new = seen["new child"]
    assert new["run_id"] == new["own_id"] != parent["run_id"]
    assert new["dir"] == new["run_dir"] != parent["dir"]

    for where in (
        "undecorated child",
        "trace in the undecorated child",
        "undecorated grandchild under an undecorated child",
    ):
        assert (seen[where]["run_id"], seen[where]["dir"]) == (None, None), seen[where]


def _objective_thread() -> dict[str, Any]:
    """An undecorated objective the way ``wandb.agent`` runs it: on a thread of its own, with no
    Flyte context, starting its run with a plain ``wandb.init()``."""
    out: dict[str, Any] = {}

    def objective() -> None:
        run = wandb.init(project="objective-project")
        try:
            out["is_wandb_run"] = get_wandb_run() is run and get_wandb_run() is wandb.run
            out["dir_is_run_dir"] = get_wandb_run_dir() == run.dir
        finally:
            run.finish()
        out["after_finish"] = (get_wandb_run(), get_wandb_run_dir())

    thread = threading.Thread(target=objective)
    thread.start()
    thread.join()
    return out


@env.task
async def task_running_an_undecorated_objective() -> str:
    return json.dumps(_objective_thread())


def test_outside_flyte_the_run_is_wandb_run(offline: Path) -> None:
    expected = {"is_wandb_run": True, "dir_is_run_dir": True, "after_finish": [None, None]}
    assert json.loads(run_local(task_running_an_undecorated_objective)) == expected

    run = wandb.init(project="script-project")  # a plain script
    try:
        assert get_wandb_run() is run and get_wandb_run_dir() == run.dir
    finally:
        run.finish()
    assert get_wandb_run() is None and get_wandb_run_dir() is None
