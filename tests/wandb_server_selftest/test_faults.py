"""Fault injection is observable through the real SDK: retries, errors, auth failures."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import wandb
from wandb.errors import AuthenticationError, CommError
from wandb.errors import Error as WandbError

from wandb_server import WandbServer, seed_run


@pytest.fixture
def server(wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WandbServer:
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    wandb_server.use(monkeypatch)
    seed_run(wandb_server, "proj", "seeded", steps=5, files={"data.bin": b"\x00\x01payload"})
    return wandb_server


def _read_everything(server: WandbServer, out: Path) -> bytes:
    run = wandb.Api().run(f"{server.entity}/proj/seeded")
    assert len(list(run.scan_history())) == 5
    run.file("data.bin").download(root=str(out), replace=True)
    return (out / "data.bin").read_bytes()


def test_reads_survive_intermittent_5xx_through_sdk_retries(server: WandbServer, tmp_path: Path) -> None:
    server.faults.error_rate, server.faults.seed = 0.4, 7
    assert _read_everything(server, tmp_path / "out") == b"\x00\x01payload"
    kinds = {verdict for _, verdict in server.faults.injected}
    assert kinds == {"error"}, server.faults.injected


def test_reads_fail_when_every_read_answers_5xx(server: WandbServer) -> None:
    server.faults.error_rate = 1.0
    with pytest.raises(CommError, match=r"HTTP 50[03]"):
        wandb.Api().run(f"{server.entity}/proj/seeded").load()


def test_writes_are_exempt_unless_included(server: WandbServer) -> None:
    server.faults.error_rate = 1.0
    seed_run(server, "proj", "written", steps=2)  # a run's own traffic is not faulted by default
    assert server.run_state("proj", "written") == "finished"
    server.faults.include_writes = True
    with pytest.raises(WandbError, match="giving up"):
        wandb.init(project="proj", id="blocked")
    assert server.get_run("proj", "blocked") is None


def test_dropped_connections_are_retried(server: WandbServer, tmp_path: Path) -> None:
    server.faults.drop_rate, server.faults.seed = 0.3, 11
    assert _read_everything(server, tmp_path / "out") == b"\x00\x01payload"
    assert "drop" in {verdict for _, verdict in server.faults.injected}, server.faults.injected


def test_same_seed_replays_the_same_faults(server: WandbServer, tmp_path: Path) -> None:
    outcomes = []
    server.faults.error_rate = 0.5
    for attempt in range(2):
        server.faults.injected.clear()
        server.faults.seed = 3
        _read_everything(server, tmp_path / f"out{attempt}")
        outcomes.append(list(server.faults.injected))
    assert outcomes[0] == outcomes[1] and outcomes[0]


def test_reject_auth_gives_authentication_errors(server: WandbServer) -> None:
    server.faults.reject_auth = True
    with pytest.raises(AuthenticationError):
        wandb.Api()
    with pytest.raises(CommError, match="not logged in"):
        wandb.init(project="proj", id="denied")


def test_latency_slows_every_request(server: WandbServer) -> None:
    api = wandb.Api()
    server.faults.latency_s = 0.3
    started = time.perf_counter()
    api.run(f"{server.entity}/proj/seeded").load()
    assert time.perf_counter() - started >= 0.3
