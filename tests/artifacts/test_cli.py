"""``flyte wandb ...`` end to end: the real flyte CLI in a subprocess, found via the plugin
entry point this package installs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import wandb

from wandb_server import WandbServer, seed_run

FLYTE = str(Path(sys.executable).with_name("flyte"))


def _flyte(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # A fresh CLI process: its own wandb-core, not the one this test process shares via WANDB_SERVICE.
    env = {**{k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"}, "COLUMNS": "200"}
    return subprocess.run(
        [FLYTE, "wandb", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture
def server(wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WandbServer:
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "sdk"))
    (tmp_path / "sdk").mkdir()
    return wandb_server.use(monkeypatch)


def test_export_offline_writes_the_run_and_prints_a_summary(wandb_offline: Path, art, tmp_path: Path) -> None:
    logged = art.log_run("cli-off", art.sample_rows(20), {"a.bin": b"\x00\x01" * 500})

    proc = _flyte("export-offline", str(logged.run_dir), cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "cli-off"
    assert (out / "a.bin").read_bytes() == b"\x00\x01" * 500
    history = json.loads((out / "metrics_history.json").read_text())
    assert [{k: v for k, v in r.items() if k not in ("_runtime", "_timestamp")} for r in history] == (
        logged.expected_history()
    )
    assert "W&B download summary" in proc.stdout and "cli-off" in proc.stdout and "offline" in proc.stdout


def test_download_run_and_sweep_from_a_server(server: WandbServer, tmp_path: Path) -> None:
    files = {"ckpt/model.bin": os.urandom(50_000)}
    seed_run(server, "cliproj", "cli-run", steps=500, files=files)
    sweep_id = wandb.sweep({"method": "grid", "parameters": {"lr": {"values": [1, 2]}}}, project="cliproj")
    for lr in (1, 2):
        run = wandb.init(project="cliproj", config={"lr": lr}, settings=wandb.Settings(sweep_id=sweep_id))
        run.log({"loss": lr})
        run.finish()

    proc = _flyte(
        "download-run", f"{server.entity}/cliproj/cli-run", "--out", "one", "--no-history", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "one" / "ckpt" / "model.bin").read_bytes() == files["ckpt/model.bin"]
    assert not (tmp_path / "one" / "metrics_history.json").exists()
    assert "cli-run" in proc.stdout

    proc = _flyte("download-sweep", f"{server.entity}/cliproj/sweeps/{sweep_id}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run_dirs = sorted((tmp_path / sweep_id).iterdir())
    assert len(run_dirs) == 2
    assert sorted(json.loads((d / "metrics_history.json").read_text())[0]["loss"] for d in run_dirs) == [1, 2]


def test_failures_exit_non_zero_with_the_reason(server: WandbServer, tmp_path: Path) -> None:
    seed_run(server, "cliproj", "cli-hostile", steps=1, files={"ok.txt": b"ok"})
    server.add_file(server.entity, "cliproj", "cli-hostile", "../escape.txt", b"evil")

    missing = _flyte("download-run", f"{server.entity}/cliproj/nope", cwd=tmp_path)
    hostile = _flyte("download-run", f"{server.entity}/cliproj/cli-hostile", "--out", "h", cwd=tmp_path)
    bad_arg = _flyte("download-run", "just-an-id", cwd=tmp_path)

    assert missing.returncode == 1
    assert "'test-entity/cliproj/nope' was not found" in " ".join(missing.stderr.split())
    assert hostile.returncode == 1
    assert "refused names: '../escape.txt'" in " ".join(hostile.stderr.split())
    assert (tmp_path / "h" / "ok.txt").read_bytes() == b"ok"
    assert not (tmp_path / "escape.txt").exists()
    assert bad_arg.returncode == 2
    assert "ENTITY/PROJECT/RUN_ID" in bad_arg.stderr
