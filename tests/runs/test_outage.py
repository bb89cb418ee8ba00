"""A W&B outage never fails or loses a task (DESIGN "Where we do better" 9).

Every test talks to a real server on 127.0.0.1: the W&B-protocol test server (paused, or
answering 503) or a port nothing listens on. Bounds are set small here; the defaults (30 s at
init, 120 s at finish) are measured in the benchmark.
"""

from __future__ import annotations

import logging
import re
import socket
import time
from pathlib import Path
from typing import Any

import flyte
import pytest
from runs_support import metrics, run_local

from flyteplugins.wandb_artifacts.records import read_run_dir
from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import keys
from flyteplugins.wandb_runs import get_wandb_run, wandb_init
from wandb_server import WandbServer

env = flyte.TaskEnvironment("runs_outage")

ROWS = 12


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@wandb_init
@env.task
async def trains(rows: int) -> dict[str, Any]:
    run = get_wandb_run()
    assert run is not None
    for step in range(rows):
        run.log({"loss": 1.0 / (step + 1)})
    return {"id": run.id, "mode": run.settings.mode, "dir": run.settings.sync_dir, "config": dict(run.config)}


def _kept_dirs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return re.findall(r"flyte wandb sync (\S+)", caplog.text)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    wandb_dir = tmp_path / "wandb-runs"
    wandb_dir.mkdir()
    monkeypatch.setenv("WANDB_DIR", str(wandb_dir))
    monkeypatch.setenv("WANDB_API_KEY", "k" * 40)
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    monkeypatch.delenv("WANDB_MODE", raising=False)
    return wandb_dir


def test_unreachable_w_and_b_at_init_continues_offline_within_the_bound(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    context = wandb_config(project="outage", host=_closed_port_url(), outage_timeout=2, tags=["t1"])
    started = time.monotonic()
    out = run_local(trains, ROWS, custom_context=context)
    elapsed = time.monotonic() - started

    assert out["mode"] == "offline"
    origin = out["config"]["flyte"]  # the same id and origin an online run gets
    assert out["id"] == f"{origin['run_name']}-{origin['action_name']}"
    # 2 s of probing, then an offline run: well under the SDK's own 90 s + failure
    assert elapsed < 25, elapsed
    assert "did not answer within 2 s" in caplog.text

    recorded = read_run_dir(Path(out["dir"]))
    assert recorded.run_id == out["id"]
    assert recorded.tags == ["t1"]
    assert [row["loss"] for row in metrics(recorded)] == [1.0 / (s + 1) for s in range(ROWS)]
    kept = _kept_dirs(caplog)
    assert len(kept) == 1
    assert any(p.name.endswith(".wandb") for p in Path(kept[0].removeprefix("file://")).iterdir())


def test_a_short_outage_within_the_bound_is_waited_out(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    wandb_server.use(monkeypatch)
    wandb_server.faults.unavailable_for(2)
    out = run_local(trains, ROWS, custom_context=wandb_config(project="outage", outage_timeout=30))
    assert out["mode"] != "offline"
    run = wandb_server.get_run("outage", out["id"])
    assert run is not None and len(run.history.rows()) == ROWS
    assert any(verdict == "unavailable" for _, verdict in wandb_server.faults.injected)


def test_5xx_for_40_s_falls_back_at_the_bound_not_after_it(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    wandb_server.use(monkeypatch)
    wandb_server.faults.unavailable_for(40)
    started = time.monotonic()
    out = run_local(trains, ROWS, custom_context=wandb_config(project="outage", outage_timeout=3))
    assert time.monotonic() - started < 30
    assert out["mode"] == "offline"
    assert wandb_server.get_run("outage", out["id"]) is None
    assert len(metrics(read_run_dir(Path(out["dir"])))) == ROWS


@pytest.mark.parametrize("fault", ["reject_auth", "wrong_key", "unknown_entity"])
def test_a_misconfiguration_raises_and_never_goes_offline(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path, fault: str
) -> None:
    wandb_server.use(monkeypatch)
    if fault == "reject_auth":
        wandb_server.faults.reject_auth = True
    elif fault == "wrong_key":
        monkeypatch.setenv("WANDB_API_KEY", "w" * 40)
    else:
        wandb_server.known_entities = {wandb_server.entity}
        monkeypatch.setenv("WANDB_ENTITY", "nobody-knows-me")
    with pytest.raises(Exception, match=r"wandb\.init failed") as raised:
        run_local(trains, ROWS, custom_context=wandb_config(project="outage", outage_timeout=5))
    assert "w" * 40 not in str(raised.value)
    assert not list(home.glob("wandb/offline-run-*"))


def test_on_outage_raise_fails_fast_naming_the_host_and_the_fix(home: Path) -> None:
    url = _closed_port_url()
    context = wandb_config(project="outage", host=url, on_outage="raise", outage_timeout=1)
    with pytest.raises(Exception, match="did not answer within 1 s") as raised:
        run_local(trains, ROWS, custom_context=context)
    assert url in str(raised.value) and "on_outage='offline'" in str(raised.value)
    assert not list(home.glob("wandb/*run-*"))


def test_on_outage_disabled_trains_without_recording(home: Path) -> None:
    context = wandb_config(project="outage", host=_closed_port_url(), on_outage="disabled", outage_timeout=1)
    out = run_local(trains, ROWS, custom_context=context)
    assert out["mode"] == "disabled"
    assert not list(home.glob("wandb/*run-*"))


@wandb_init
@env.task
async def shares_parent_run() -> dict[str, Any]:
    run = get_wandb_run()
    assert run is not None
    run.log({"child": 1})
    return {"id": run.id, "mode": run.settings.mode}


@wandb_init(run_mode="new")
@env.task
async def starts_own_run() -> dict[str, Any]:
    run = get_wandb_run()
    assert run is not None
    return {"id": run.id, "mode": run.settings.mode}


@wandb_init
@env.task
async def parent_of_two(rows: int) -> dict[str, Any]:
    run = get_wandb_run()
    assert run is not None
    from flyteplugins.wandb_context.internal import current_custom_context

    seen = dict(current_custom_context())
    shared = await shares_parent_run()
    own = await starts_own_run()
    return {"id": run.id, "mode": run.settings.mode, "shared": shared, "own": own, "context": seen}


def test_children_stay_offline_with_their_parent_and_new_runs_try_again(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    wandb_server.use(monkeypatch)
    wandb_server.pause()  # the parent's start finds nobody listening
    try:
        out_holder: dict[str, Any] = {}

        def resume_when_parent_is_offline() -> None:
            deadline = time.monotonic() + 60
            while not list(home.glob("wandb/offline-run-*")) and time.monotonic() < deadline:
                time.sleep(0.05)
            wandb_server.resume()

        import threading

        resumer = threading.Thread(target=resume_when_parent_is_offline)
        resumer.start()
        out_holder.update(
            run_local(parent_of_two, 1, custom_context=wandb_config(project="outage", outage_timeout=1))
        )
        resumer.join()
    finally:
        if wandb_server.paused:
            wandb_server.resume()
    out = out_holder
    assert out["mode"] == "offline"
    assert out["context"][keys.RUN_OFFLINE_KEY] == out["id"]
    assert out["shared"] == {"id": out["id"], "mode": "offline"}
    assert out["own"]["mode"] != "offline"  # a new run asks the (now running) server again
    assert wandb_server.get_run("outage", out["own"]["id"]) is not None
    assert wandb_server.get_run("outage", out["id"]) is None


def test_a_child_pod_joining_an_offline_parent_never_calls_the_server(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path, tmp_path: Path
) -> None:
    import asyncio

    from runs_pod import run_as_pod

    wandb_server.use(monkeypatch)
    parent = "outage-run-parent"
    context = {**wandb_config(project="outage"), keys.RUN_ID_KEY: parent, keys.RUN_OFFLINE_KEY: parent}
    before = len(wandb_server.requests)
    asyncio.run(
        run_as_pod(
            shares_parent_run, context=context, action="child", run_name="outage-run", work_dir=tmp_path / "f"
        )
    )
    assert wandb_server.requests[before:] == []
    (child_dir,) = home.glob("wandb/offline-run-*")
    assert read_run_dir(child_dir).run_id == parent


# The SDK sends the file stream every 15 s by default, longer than the outage: every second here,
# so that rows really meet the stopped server.
@wandb_init(settings={"x_file_stream_transmit_interval": 1})
@env.task
async def trains_through_an_outage(rows: int) -> dict[str, Any]:
    """Logs a third of its rows, then the next third while the server is down, then the rest."""
    run = get_wandb_run()
    assert run is not None
    server = SERVERS[0]
    for step in range(rows):
        run.log({"x": step})
    server.pause()
    for step in range(rows, 2 * rows):
        run.log({"x": step})
        time.sleep(0.5)
    server.resume()
    for step in range(2 * rows, 3 * rows):
        run.log({"x": step})
    return {"id": run.id, "mode": run.settings.mode, "dir": run.settings.sync_dir}


SERVERS: list[WandbServer] = []


def test_the_server_down_mid_run_loses_no_row(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    wandb_server.use(monkeypatch)
    SERVERS[:] = [wandb_server]
    out = run_local(trains_through_an_outage, 12, custom_context=wandb_config(project="outage"))  # 6 s down
    assert out["mode"] != "offline"
    run = wandb_server.get_run("outage", out["id"])
    assert run is not None
    assert [row["x"] for row in run.history.rows()] == list(range(36))
    assert (run.state, run.exitcode) == ("finished", 0)
    sdk_log = (Path(out["dir"]) / "logs" / "debug-internal.log").read_text()
    assert "connection refused" in sdk_log  # the outage was met, not slept through


@wandb_init(settings={"finish_timeout": 3})
@env.task
async def server_gone_before_finish(rows: int) -> dict[str, Any]:
    run = get_wandb_run()
    assert run is not None
    for step in range(rows):
        run.log({"x": step})
    SERVERS[0].pause()
    return {"id": run.id, "result": 42}


def test_server_down_at_finish_keeps_the_run_and_the_task_succeeds(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    wandb_server.use(monkeypatch)
    SERVERS[:] = [wandb_server]
    started = time.monotonic()
    try:
        out = run_local(server_gone_before_finish, ROWS, custom_context=wandb_config(project="outage"))
    finally:
        wandb_server.resume()
    assert out["result"] == 42
    assert time.monotonic() - started < 60
    (kept,) = _kept_dirs(caplog)
    recorded = read_run_dir(Path(kept.removeprefix("file://")))
    assert recorded.run_id == out["id"]
    assert [row["x"] for row in metrics(recorded)] == list(range(ROWS))


def _start_pod(tmp_path: Path, ready: Path, start: int, rows: int) -> Any:
    import json
    import os
    import subprocess
    import sys

    spec = {
        "task": "runs_outage_tasks:trains_until_stopped",
        "kwargs": {"ready": str(ready), "rows": rows, "start": start},
        "context": dict(wandb_config(project="preemptible")),
        "action": "train",
        "run_name": "preempted-run",
        "work_dir": str(tmp_path / "pod"),
    }
    spec_path = tmp_path / f"spec-{start}.json"
    spec_path.write_text(json.dumps(spec))
    env_vars = {k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"}
    here = Path(__file__).parent
    return subprocess.Popen(
        [sys.executable, str(here / "runs_pod.py"), str(spec_path)],
        env=env_vars,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(path: Path, proc: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"pod exited early ({proc.returncode}):\n{proc.stdout.read()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("pod never got ready")
        time.sleep(0.05)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_a_signalled_pod_s_run_is_resumed_by_the_retry(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path, tmp_path: Path, signal_name: str
) -> None:
    import signal

    wandb_server.use(monkeypatch)
    first = _start_pod(tmp_path, tmp_path / "ready-1", start=0, rows=5)
    _wait_for(tmp_path / "ready-1", first)
    run_id = (tmp_path / "ready-1").read_text()
    first.send_signal(getattr(signal, signal_name))
    output = first.communicate(timeout=60)[0]
    assert first.returncode == -getattr(signal, signal_name), output[-3000:]

    run = wandb_server.get_run("preemptible", run_id)
    assert run is not None
    if signal_name == "SIGTERM":  # marked preempting and finished before the process ended
        assert (wandb_server.run_state("preemptible", run_id), run.exitcode) == ("preempted", 143)
        assert [row["x"] for row in run.history.rows()] == list(range(5))
    else:  # killed outright: W&B still thinks it runs
        assert run.state == "running"

    retry = _start_pod(tmp_path, tmp_path / "ready-2", start=5, rows=5)
    retry.communicate(timeout=120)
    assert retry.returncode == 0
    assert (tmp_path / "ready-2").read_text() == run_id
    run = wandb_server.get_run("preemptible", run_id)
    assert run is not None
    assert (run.state, run.exitcode) == ("finished", 0)
    assert [row["x"] for row in run.history.rows()][-5:] == list(range(5, 10))
    assert [r.name for r in wandb_server.storage.runs_in(wandb_server.entity, "preemptible")] == [run_id]


def test_a_fallback_run_is_synced_later_with_every_row_and_only_once(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from click.testing import CliRunner

    from flyteplugins.wandb_artifacts.cli import wandb_group

    caplog.set_level(logging.WARNING)
    wandb_server.use(monkeypatch)
    wandb_server.pause()
    try:
        out = run_local(trains, ROWS, custom_context=wandb_config(project="outage", outage_timeout=1))
    finally:
        wandb_server.resume()
    assert out["mode"] == "offline" and wandb_server.get_run("outage", out["id"]) is None
    (kept,) = _kept_dirs(caplog)

    for attempt in (1, 2):
        result = CliRunner().invoke(wandb_group, ["sync", kept])
        assert result.exit_code == 0, result.output
        run = wandb_server.get_run("outage", out["id"])
        assert run is not None, attempt
        assert [row["loss"] for row in run.history.rows()] == [1.0 / (s + 1) for s in range(ROWS)], attempt
    assert out["id"] in result.output
