"""A run logged online with the real SDK reads back identically through ``wandb.Api()``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import wandb

from wandb_server import WandbServer, seed_run

SDK_FILES = {"config.yaml", "wandb-summary.json", "wandb-metadata.json", "output.log", "requirements.txt"}


def _without_clock(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("_timestamp", "_runtime")}


@pytest.fixture
def server(wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WandbServer:
    wandb_server.use(monkeypatch)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return wandb_server


def test_init_log_save_finish_reads_back(server: WandbServer, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 40
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "model.bin").write_bytes(payload)
    run = wandb.init(project="proj", id="round1", config={"lr": 0.01, "layers": [64, 32]})
    logged = [{"loss": 1.0 / (i + 1), "step_name": f"s{i}"} for i in range(25)]
    for row in logged:
        run.log(row)
    run.summary["best_loss"] = 0.04
    run.save(str(tmp_path / "ckpt" / "model.bin"), base_path=str(tmp_path), policy="now")
    print("to the console")
    run.finish()

    api_run = wandb.Api().run(f"{server.entity}/proj/round1")
    assert api_run.state == "finished"
    assert api_run.config == {"lr": 0.01, "layers": [64, 32]}
    assert api_run.summary["best_loss"] == 0.04
    assert api_run.summary["loss"] == logged[-1]["loss"]
    scanned = [_without_clock(r) for r in api_run.scan_history()]
    assert scanned == [{**row, "_step": i} for i, row in enumerate(logged)]

    files = {f.name: f for f in api_run.files()}
    assert SDK_FILES | {"ckpt/model.bin"} <= set(files)
    files["ckpt/model.bin"].download(root=str(tmp_path / "dl"), replace=True)
    assert (tmp_path / "dl" / "ckpt" / "model.bin").read_bytes() == payload
    assert files["ckpt/model.bin"].size == len(payload)
    files["output.log"].download(root=str(tmp_path / "dl"), replace=True)
    assert "to the console" in (tmp_path / "dl" / "output.log").read_text()
    assert "to the console" in [line.content for line in api_run.console_logs()]
    assert server.get_run("proj", "round1").exitcode == 0  # type: ignore[union-attr]
    assert {"UpsertBucket", "CreateRunFiles", "Run", "RunFiles", "HistoryPage"} <= set(
        server.graphql_operations()
    )


def test_public_api_updates_are_recorded(server: WandbServer) -> None:
    server.add_run("proj", "edit", history=[{"a": 1}], summary={"s": 1}, config={"c": 1})
    api_run = wandb.Api().run(f"{server.entity}/proj/edit")
    api_run.summary.update({"added": 5})
    api_run.config["c2"] = 7
    api_run.tags = ["t1"]
    api_run.update()
    recorded = server.get_run("proj", "edit")
    assert recorded is not None
    assert recorded.summary == {"s": 1, "added": 5}
    assert {k: v["value"] for k, v in recorded.config.items()} == {"c": 1, "c2": 7}
    assert recorded.tags == ["t1"]


@pytest.mark.parametrize("exit_code", [1, 3])
def test_nonzero_exit_code_is_recorded_as_failed(server: WandbServer, exit_code: int) -> None:
    run = wandb.init(project="proj", id=f"fail{exit_code}")
    run.log({"x": 1})
    run.finish(exit_code=exit_code)
    recorded = server.get_run("proj", f"fail{exit_code}")
    assert recorded is not None and recorded.exitcode == exit_code
    assert wandb.Api().run(f"{server.entity}/proj/fail{exit_code}").state == "failed"


def test_resuming_a_finished_run_reopens_it_and_appends(server: WandbServer) -> None:
    seed_run(server, "proj", "again", steps=3)
    run = wandb.init(project="proj", id="again", resume="must")
    assert server.run_state("proj", "again") == "running"
    run.log({"loss": 0.5})
    run.finish()
    steps = [r["_step"] for r in wandb.Api().run(f"{server.entity}/proj/again").scan_history()]
    assert steps == [0, 1, 2, 3]
    assert server.run_state("proj", "again") == "finished"


def test_a_killed_process_leaves_a_run_that_reads_as_crashed(server: WandbServer, tmp_path: Path) -> None:
    script = (
        "import os, signal, wandb\n"
        "wandb.init(project='proj', id='killed')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], env=dict(os.environ), timeout=60, cwd=tmp_path)
    assert proc.returncode == -signal.SIGKILL
    assert server.run_state("proj", "killed") == "running"
    server.crash_after_s = 0.2
    time.sleep(0.3)
    assert wandb.Api().run(f"{server.entity}/proj/killed").state == "crashed"


def test_sampled_history_and_keys(server: WandbServer) -> None:
    server.add_run("proj", "planted", history=[{"loss": float(i), "acc": i % 7} for i in range(1000)])
    api_run = wandb.Api().run(f"{server.entity}/proj/planted")
    sampled = api_run.history(samples=100, pandas=False)
    steps = [r["_step"] for r in sampled]
    assert len(steps) == 100 and steps[0] == 0 and steps[-1] == 999 and steps == sorted(set(steps))
    by_key = api_run.history(samples=10, keys=["acc"], pandas=False)
    assert len(by_key) == 10 and all(set(r) == {"_step", "acc"} for r in by_key)
    only_loss = list(api_run.scan_history(keys=["loss"], page_size=300))
    assert [r["loss"] for r in only_loss] == [float(i) for i in range(1000)]
    assert api_run.lastHistoryStep == 999
