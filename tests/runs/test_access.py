"""Reaching the run: from async and sync tasks, traces, and decorated plain functions (sweep
objectives) inside and outside Flyte."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import flyte
import pytest
import wandb
from runs_support import metrics, recorded, recorded_ids, run_local, visible_run_id

from flyteplugins.wandb_runs import get_wandb_run, get_wandb_run_dir, wandb_init

env = flyte.TaskEnvironment("runs_access")


@flyte.trace
async def validate(accuracy: float) -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"val_accuracy": accuracy})
    return run.id


@flyte.trace
def sync_trace(step: int) -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"sync_trace": step})
    return run.id


@wandb_init
@env.task
async def train_and_validate() -> list[str]:
    run = get_wandb_run()
    assert run is not None
    for epoch in range(2):
        run.log({"train_loss": 1.0 / (epoch + 1)})
    return [run.id, await validate(0.9)]


def test_traces_log_to_their_task_run(offline: Path) -> None:
    own, from_trace = run_local(train_and_validate)
    assert own == from_trace
    rec = recorded(own, offline)
    assert metrics(rec) == [{"train_loss": 1.0}, {"train_loss": 0.5}, {"val_accuracy": 0.9}]


@wandb_init
@env.task
def sync_child(x: int) -> list[str]:
    run = get_wandb_run()
    assert run is not None
    run.log({"sync_child": x})
    run_dir = get_wandb_run_dir()
    assert run_dir == run.dir
    return [run.id, run_dir or "", visible_run_id() or ""]


@wandb_init
@env.task
def sync_parent() -> list[str]:
    run = get_wandb_run()
    assert run is not None
    run.log({"sync_parent": 1})
    child_id, child_dir, child_sees = sync_child(2)
    assert get_wandb_run() is run and visible_run_id() == run.id
    return [run.id, child_id, child_dir, child_sees, sync_trace(3)]


def test_sync_tasks_and_traces_share_runs_like_async_ones(offline: Path) -> None:
    parent_id, child_id, child_dir, child_sees, from_trace = run_local(sync_parent)
    assert parent_id == child_id == child_sees == from_trace
    assert Path(child_dir).is_dir() and str(offline) in child_dir
    assert metrics(recorded(parent_id, offline)) == [{"sync_parent": 1}, {"sync_child": 2}, {"sync_trace": 3}]
    assert recorded_ids(offline) == [parent_id]


@wandb_init(project="sweep-project", config={"fixed": 1})
def sync_objective(lr: float) -> str:
    run = get_wandb_run()
    assert run is not None and wandb.run is run  # objectives documented to use wandb.run
    run.log({"loss": lr * 10})
    return run.id


@wandb_init(project="sweep-project")
async def async_objective(lr: float) -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"loss": lr * 20})
    await asyncio.sleep(0)
    return run.id


def test_plain_function_objectives_outside_flyte_init_and_finish(offline: Path) -> None:
    first = sync_objective(0.1)
    second = asyncio.run(async_objective(0.2))
    assert first != second
    assert wandb.run is None and get_wandb_run() is None
    rec = recorded(first, offline)
    assert (rec.project, rec.config["fixed"], rec.exit_code) == ("sweep-project", 1, 0)
    assert metrics(rec) == [{"loss": 1.0}]
    assert metrics(recorded(second, offline)) == [{"loss": 4.0}]
    assert "flyte" not in rec.config  # no Flyte execution to record


@wandb_init
def objective_that_fails() -> None:
    get_wandb_run().log({"partial": 1})  # type: ignore[union-attr]
    raise KeyError("bad trial")


def test_failing_objective_finishes_its_run_as_failed(offline: Path) -> None:
    with pytest.raises(KeyError, match="bad trial"):
        objective_that_fails()
    [run_id] = recorded_ids(offline)
    assert recorded(run_id, offline).exit_code == 1


def test_concurrent_objectives_in_threads_each_get_their_own_run(offline: Path) -> None:
    results: dict[int, str] = {}

    def trial(i: int) -> None:
        results[i] = sync_objective_in_thread(i)

    threads = [threading.Thread(target=trial, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results.values())) == 3
    for i, run_id in results.items():
        assert metrics(recorded(run_id, offline)) == [{"trial": i}]


@wandb_init
def sync_objective_in_thread(i: int) -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"trial": i})
    return run.id


@wandb_init
def helper_sharing_task_run(x: int) -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"helper": x})
    return run.id


@wandb_init(run_mode="new")
def helper_with_own_run(x: int) -> str:
    run = get_wandb_run()
    assert run is not None
    assert visible_run_id() == run.id  # children of the helper would join its run
    run.log({"own_helper": x})
    return run.id


@wandb_init
@env.task
async def task_calling_helpers() -> list[str]:
    run = get_wandb_run()
    assert run is not None
    shared = helper_sharing_task_run(1)
    own = helper_with_own_run(2)
    assert get_wandb_run() is run and visible_run_id() == run.id
    return [run.id, shared, own]


def test_decorated_helpers_inside_a_task_follow_the_run_modes(offline: Path) -> None:
    task_id, shared, own = run_local(task_calling_helpers)
    assert shared == task_id != own
    assert metrics(recorded(task_id, offline)) == [{"helper": 1}]
    own_rec = recorded(own, offline)
    assert metrics(own_rec) == [{"own_helper": 2}] and own_rec.exit_code == 0
    assert own_rec.config["flyte"]["run_name"] in task_id


@wandb_init
@env.task
async def task_running_a_sweep_trial() -> list[str]:
    run = get_wandb_run()
    assert run is not None
    return [run.id, helper_sharing_task_run(5)]


def test_helper_in_a_sweep_trial_gets_its_own_run(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_SWEEP_ID", "local-sweep")
    task_id, trial_id = run_local(task_running_a_sweep_trial)
    assert trial_id != task_id
    assert metrics(recorded(trial_id, offline)) == [{"helper": 5}]
