"""``wandb.sweep`` + ``wandb.agent`` against the server's sweep controller (the ``sweeps`` engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import wandb
from wandb_server import WandbServer

GRID = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"values": [0.1, 0.01, 0.001]}, "batch": {"value": 16}},
}


@pytest.fixture
def server(wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WandbServer:
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return wandb_server.use(monkeypatch)


def _trainer(seen: list[dict[str, Any]]):
    def train() -> None:
        run = wandb.init()
        seen.append({"id": run.id, "lr": run.config.lr, "batch": run.config.batch, "sweep": run.sweep_id})
        run.log({"loss": run.config.lr * 10})

    return train


def test_agent_runs_count_trials_then_the_grid_runs_out(server: WandbServer) -> None:
    sweep_id = wandb.sweep(GRID, project="sweepy", entity=server.entity)
    seen: list[dict[str, Any]] = []
    wandb.agent(sweep_id, function=_trainer(seen), count=2, project="sweepy", entity=server.entity)

    assert [s["lr"] for s in seen] == [0.1, 0.01]
    assert all(s["batch"] == 16 and s["sweep"] == sweep_id for s in seen)
    api = wandb.Api()
    sweep = api.sweep(f"{server.entity}/sweepy/{sweep_id}")
    assert sweep.config["parameters"] == GRID["parameters"]
    assert sorted(r.id for r in sweep.runs) == sorted(s["id"] for s in seen)
    assert {r.id: r.config["lr"] for r in sweep.runs} == {s["id"]: s["lr"] for s in seen}
    assert all(r.state == "finished" for r in sweep.runs)

    wandb.agent(sweep_id, function=_trainer(seen), project="sweepy", entity=server.entity)  # no count
    assert [s["lr"] for s in seen] == [0.1, 0.01, 0.001]
    assert wandb.Api().sweep(f"{server.entity}/sweepy/{sweep_id}").state == "FINISHED"  # Api caches sweeps


def test_runs_filtered_by_sweep_and_state(server: WandbServer) -> None:
    server.add_run("sweepy", "outsider", history=[{"loss": 1.0}])
    server.add_run("sweepy", "broken", exit_code=2)
    sweep_id = wandb.sweep({**GRID, "run_cap": 1}, project="sweepy", entity=server.entity)
    seen: list[dict[str, Any]] = []
    wandb.agent(sweep_id, function=_trainer(seen), project="sweepy", entity=server.entity)
    assert len(seen) == 1  # run_cap reached: the controller told the agent to exit

    api = wandb.Api()
    path = f"{server.entity}/sweepy"
    assert [r.id for r in api.runs(path, filters={"sweep": sweep_id})] == [seen[0]["id"]]
    assert [r.id for r in api.runs(path, filters={"state": "failed"})] == ["broken"]
    finished = {r.id for r in api.runs(path, filters={"$and": [{"state": "finished"}, {"sweep": None}]})}
    assert finished == {"outsider"}
    assert len(api.runs(path)) == 3
