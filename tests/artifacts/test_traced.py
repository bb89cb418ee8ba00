"""The traced downloads inside real local Flyte runs return a flyte.io.Dir holding the files."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import flyte
import pytest
import wandb
from flyte.io import Dir

from flyteplugins.wandb_artifacts import download_wandb_run_logs, download_wandb_sweep_logs
from flyteplugins.wandb_context import wandb_config
from wandb_server import WandbServer, seed_run

env = flyte.TaskEnvironment(name="artifacts_traced")


@pytest.fixture(autouse=True)
def _tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Default download paths live under TMPDIR: keep them inside the test's directory."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return tmp


@env.task
async def train_then_fetch_logs(run_id: str) -> Dir:
    run = wandb.init(project="traced", id=run_id)
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1)})
    (Path(run.dir) / "model.txt").write_text("weights")
    run.save(str(Path(run.dir) / "model.txt"), base_path=run.dir, policy="now")
    run.finish()
    return await download_wandb_run_logs(run_id)


@env.task
async def fetch_sweep_logs(sweep_id: str) -> Dir:
    return await download_wandb_sweep_logs(sweep_id)


def test_offline_run_logs_are_a_dir_output(wandb_offline: Path, local_run, _tmpdir: Path) -> None:
    result = local_run(train_then_fetch_logs, "traced-off", custom_context=dict(wandb_config(mode="offline")))

    assert isinstance(result, Dir)
    local = Path(result.path)
    assert local == _tmpdir / "wandb_runs" / "traced-off"
    assert (local / "model.txt").read_text() == "weights"
    history = json.loads((local / "metrics_history.json").read_text())
    assert [row["loss"] for row in history] == [1.0 / (i + 1) for i in range(5)]
    assert {f.name for f in result.walk_sync()} >= {"model.txt", "summary.json", "metrics_history.json"}


def test_online_sweep_logs_hold_only_that_sweeps_runs(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, local_run, _tmpdir: Path
) -> None:
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    server = wandb_server.use(monkeypatch)
    seed_run(server, "traced", "not-in-sweep", steps=1)
    sweep_id = wandb.sweep({"method": "grid", "parameters": {"lr": {"values": [1, 2]}}}, project="traced")
    run_ids = []
    for lr in (1, 2):
        run = wandb.init(project="traced", config={"lr": lr}, settings=wandb.Settings(sweep_id=sweep_id))
        run.log({"loss": lr})
        run_ids.append(run.id)
        run.finish()

    ctx = dict(wandb_config(project="traced", entity=server.entity))
    result = local_run(fetch_sweep_logs, sweep_id, custom_context=ctx)

    local = Path(result.path)
    assert local == _tmpdir / "wandb_sweeps" / sweep_id
    assert sorted(p.name for p in local.iterdir()) == sorted(run_ids)
    assert json.loads((local / run_ids[1] / "metrics_history.json").read_text())[0]["loss"] == 2


def test_outside_a_task_the_traced_function_is_a_plain_coroutine(
    wandb_offline: Path, art, _tmpdir: Path
) -> None:
    art.log_run("traced-plain", [{"x": 1}])
    result = asyncio.run(download_wandb_run_logs("traced-plain"))
    assert Path(result.path) == _tmpdir / "wandb_runs" / "traced-plain"
