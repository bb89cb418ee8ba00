"""``download_logs=True``: after the run finished, its files are exported (offline: from the
local run directory) through the artifacts package's traced download."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import flyte
import pytest

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_download_logs")


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Downloads default to ``{tempfile.gettempdir()}/wandb_runs``: keep them in this test."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / "wandb_runs"


@wandb_init(download_logs=True)
@env.task
async def trains_and_downloads() -> str:
    run = get_wandb_run()
    assert run is not None
    for step in range(3):
        run.log({"loss": 1.0 / (step + 1)})
    return run.id


@wandb_init
@env.task
def sync_trains() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"acc": 0.5})
    return run.id


@wandb_init
@env.task
async def child_sharing() -> str:
    run = get_wandb_run()
    assert run is not None
    run.log({"child": 1})
    return run.id


@wandb_init
@env.task
async def parent_of_downloading_child() -> str:
    return await child_sharing()


def _history(downloads: Path, run_id: str) -> list[dict]:
    rows = json.loads((downloads / run_id / "metrics_history.json").read_text())
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]


def test_decorator_download_exports_the_finished_run(offline: Path, downloads: Path) -> None:
    run_id = flyte.with_runcontext(mode="local").run(trains_and_downloads).outputs()[0]
    assert _history(downloads, run_id) == [{"loss": 1.0}, {"loss": 0.5}, {"loss": 1.0 / 3}]
    assert (downloads / run_id / "summary.json").exists()


def test_context_download_from_a_sync_task(offline: Path, downloads: Path) -> None:
    context = wandb_config(download_logs=True)
    run_id = flyte.with_runcontext(mode="local", custom_context=context).run(sync_trains).outputs()[0]
    assert _history(downloads, run_id) == [{"acc": 0.5}]


def test_only_the_task_that_owns_the_run_downloads_it(offline: Path, downloads: Path) -> None:
    context = wandb_config(download_logs=True)
    run = flyte.with_runcontext(mode="local", custom_context=context).run(parent_of_downloading_child)
    run_id = run.outputs()[0]
    assert [p.name for p in downloads.iterdir()] == [run_id]  # once, by the parent, when finished
    assert _history(downloads, run_id) == [{"child": 1}]
