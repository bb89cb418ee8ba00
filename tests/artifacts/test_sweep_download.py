"""Sweep downloads: real wandb.sweep + wandb.agent runs on the test server, and offline sweeps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import wandb

from flyteplugins.wandb_artifacts import download_wandb_sweep_dirs
from flyteplugins.wandb_artifacts.internal import download_sweep
from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import keys
from wandb_server import WandbServer

PROJECT = "sweepdl"
GRID = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"values": [0.1, 0.01, 0.001]}},
}


def _run_sweep(
    server: WandbServer, trials: int, agent: bool = False
) -> tuple[str, dict[str, dict[str, Any]]]:
    """A real sweep whose ``trials`` runs each log rows and save a file: through
    ``wandb.agent`` (several seconds per trial), or as runs started with the sweep id."""
    sweep_id = wandb.sweep(GRID, project=PROJECT, entity=server.entity)
    logged: dict[str, dict[str, Any]] = {}

    def trial(**init_kwargs: Any) -> None:
        run = wandb.init(**init_kwargs)
        lr = run.config.lr
        rows = [{"loss": lr * (10 - i)} for i in range(10)]
        for row in rows:
            run.log(row)
        path = Path(run.dir) / "weights.txt"
        path.write_text(f"lr={lr}\n")
        run.save(str(path), base_path=run.dir, policy="now")
        logged[run.id] = {"rows": rows, "weights": path.read_bytes()}
        run.finish()

    if agent:
        wandb.agent(sweep_id, function=trial, count=trials, project=PROJECT, entity=server.entity)
    else:
        for lr in GRID["parameters"]["lr"]["values"][:trials]:
            settings = wandb.Settings(sweep_id=sweep_id)
            trial(project=PROJECT, entity=server.entity, config={"lr": lr}, settings=settings)
    return sweep_id, logged


def _check_run_dir(path: Path, expected: dict[str, Any]) -> None:
    assert (path / "weights.txt").read_bytes() == expected["weights"]
    history = json.loads((path / "metrics_history.json").read_text())
    assert [{"loss": r["loss"]} for r in history] == expected["rows"]
    assert json.loads((path / "summary.json").read_text())["loss"] == expected["rows"][-1]["loss"]


def test_every_run_of_an_agent_driven_sweep_is_downloaded(server: WandbServer, tmp_path: Path) -> None:
    sweep_id, logged = _run_sweep(server, trials=2, agent=True)

    paths = download_sweep(sweep_id, tmp_path / "base", project=PROJECT, run_workers=2)

    assert sorted(r.run_id for r in paths) == sorted(logged)
    for report in paths:
        assert report.path == str((tmp_path / "base" / report.run_id).resolve())
        _check_run_dir(Path(report.path), logged[report.run_id])


def test_sweep_id_and_project_from_the_flyte_context(server: WandbServer, tmp_path: Path, local_run) -> None:
    import flyte

    sweep_id, logged = _run_sweep(server, trials=2)
    env = flyte.TaskEnvironment(name="artifacts_sweep_ctx")

    @env.task
    async def fetch(base: str) -> list[str]:
        return download_wandb_sweep_dirs(base_path=base)

    ctx = {**wandb_config(project=PROJECT, entity=server.entity), keys.SWEEP_ID_KEY: sweep_id}
    paths = local_run(fetch, str(tmp_path / "b"), custom_context=ctx)
    assert sorted(Path(p).name for p in paths) == sorted(logged)


def test_partial_failure_warns_and_total_failure_raises(
    server: WandbServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_PROJECT", PROJECT)
    sweep_id, logged = _run_sweep(server, trials=2)
    bad_id, good_id = sorted(logged)
    # A regular file where one run's directory must go: that run fails, the other completes.
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / bad_id).write_text("in the way")

    with pytest.warns(UserWarning, match=rf"1 of 2 runs failed.*{bad_id}") as warned:
        paths = download_wandb_sweep_dirs(sweep_id, str(tmp_path / "base"))

    assert paths == [str((tmp_path / "base" / good_id).resolve())]
    assert paths[0] in str(warned[0].message)
    _check_run_dir(Path(paths[0]), logged[good_id])

    (tmp_path / "all").mkdir()
    for run_id in logged:
        (tmp_path / "all" / run_id).write_text("in the way")
    with pytest.raises(RuntimeError, match=rf"All 2 runs of W&B sweep {sweep_id} failed") as failed:
        download_wandb_sweep_dirs(sweep_id, str(tmp_path / "all"))
    message = " ".join(str(failed.value).split())
    for run_id in logged:
        assert f"{run_id}: '{tmp_path / 'all' / run_id}' exists and is not a directory" in message


def test_missing_sweep_names_entity_project_and_id(server: WandbServer, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"sweep 'test-entity/sweepdl/nosuch' was not found"):
        download_sweep("nosuch", tmp_path / "b", project=PROJECT)
    with pytest.raises(RuntimeError, match="No sweep_id given"):
        download_wandb_sweep_dirs()


def test_offline_sweep_is_exported_from_local_runs(wandb_offline: Path, tmp_path: Path, art) -> None:
    for i, sweep in enumerate(["sw-a", "sw-a", "sw-b"]):
        art.log_run(f"trial-{i}", [{"loss": float(i)}], settings=wandb.Settings(sweep_id=sweep))
    art.log_run("trial-3", [{"loss": 3.0}], group="sw-a")  # how the offline sweep engine marks trials
    art.log_run("trial-4", [{"loss": 4.0}], group="other")

    paths = download_wandb_sweep_dirs("sw-a", str(tmp_path / "base"))

    assert sorted(Path(p).name for p in paths) == ["trial-0", "trial-1", "trial-3"]
    losses = {
        Path(p).name: json.loads((Path(p) / "metrics_history.json").read_text())[0]["loss"] for p in paths
    }
    assert losses == {"trial-0": 0.0, "trial-1": 1.0, "trial-3": 3.0}
