"""Several agents share one offline sweep: threads of a local Flyte run, and separate processes."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

import flyte
import pytest
import sweep_objectives as obj
import wandb
from sweep_helpers import make_sweep

from flyteplugins.wandb_artifacts.records import read_run
from flyteplugins.wandb_context import get_wandb_context, wandb_config, wandb_sweep_config
from flyteplugins.wandb_runs import wandb_init
from flyteplugins.wandb_sweeps import get_wandb_sweep_id, run_sweep_agent, wandb_sweep
from flyteplugins.wandb_sweeps._local import SweepStore

env = flyte.TaskEnvironment("sweeps-parallel")

GRID_12 = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"x": {"values": [0, 1, 2, 3, 4, 5]}, "y": {"values": [0, 1]}},
}


@wandb_sweep
@env.task
def threaded_agent(sweep_id: str) -> str:
    """A sync task: Flyte runs it on a worker thread, so two of these run at the same time."""
    assert get_wandb_sweep_id() == sweep_id
    wandb.agent(sweep_id, function=obj.quadratic_once_two_agents_claimed)  # served by run_sweep_agent
    return sweep_id


@wandb_sweep
@env.task
async def two_threaded_agents() -> str:
    sweep_id = get_wandb_sweep_id() or ""
    await asyncio.gather(threaded_agent.aio(sweep_id), threaded_agent.aio(sweep_id))
    return sweep_id


def assert_grid_covered_once(sweep_id: str) -> list:
    trials = SweepStore(sweep_id).read_trials()
    points = Counter((t.values()["x"], t.values()["y"]) for t in trials)
    assert set(points) == set(itertools.product(range(6), range(2)))
    assert all(n == 1 for n in points.values()), points
    assert all(t.state == "finished" for t in trials)
    return trials


def test_two_agent_tasks_in_one_local_run_never_repeat_a_grid_point(local_run, wandb_offline: Path) -> None:
    context = {**wandb_config(project="parallel"), **wandb_sweep_config(**GRID_12)}
    sweep_id = local_run(two_threaded_agents, custom_context=context)
    trials = assert_grid_covered_once(sweep_id)
    assert len({t.agent for t in trials}) == 2  # both agents pulled trials


_AGENT_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    import sweep_objectives
    from flyteplugins.wandb_sweeps import run_sweep_agent

    run_sweep_agent(sys.argv[1], sweep_objectives.quadratic_once_two_agents_claimed)
    """
)


def test_two_agent_processes_never_repeat_a_grid_point(
    local_run, wandb_offline: Path, tmp_path: Path
) -> None:
    sweep_id = make_sweep(local_run, **GRID_12)
    script = tmp_path / "agent.py"
    script.write_text(_AGENT_SCRIPT.format(tests=str(Path(__file__).parent)))
    procs = [
        subprocess.Popen([sys.executable, str(script), sweep_id], env=dict(os.environ), cwd=tmp_path)
        for _ in range(2)
    ]
    try:
        assert [p.wait(timeout=120) for p in procs] == [0, 0]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    trials = assert_grid_covered_once(sweep_id)
    assert {t.pid for t in trials} == {p.pid for p in procs}


# The documented parallel-agents pattern, as written: an async objective under @wandb_init.
@wandb_init
async def objective():
    wandb_run = wandb.run
    config = wandb_run.config
    loss_value = config.learning_rate * config.batch_size

    wandb_run.log({"loss": loss_value})


@wandb_sweep
@env.task
async def sweep_agent(agent_id: int, sweep_id: str, count: int = 5) -> int:
    wandb.agent(sweep_id, function=objective, count=count, project=get_wandb_context().project)
    return agent_id


@wandb_sweep
@env.task
async def run_parallel_sweep(num_agents: int = 2, trials_per_agent: int = 5) -> str:
    sweep_id = get_wandb_sweep_id()

    # Launch agents in parallel
    agent_tasks = [
        sweep_agent(agent_id=i + 1, sweep_id=sweep_id, count=trials_per_agent) for i in range(num_agents)
    ]

    # Wait for all agents to complete
    await asyncio.gather(*agent_tasks)
    return sweep_id


@pytest.mark.timeout(120)  # random never runs out: an agent that ignored count would never end
def test_documented_parallel_pattern_works_offline(local_run, wandb_offline: Path) -> None:
    context = {
        **wandb_config(project="my-project", entity="my-team", mode="offline"),
        **wandb_sweep_config(
            method="random",
            metric={"name": "loss", "goal": "minimize"},
            parameters={
                "learning_rate": {"min": 0.0001, "max": 0.1},
                "batch_size": {"values": [16, 32, 64]},
            },
        ),
    }
    original_agent = wandb.agent
    sweep_id = local_run(run_parallel_sweep, num_agents=2, trials_per_agent=5, custom_context=context)

    trials = SweepStore(sweep_id).read_trials()
    assert len(trials) == 10 and len({t.run_id for t in trials}) == 10
    assert len({t.agent for t in trials}) == 2
    for t in trials:
        recorded = read_run(t.run_id, wandb_offline)
        assert recorded.project == "my-project"
        assert recorded.group == sweep_id
        assert recorded.config["batch_size"] in (16, 32, 64)
        assert 0.0001 <= recorded.config["learning_rate"] <= 0.1
        assert recorded.summary["loss"] == recorded.config["learning_rate"] * recorded.config["batch_size"]
    assert wandb.agent is original_agent  # the routing ends with the sweep tasks


@pytest.mark.timeout(60)
def test_grid_agents_run_exactly_count_trials_of_a_larger_grid(local_run, wandb_offline: Path) -> None:
    grid = {"learning_rate": {"values": [0.1, 0.2, 0.3]}, "batch_size": {"values": [16, 32]}}
    context = {
        **wandb_config(project="counted"),
        **wandb_sweep_config(method="grid", metric={"name": "loss"}, parameters=grid),
    }

    def grid_points() -> set:
        trials = SweepStore(sweep_id).read_trials()
        assert all(t.state == "finished" for t in trials)
        points = [(t.values()["learning_rate"], t.values()["batch_size"]) for t in trials]
        assert len(points) == len(set(points))
        return set(points)

    # Two agent tasks with count=2 each: 4 of the 6 grid points, 2 per agent.
    sweep_id = local_run(run_parallel_sweep, num_agents=2, trials_per_agent=2, custom_context=context)
    assert sorted(Counter(t.agent for t in SweepStore(sweep_id).read_trials()).values()) == [2, 2]
    first = grid_points()
    assert len(first) == 4
    # One more agent, outside any task, with count=1: exactly one more point.
    run_sweep_agent(sweep_id, objective, count=1)
    after = grid_points()
    assert len(after) == 5 and first < after


@wandb_sweep(download_logs=True)
@env.task
async def sweep_with_logs() -> str:
    sweep_id = get_wandb_sweep_id() or ""
    await sweep_agent(1, sweep_id, count=3)
    return sweep_id


def test_download_logs_exports_every_offline_run_of_the_sweep(
    local_run, wandb_offline: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where download_logs writes
    context = {
        **wandb_config(project="exported"),
        **wandb_sweep_config(
            method="grid",
            metric={"name": "loss"},
            parameters={"learning_rate": {"values": [0.1, 0.2, 0.3]}, "batch_size": {"value": 16}},
        ),
    }
    sweep_id = local_run(sweep_with_logs, custom_context=context)
    exported = tmp_path / "wandb_sweeps" / sweep_id
    trials = SweepStore(sweep_id).read_trials()
    assert sorted(p.name for p in exported.iterdir()) == sorted(t.run_id for t in trials)
    for t in trials:
        summary = json.loads((exported / t.run_id / "summary.json").read_text())
        assert summary["loss"] == pytest.approx(t.values()["learning_rate"] * 16)
