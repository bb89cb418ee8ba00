"""Offline export: what the exported directory holds equals what the run logged."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from flyteplugins.wandb_artifacts import download_wandb_run_dir, export_offline_run, records
from flyteplugins.wandb_artifacts._atomic import STAGING_DIR
from flyteplugins.wandb_context import keys, wandb_config

OWN_FILES = {"summary.json", "metrics_history.json"}


def _without_system_keys(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in ("_runtime", "_timestamp")} for row in rows]


def test_export_equals_what_was_logged(wandb_offline: Path, art, tmp_path: Path) -> None:
    files = art.sample_files()
    logged = art.log_run("exp-all", art.sample_rows(300), files, summary={"best": 0.25})
    out = tmp_path / "out"

    path = export_offline_run(logged.run_dir, out)

    assert path == str(out.resolve())
    exported = art.tree(out)
    for name, data in files.items():
        assert exported[name] == data
    run_files = art.tree(logged.run_dir / "files")
    assert {k: v for k, v in exported.items() if k not in OWN_FILES} == run_files
    history = json.loads((out / "metrics_history.json").read_text())
    assert _without_system_keys(history) == logged.expected_history()
    assert all(isinstance(row["_timestamp"], float) for row in history)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best"] == 0.25
    assert summary["loss"] == logged.rows[-1]["loss"]
    assert summary == records.read_run("exp-all").summary
    assert not (out / STAGING_DIR).exists()


def test_export_by_run_id_merges_resumed_segments(wandb_offline: Path, art, tmp_path: Path) -> None:
    art.log_run("exp-res", [{"x": 1}], {"a.txt": b"first", "b.txt": b"only-first"})
    art.log_run("exp-res", [{"x": 2}], {"a.txt": b"second"}, resume=True)

    out = Path(export_offline_run("exp-res", tmp_path / "out"))

    assert (out / "a.txt").read_bytes() == b"second"
    assert (out / "b.txt").read_bytes() == b"only-first"
    history = json.loads((out / "metrics_history.json").read_text())
    assert [row["x"] for row in history] == [1, 2]


def test_without_history_and_rerun_skips_identical_files(wandb_offline: Path, art, tmp_path: Path) -> None:
    logged = art.log_run("exp-skip", [{"x": 1}], {"big.bin": os.urandom(200_000)})
    out = tmp_path / "out"
    export_offline_run(logged.run_dir, out, include_history=False)
    assert not (out / "metrics_history.json").exists()
    before = (out / "big.bin").stat().st_mtime_ns

    from flyteplugins.wandb_artifacts._offline import export_offline

    report = export_offline(logged.run_dir, out)
    assert "big.bin" in report.skipped and "big.bin" not in report.downloaded
    assert (out / "big.bin").stat().st_mtime_ns == before
    assert report.history_rows == 1


def test_download_in_offline_mode_exports_locally_with_default_path(
    wandb_offline: Path, art, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged = art.log_run("exp-default", [{"x": 1}], {"m.txt": b"m"})
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmpdir"))
    (tmp_path / "tmpdir").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile caches TMPDIR on first use

    path = download_wandb_run_dir("exp-default")

    assert path == str(tmp_path / "tmpdir" / "wandb_runs" / "exp-default")
    assert (Path(path) / "m.txt").read_bytes() == b"m"
    assert json.loads((Path(path) / "metrics_history.json").read_text())[0]["x"] == 1
    assert logged.run_id == "exp-default"


def test_local_only_run_is_exported_even_when_mode_is_online(
    wandb_offline: Path, art, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    art.log_run("exp-local", [{"x": 7}])
    monkeypatch.setenv("WANDB_MODE", "online")  # no server, no key: only the local copy exists

    path = download_wandb_run_dir("exp-local", str(tmp_path / "o"))
    assert json.loads((Path(path) / "metrics_history.json").read_text())[0]["x"] == 7


def test_run_id_from_flyte_context_and_offline_mode_from_wandb_config(
    wandb_offline: Path, art, tmp_path: Path, local_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flyte

    art.log_run("exp-ctx", [{"x": 3}])
    monkeypatch.delenv("WANDB_MODE")
    env = flyte.TaskEnvironment(name="artifacts_ctx")

    @env.task
    async def fetch(out: str) -> str:
        return download_wandb_run_dir(path=out)

    ctx = {**wandb_config(mode="offline", project="p"), keys.RUN_ID_KEY: "exp-ctx"}
    path = local_run(fetch, str(tmp_path / "ctx-out"), custom_context=ctx)
    assert json.loads((Path(path) / "metrics_history.json").read_text())[0]["x"] == 3


def test_bad_inputs_name_the_problem(wandb_offline: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="No run_id given"):
        download_wandb_run_dir()
    with pytest.raises(ValueError, match="not a bare W&B id"):
        download_wandb_run_dir("../escape")
    with pytest.raises(FileNotFoundError, match="'missing-run'"):
        download_wandb_run_dir("missing-run", str(tmp_path / "o"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export_offline_run(str(tmp_path / "no" / "such-dir"))
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_export_right_after_finish_waits_for_the_log(wandb_offline: Path, tmp_path: Path) -> None:
    """run.finish() returns before wandb-core flushed the log; the export must still see it all."""
    import wandb

    for i in range(6):
        run = wandb.init(project="p", id=f"exp-fast-{i}", config={"i": i})
        run.log({"v": i})
        run.finish(exit_code=0)
        out = Path(export_offline_run(f"exp-fast-{i}", tmp_path / f"o{i}"))
        assert json.loads((out / "metrics_history.json").read_text())[0]["v"] == i
        assert records.read_run(f"exp-fast-{i}").exit_code == 0
