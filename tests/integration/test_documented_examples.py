"""The examples of the published docs, as written, through ``flyteplugins.wandb``; offline W&B.

What W&B received is read back from each run's ``.wandb`` record log.
"""

from __future__ import annotations

from pathlib import Path

import flyte

from flyteplugins.wandb import get_wandb_run, wandb_config, wandb_init
from flyteplugins.wandb_artifacts.records import read_run

env = flyte.TaskEnvironment(name="documented")


@wandb_init
@env.task
async def child_task(x: int) -> int:
    run = get_wandb_run()
    run.log({"child_metric": x * 2})
    return x * 2


@wandb_init
@env.task
async def parent_task() -> int:
    run = get_wandb_run()
    run.log({"parent_metric": 100})
    result = await child_task(5)
    return result


def _metrics(run_id: str, wandb_dir: Path) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "_step"} for row in read_run(run_id, wandb_dir).history]


def test_parent_child_share_one_run(wandb_offline: Path, local_run) -> None:
    run = flyte.with_runcontext(
        mode="local", custom_context=dict(wandb_config(project="docs", entity="team"))
    ).run(parent_task)
    assert run.outputs()[0] == 10
    ids = _run_ids(wandb_offline)
    assert len(ids) == 1
    assert _metrics(ids[0], wandb_offline) == [{"parent_metric": 100}, {"child_metric": 10}]


@wandb_init(run_mode="new")
@env.task
async def independent_child(x: int) -> int:
    run = get_wandb_run()
    run.log({"independent_metric": x})
    return x


@wandb_init
@env.task
async def parent_with_new_child() -> str:
    run = get_wandb_run()
    parent_run_id = run.id
    await independent_child(5)
    assert run.id == parent_run_id
    return parent_run_id


def test_new_child_gets_its_own_run(wandb_offline: Path, local_run) -> None:
    parent_id = local_run(parent_with_new_child, custom_context=dict(wandb_config(project="docs")))
    ids = _run_ids(wandb_offline)
    assert len(ids) == 2 and parent_id in ids
    (child_id,) = set(ids) - {parent_id}
    assert _metrics(child_id, wandb_offline) == [{"independent_metric": 5}]


@wandb_init
@env.task
async def parent_with_overrides() -> str:
    run = get_wandb_run()
    run.log({"parent_metric": 100})
    with wandb_config(tags=["special-run"], config={"learning_rate": 0.01}):
        await child_task(10)
    with wandb_config(run_mode="new"):
        await child_task(20)
    return run.id


def test_wandb_config_overrides_for_child_calls(wandb_offline: Path, local_run) -> None:
    parent_id = local_run(
        parent_with_overrides, custom_context=dict(wandb_config(project="docs", tags=["base"]))
    )
    ids = _run_ids(wandb_offline)
    assert len(ids) == 2
    (new_id,) = set(ids) - {parent_id}
    parent = read_run(parent_id, wandb_offline)
    assert parent.tags == ["base"]
    assert [r.get("child_metric") for r in parent.history if "child_metric" in r] == [20]
    new_run = read_run(new_id, wandb_offline)
    assert [r["child_metric"] for r in new_run.history] == [40]


@flyte.trace
async def log_validation_metrics(accuracy: float, f1: float):
    run = get_wandb_run()
    if run:
        run.log({"val_accuracy": accuracy, "val_f1": f1})


@wandb_init
@env.task
async def train_and_validate() -> str:
    run = get_wandb_run()
    for epoch in range(3):
        run.log({"train_loss": 1.0 / (epoch + 1)})
    await log_validation_metrics(accuracy=0.95, f1=0.92)
    return run.id


def test_traces_log_to_the_tasks_run(wandb_offline: Path, local_run) -> None:
    run_id = local_run(train_and_validate, custom_context=dict(wandb_config(project="docs")))
    assert _metrics(run_id, wandb_offline) == [
        {"train_loss": 1.0},
        {"train_loss": 0.5},
        {"train_loss": 1.0 / 3},
        {"val_accuracy": 0.95, "val_f1": 0.92},
    ]


@wandb_init
@env.task
def my_sync_task() -> str:
    run = get_wandb_run()
    run.log({"metric": 42})
    return run.id


def test_sync_task(wandb_offline: Path, local_run) -> None:
    run_id = local_run(my_sync_task, custom_context=dict(wandb_config(project="docs")))
    assert _metrics(run_id, wandb_offline) == [{"metric": 42}]


def _run_ids(wandb_dir: Path) -> list[str]:
    from flyteplugins.wandb_artifacts.records import iter_local_runs

    return sorted({run_id for run_id, _ in iter_local_runs(wandb_dir)})
