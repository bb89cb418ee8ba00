"""A ``@wandb_init`` objective under the real ``wandb.agent`` (against the W&B test server)."""

from __future__ import annotations

from pathlib import Path

import flyte
import pytest
import wandb

from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_sweep_objective")
TRIALS: list[dict] = []


@wandb_init
def objective() -> None:
    run = get_wandb_run()
    assert run is not None and wandb.run is run
    lr = run.config["lr"]
    run.log({"loss": lr * 2})
    TRIALS.append({"id": run.id, "sweep_id": run.sweep_id, "lr": lr})


@pytest.fixture
def server(wandb_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    wandb_server.use(monkeypatch)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    return wandb_server


def test_objective_runs_each_trial_in_its_own_run(server) -> None:
    TRIALS.clear()
    sweep_id = wandb.sweep(
        {
            "method": "grid",
            "metric": {"name": "loss", "goal": "minimize"},
            "parameters": {"lr": {"values": [0.1, 0.2]}},
        },
        project="sweep-project",
    )
    wandb.agent(sweep_id, function=objective, count=2, project="sweep-project")
    assert sorted(t["lr"] for t in TRIALS) == [0.1, 0.2]
    assert len({t["id"] for t in TRIALS}) == 2 and {t["sweep_id"] for t in TRIALS} == {sweep_id}
    api = wandb.Api()
    for t in TRIALS:
        run = api.run(f"{server.entity}/sweep-project/{t['id']}")
        assert run.state == "finished"
        assert [r["loss"] for r in run.scan_history()] == [t["lr"] * 2]


@env.task
async def agent_task(sweep_id: str) -> int:
    """An agent inside a Flyte task: wandb.agent runs the objective in its own thread."""
    wandb.agent(sweep_id, function=objective, count=1, project="sweep-project")
    return len(TRIALS)


@wandb_init
@env.task
async def decorated_agent_task(sweep_id: str) -> int:
    wandb.agent(sweep_id, function=objective, count=1, project="sweep-project")
    return len(TRIALS)


def test_objective_called_by_an_agent_inside_a_task(server) -> None:
    TRIALS.clear()
    sweep_id = wandb.sweep(
        {"method": "grid", "parameters": {"lr": {"values": [0.3]}}}, project="sweep-project"
    )
    run = flyte.with_runcontext(mode="local").run(agent_task, sweep_id)
    assert run.outputs()[0] == 1
    [trial] = TRIALS
    assert trial["sweep_id"] == sweep_id and trial["lr"] == 0.3


def test_agent_in_a_task_with_its_own_run_gets_a_clear_error(server) -> None:
    """wandb.agent shuts the W&B SDK down after each trial, ending every other run of the
    process; the task's run cannot be finished and the error says why."""
    sweep_id = wandb.sweep(
        {"method": "grid", "parameters": {"lr": {"values": [0.4]}}}, project="sweep-project"
    )
    with pytest.raises(Exception, match=r"wandb.agent does this after every trial.*@wandb_sweep"):
        flyte.with_runcontext(mode="local").run(decorated_agent_task, sweep_id)
