"""``wandb.sweep`` + ``wandb.agent`` against the server's sweep controller (the ``sweeps`` engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import wandb

from wandb_server import WandbServer, sweep_controller

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


def test_agent_runs_count_trials_with_parameters_from_the_config(server: WandbServer) -> None:
    sweep_id = wandb.sweep(GRID, project="sweepy", entity=server.entity)
    seen: list[dict[str, Any]] = []
    wandb.agent(sweep_id, function=_trainer(seen), count=2, project="sweepy", entity=server.entity)

    assert [s["lr"] for s in seen] == [0.1, 0.01]
    assert all(s["batch"] == 16 and s["sweep"] == sweep_id for s in seen)
    sweep = wandb.Api().sweep(f"{server.entity}/sweepy/{sweep_id}")
    assert sweep.config["parameters"] == GRID["parameters"]
    assert sweep.state == "RUNNING"  # one grid point left
    assert sorted(r.id for r in sweep.runs) == sorted(s["id"] for s in seen)
    assert {r.id: r.config["lr"] for r in sweep.runs} == {s["id"]: s["lr"] for s in seen}
    assert all(r.state == "finished" for r in sweep.runs)
    assert all(r.summary["loss"] == r.config["lr"] * 10 for r in sweep.runs)


def test_exhausted_grid_stops_the_agent_and_runs_filter_by_sweep_and_state(server: WandbServer) -> None:
    server.add_run("sweepy", "outsider", history=[{"loss": 1.0}])
    server.add_run("sweepy", "broken", exit_code=2)
    config = {**GRID, "parameters": {"lr": {"values": [0.5]}, "batch": {"value": 4}}}
    sweep_id = wandb.sweep(config, project="sweepy", entity=server.entity)
    seen: list[dict[str, Any]] = []
    wandb.agent(sweep_id, function=_trainer(seen), project="sweepy", entity=server.entity)  # no count
    assert [(s["lr"], s["batch"]) for s in seen] == [(0.5, 4)]  # then the controller said exit
    assert wandb.Api().sweep(f"{server.entity}/sweepy/{sweep_id}").state == "FINISHED"

    api = wandb.Api()
    path = f"{server.entity}/sweepy"
    assert [r.id for r in api.runs(path, filters={"sweep": sweep_id})] == [seen[0]["id"]]
    assert [r.id for r in api.runs(path, filters={"state": "failed"})] == ["broken"]
    finished = {r.id for r in api.runs(path, filters={"$and": [{"state": "finished"}, {"sweep": None}]})}
    assert finished == {"outsider"}
    assert len(api.runs(path)) == 3


def test_controller_respects_run_cap_and_busy_agents(server: WandbServer) -> None:
    config = {"method": "random", "run_cap": 2, "parameters": {"lr": {"min": 0.0, "max": 1.0}}}
    sweep_id = wandb.sweep(config, project="capped", entity=server.entity)
    sweep = server.storage.sweep(server.entity, "capped", sweep_id)
    assert sweep is not None
    agent = server.storage.add_agent(sweep, "host")

    first = sweep_controller.heartbeat(server, agent, {})
    assert first[0]["type"] == "run" and 0.0 <= first[0]["args"]["lr"]["value"] <= 1.0
    run_id = first[0]["run_id"]
    assert server.run_state("capped", run_id) == "pending"
    assert sweep_controller.heartbeat(server, agent, {run_id: True}) == []  # busy: nothing new
    second = sweep_controller.heartbeat(server, agent, {})
    assert second[0]["type"] == "run" and second[0]["run_id"] != run_id
    assert sweep_controller.heartbeat(server, agent, {}) == [{"type": "exit"}]
    assert sweep.state == "FINISHED"
