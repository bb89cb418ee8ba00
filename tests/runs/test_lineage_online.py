"""Lineage against the W&B-protocol test server: the producer's output is the consumer's input,
the same version; offline runs' artifacts go up at ``wandb sync``; a 10,000-file ``Dir`` costs a
bounded time and uploads no data."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import runs_lineage_tasks as tasks
from flyte.io import Dir
from runs_support import run_dirs, run_local, wait_written

from flyteplugins.wandb_artifacts._sync import sync_run_dirs
from flyteplugins.wandb_artifacts.records import read_artifacts, read_run_dir
from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import wandb_init
from flyteplugins.wandb_runs._lineage_refs import artifact_name
from wandb_server import WandbServer

BIG_DIR_FILES = 10_000


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "flyte-data"
    monkeypatch.setenv("LINEAGE_DATA_ROOT", str(root))
    return root


@pytest.fixture
def online(wandb_server: WandbServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WandbServer:
    wandb_dir = tmp_path / "wandb-runs"
    wandb_dir.mkdir()
    monkeypatch.setenv("WANDB_DIR", str(wandb_dir))
    return wandb_server.use(monkeypatch)


def stored_bytes_with_marker(server_dir: Path) -> list[Path]:
    return [p for p in server_dir.rglob("*") if p.is_file() and tasks.MARKER in p.read_bytes()]


def test_the_producers_output_is_the_consumers_input_same_version(
    online: WandbServer, data_root: Path, tmp_path: Path
) -> None:
    consumer_id, data_path, images_path = run_local(
        tasks.pair_pipeline, custom_context=wandb_config(project="lin")
    )
    data = online.artifact(artifact_name(Path(data_path).as_uri()), "latest", project="lin")
    images = online.artifact(artifact_name(Path(images_path).as_uri()), "latest", project="lin")
    assert data is not None and images is not None
    assert data.logged_by == images.logged_by != consumer_id
    assert data.used_by == [consumer_id] and images.used_by == [consumer_id]
    assert (data.version_index, images.version_index, images.type) == (0, 0, "model")
    assert len(online.artifacts()) == 2  # the consumer's use created no second version
    assert sorted(images.aliases) == ["best", "candidate", "latest"]
    assert stored_bytes_with_marker(tmp_path / "wandb-server") == []  # references only
    consumer = online.get_run("lin", consumer_id)
    assert consumer is not None
    assert [e["artifact"] for e in consumer.config["flyte_inputs"]["value"]] == [data.name, images.name]


def test_a_shared_run_logs_its_childrens_outputs_and_never_uses_its_own(
    online: WandbServer, data_root: Path
) -> None:
    parent_id, new_id, path = run_local(tasks.shared_pipeline, custom_context=wandb_config(project="lin"))
    logged = online.artifact(artifact_name(Path(path).as_uri()), project="lin")
    assert logged is not None
    # committed before the next child started (the shared run outlives the producing child)
    assert (logged.logged_by, logged.used_by) == (parent_id, [new_id])
    parent = online.get_run("lin", parent_id)
    assert parent is not None
    assert [e["task"] for e in parent.config["flyte_inputs"]["value"]] == [
        "runs_lineage.consume_in_parent_run"
    ]


def test_a_file_no_task_logged_is_left_alone(
    online: WandbServer, data_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="flyteplugins")
    run_local(tasks.plain_pipeline, custom_context=wandb_config(project="lin"))
    assert online.artifacts() == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert sum("not a W&B artifact" in r.getMessage() for r in caplog.records) == 2


def test_offline_artifacts_go_up_at_wandb_sync(
    wandb_server: WandbServer, data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wandb_dir = tmp_path / "wandb-runs"
    wandb_dir.mkdir()
    monkeypatch.setenv("WANDB_DIR", str(wandb_dir))
    monkeypatch.setenv("WANDB_MODE", "offline")
    consumer_id, data_path, _ = run_local(tasks.pair_pipeline, custom_context=wandb_config(project="lin"))
    dirs = run_dirs(wandb_dir)
    wait_written(dirs)
    monkeypatch.delenv("WANDB_MODE")
    wandb_server.use(monkeypatch)
    env = {k: v for k, v in os.environ.items() if k != "WANDB_MODE"}
    for run_dir in dirs:  # the producer first: run directories sort by start time
        subprocess.run(
            [sys.executable, "-m", "wandb", "sync", str(run_dir)], env=env, cwd=tmp_path, check=True
        )
    data = wandb_server.artifact(artifact_name(Path(data_path).as_uri()), "latest", project="lin")
    assert data is not None and data.logged_by not in (None, consumer_id)
    # the documented limit: an offline run keeps its inputs in its config, not as uses
    assert data.used_by == []
    consumer = wandb_server.get_run("lin", consumer_id)
    assert consumer is not None
    assert consumer.config["flyte_inputs"]["value"][0]["artifact"] == data.name


def test_flyte_wandb_sync_turns_the_listed_inputs_into_uses(
    wandb_server: WandbServer, data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wandb_dir = tmp_path / "wandb-runs"
    wandb_dir.mkdir()
    monkeypatch.setenv("WANDB_DIR", str(wandb_dir))
    monkeypatch.setenv("WANDB_MODE", "offline")
    out = run_local(tasks.pair_pipeline, custom_context=wandb_config(project="lin"))
    consumer_id, uris = out[0], [Path(p).as_uri() for p in out[1:]]
    wait_written(run_dirs(wandb_dir))
    monkeypatch.delenv("WANDB_MODE")
    wandb_server.use(monkeypatch)
    said: list[str] = []

    results = sync_run_dirs(wandb_dir, listener=said.append)
    again = sync_run_dirs(wandb_dir, listener=said.append)

    assert [r.status for r in results] == ["synced", "synced"]
    assert [r.status for r in again] == ["already synced", "already synced"]
    versions = [wandb_server.artifact(artifact_name(uri), project="lin") for uri in uris]
    assert len(wandb_server.artifacts()) == 2
    for version in versions:
        assert version is not None and version.logged_by not in (None, consumer_id)
        assert version.used_by == [consumer_id]
        assert f"{consumer_id}: used {version.name}:v0" in said


@wandb_init(run_mode="new")
@tasks.env.task
async def produce_big_dir() -> Dir:
    return await Dir.from_local(str(tasks.data_root() / "big"))


@pytest.mark.parametrize("mode", ["offline", "online"])
def test_a_dir_of_10000_files_is_one_reference_in_bounded_time_and_uploads_no_data(
    mode: str,
    wandb_server: WandbServer,
    data_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="flyteplugins")
    wandb_dir = tmp_path / "wandb-runs"
    wandb_dir.mkdir()
    monkeypatch.setenv("WANDB_DIR", str(wandb_dir))
    if mode == "online":
        wandb_server.use(monkeypatch)
    else:
        monkeypatch.setenv("WANDB_MODE", "offline")
    big = tasks.write_dir("big", BIG_DIR_FILES)
    run_local(produce_big_dir, custom_context=wandb_config(project="lin"))
    (run_dir,) = run_dirs(wandb_dir)
    wait_written([run_dir])
    assert read_run_dir(run_dir).exit_code == 0
    if mode == "online":  # an online run sends artifacts to the server, not to its record log
        logged = wandb_server.artifact(artifact_name(big.as_uri()), project="lin")
        assert logged is not None
        refs, metadata = [e.ref for e in logged.manifest.values()], logged.metadata
    else:
        (recorded,) = read_artifacts(run_dir)
        refs, metadata = recorded.references, recorded.metadata
    assert len(refs) == BIG_DIR_FILES and all(ref and ref.startswith(big.as_uri()) for ref in refs)
    assert metadata["reference"] == {"kind": "Dir", "checksum": "content", "objects": BIG_DIR_FILES}
    assert stored_bytes_with_marker(tmp_path / "wandb-server") == []
    # How long this takes is measured by the benchmarks, not asserted here; what keeps `finish`
    # quick is that no byte of the data is uploaded (checked above), only a manifest online.
