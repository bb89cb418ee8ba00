"""Online sweeps against the W&B-protocol test server, with the real ``wandb.sweep``/``wandb.agent``.

The SDK's agent polls the sweep controller every 5 s, so each online trial costs ~5 s: one test
covers the whole documented flow (create, fan out agents, trials, links, results, download_logs)
on the server named by ``wandb_config(host=...)``, while ``WANDB_BASE_URL`` names another one.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import flyte
import pytest
import sweep_objectives as obj
import wandb
from sweep_helpers import make_sweep

from flyteplugins.wandb_context import get_wandb_context, wandb_config, wandb_sweep_config
from flyteplugins.wandb_context.internal import current_custom_context
from flyteplugins.wandb_runs import wandb_init
from flyteplugins.wandb_sweeps import get_sweep_results, get_wandb_sweep_id, run_sweep_agent, wandb_sweep
from wandb_server import WandbServer
from wandb_server.server import end_wandb_session

env = flyte.TaskEnvironment("sweeps-online")

PARAMETERS = {"lr": {"values": [0.5, 0.2, 0.1, 0.05, 0.01]}, "batch": {"value": 16}}


@wandb_init
def objective():
    """The documented objective: @wandb_init, hyperparameters from wandb.run.config."""
    run = wandb.run
    config = run.config
    for epoch in range(2):
        run.log({"epoch": epoch, "loss": config.lr * 10 + (1 - epoch)})


@wandb_sweep
@env.task
async def sweep_agent(agent_id: int, sweep_id: str, count: int = 5) -> list[str]:
    wandb.agent(sweep_id, function=objective, count=count, project=get_wandb_context().project)
    tctx = flyte.ctx()
    (link,) = sweep_agent.links
    url = link.get_link(
        tctx.action.run_name, "p", "d", current_custom_context(), "parent", tctx.action.name, "pod"
    )
    return [get_wandb_sweep_id() or "", url]


@wandb_sweep
@env.task
async def run_parallel_sweep(num_agents: int = 2, trials_per_agent: int = 2) -> list[list[str]]:
    sweep_id = get_wandb_sweep_id()
    agents = [
        sweep_agent(agent_id=i + 1, sweep_id=sweep_id, count=trials_per_agent) for i in range(num_agents)
    ]
    seen = await asyncio.gather(*agents)
    action = flyte.ctx().action
    results = [str(r.params["lr"]) for r in get_sweep_results()]  # the context's server and project
    return [[sweep_id or "", f"{action.run_name}-{action.name}"], results, *seen]


@pytest.fixture
def server(wandb_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where download_logs writes
    return wandb_server.use(monkeypatch)


@pytest.fixture
def decoy(server: WandbServer, monkeypatch: pytest.MonkeyPatch):
    """Another W&B server in ``WANDB_BASE_URL``: nothing of a sweep whose context names ``server``
    as its host may reach it, not even the API key."""
    with WandbServer() as other:
        monkeypatch.setenv("WANDB_BASE_URL", other.base_url)
        end_wandb_session()  # the SDK reads WANDB_BASE_URL when its session starts
        yield other


@pytest.mark.timeout(120)  # ~5 s a trial online; an agent that ignored count would run the whole grid
def test_parallel_agent_tasks_complete_n_times_count_trials_of_one_sweep(
    server, decoy: WandbServer, local_run, tmp_path: Path
) -> None:
    context = {
        **wandb_config(project="online-sweep", entity=server.entity, host=server.base_url),
        **wandb_sweep_config(
            method="grid",
            metric={"name": "loss", "goal": "minimize"},
            parameters=PARAMETERS,
            download_logs=True,
        ),
    }
    (sweep_id, default_name), results, *agents = local_run(run_parallel_sweep, 2, 2, custom_context=context)

    # the sweep, its agents and runs used the context's host; the SDK's own server saw nothing
    assert decoy.requests == []
    assert os.environ["WANDB_BASE_URL"] == decoy.base_url
    later = wandb.init(project="after-the-sweep")  # the SDK's session is back on its own server
    later.finish()
    assert decoy.get_run("after-the-sweep", later.id) is not None
    assert server.get_run("after-the-sweep", later.id) is None

    # one sweep, created with the context's configuration and the default name
    api = wandb.Api(overrides={"base_url": server.base_url})
    sweep = api.sweep(f"{server.entity}/online-sweep/{sweep_id}")
    assert sweep.config["method"] == "grid"
    assert sweep.config["parameters"] == PARAMETERS
    assert sweep.config["metric"] == {"name": "loss", "goal": "minimize"}
    assert sweep.name == default_name
    assert len(server.storage.sweeps) == 1

    # both agent tasks joined it, and their link points at it, on the context's host
    assert [a[0] for a in agents] == [sweep_id, sweep_id]
    assert {a[1] for a in agents} == {f"{server.base_url}/{server.entity}/online-sweep/sweeps/{sweep_id}"}

    # 2 agents x count 2 = 4 trials, each a finished run of the sweep with its own grid point
    runs = list(sweep.runs)
    assert len(runs) == 4
    assert all(r.sweep_name == sweep_id and r.state == "finished" for r in runs)
    assert sorted(r.config["lr"] for r in runs) == [0.05, 0.1, 0.2, 0.5]
    assert all(r.summary["loss"] == r.config["lr"] * 10 for r in runs)

    assert results == ["0.05", "0.1", "0.2", "0.5"]  # get_sweep_results() in the sweep task, best first

    # download_logs: every run of the sweep, exported after the sweep task
    downloaded = tmp_path / "tmp" / "wandb_sweeps" / sweep_id
    assert sorted(p.name for p in downloaded.iterdir()) == sorted(r.id for r in runs)
    for run in runs:
        summary = json.loads((downloaded / run.id / "summary.json").read_text())
        assert summary["loss"] == run.config["lr"] * 10


@wandb_sweep
@env.task
async def nameless_project() -> str:
    return get_wandb_sweep_id() or ""


def test_online_sweep_without_a_project_names_what_to_set(server, local_run) -> None:
    context = {**wandb_sweep_config(method="grid", parameters=PARAMETERS)}
    with pytest.raises(Exception, match=r"needs a project") as info:
        local_run(nameless_project, custom_context=context)
    assert "wandb_sweep_config(project=...)" in str(info.value)
    assert not server.storage.sweeps


def test_offline_sweep_runs_sync_later_with_wandb_sync(
    wandb_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, local_run
) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    sweep_id = make_sweep(local_run, project="synced", method="grid", parameters={"x": {"values": [3]}})
    run_sweep_agent(sweep_id, obj.quadratic)
    (trial,) = get_sweep_results(sweep_id)

    wandb_server.use(monkeypatch)
    sync = subprocess.run(
        [sys.executable, "-m", "wandb", "sync", str(trial.run_dirs[0])],
        env=dict(os.environ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sync.returncode == 0, sync.stdout + sync.stderr
    run = wandb.Api().run(f"{wandb_server.entity}/synced/{trial.run_id}")
    assert run.config == {"x": 3}
    assert run.group == sweep_id
    assert run.summary["loss"] == 1
    assert run.state == "finished"
