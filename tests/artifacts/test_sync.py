"""``flyte wandb sync`` against the W&B test server: real offline runs, uploaded by W&B's own
``wandb sync`` in a subprocess, never twice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import wandb
from click.testing import CliRunner, Result

from flyteplugins.wandb_artifacts import _sync
from flyteplugins.wandb_artifacts.cli import wandb_group
from wandb_server import WandbServer

FLYTE = str(Path(sys.executable).with_name("flyte"))
PROJECT = "syncproj"


def _offline_run(base: Path, run_id: str, rows: int = 50, art: Any = None, start: int = 0) -> Path:
    """A finished offline run (or, with ``start``, its resumed segment) logging rows
    ``start..rows-1`` under ``base/wandb/``; its directory."""
    run = wandb.init(mode="offline", dir=base, project=PROJECT, id=run_id, resume="allow" if start else None)
    for i in range(start, rows):
        run.log({"loss": 1 / (i + 1), "i": i}, step=i)
    run_dir = Path(run.dir).parent
    run.finish()
    art.wait_for_log(run_dir)
    return run_dir


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(wandb_group, ["sync", *args])


def _flyte(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"}, "COLUMNS": "250"}
    return subprocess.run(
        [FLYTE, "wandb", "sync", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )


def _rows(server: WandbServer, run_id: str) -> int | None:
    run = server.get_run(PROJECT, run_id)
    return None if run is None else len(run.history.lines)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_an_offline_run_is_uploaded_once(server: WandbServer, tmp_path: Path, art: Any) -> None:
    run_dir = _offline_run(tmp_path / "pod", "sync-once", art=art)
    url = f"{server.base_url}/{server.entity}/{PROJECT}/runs/sync-once"

    first = _invoke(str(run_dir))

    assert first.exit_code == 0, first.output
    stored = server.get_run(PROJECT, "sync-once")
    assert stored is not None and stored.state == "finished"
    assert [row["i"] for row in stored.history.rows()] == list(range(50))
    summary = first.stdout
    assert "W&B sync summary" in summary and "sync-once" in summary and url in summary
    assert "synced" in summary and " 50 " in summary
    assert "Finished syncing" in first.stderr  # wandb sync's own progress, forwarded
    assert server.api_key not in first.output

    # Again: wandb's .synced marker makes `wandb sync` skip it.
    second = _invoke(str(run_dir))
    # A copy without the marker (what a fresh download of a Dir is): the server is asked first.
    copy = tmp_path / "copy" / run_dir.name
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("*.synced", "*.syncstate"))
    third = _invoke(str(tmp_path / "copy"))

    assert second.exit_code == 0 and third.exit_code == 0, (second.output, third.output)
    assert "already synced" in second.stdout and "already on server" in third.stdout
    assert _rows(server, "sync-once") == 50
    for result in (second, third):
        assert "sync-once" in result.stdout and url in result.stdout and " 0 " in result.stdout


def test_a_file_uri_of_a_pod_dir_is_downloaded_and_synced(
    server: WandbServer, tmp_path: Path, art: Any
) -> None:
    # What a pod saves as a Flyte Dir: its WANDB_DIR, holding wandb/offline-run-...
    run_dir = _offline_run(tmp_path / "pod", "sync-uri", rows=50, art=art)
    assert run_dir.parent == tmp_path / "pod" / "wandb"
    uri = (tmp_path / "pod").as_uri()

    first = _flyte(uri, cwd=tmp_path)
    second = _flyte(uri, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert "sync-uri" in first.stdout and "synced" in first.stdout and " 50 " in first.stdout
    assert f"{uri}/wandb/{run_dir.name}" in _flat(first.stderr)  # where it was found
    # wandb/latest-run is a symlink in the pod, a copy in the Dir: synced once, not twice
    assert f"Skipping latest-run: a copy of {run_dir.name}" in _flat(first.stderr)
    assert second.returncode == 0, second.stderr
    assert "already on server" in second.stdout
    assert _rows(server, "sync-uri") == 50
    assert not list(run_dir.glob("*.synced"))  # the source is only read; a temporary copy was synced


def test_a_resumed_run_syncs_its_new_segment_only(server: WandbServer, tmp_path: Path, art: Any) -> None:
    first_segment = _offline_run(tmp_path / "pod", "sync-resumed", rows=30, art=art)
    assert _invoke(str(first_segment)).exit_code == 0
    second_segment = _offline_run(tmp_path / "pod", "sync-resumed", rows=50, art=art, start=30)
    assert second_segment != first_segment

    result = _invoke(str(tmp_path / "pod"))  # the directory holding wandb/ with both segments

    assert result.exit_code == 0, result.output
    stored = server.get_run(PROJECT, "sync-resumed")
    assert stored is not None and [row["i"] for row in stored.history.rows()] == list(range(50))
    assert "already synced" in result.stdout and " 20 " in result.stdout


def test_a_run_the_server_holds_in_part_is_refused(server: WandbServer, tmp_path: Path, art: Any) -> None:
    run_dir = _offline_run(tmp_path / "pod", "sync-part", art=art)
    server.add_run(PROJECT, "sync-part", history=[{"i": i} for i in range(20)], exit_code=None)

    result = _invoke(str(run_dir))

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "failed" in result.stdout
    assert "duplicating steps 0-19" in _flat(result.stderr)
    assert _rows(server, "sync-part") == 20


def test_a_failing_wandb_sync_exits_non_zero(
    server: WandbServer, tmp_path: Path, art: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = _offline_run(tmp_path / "pod", "sync-fail", art=art)
    run_wandb_sync = _sync._run_wandb_sync

    def outage_then_sync(*args: Any, **kwargs: Any) -> str:
        server.faults.reject_auth = True  # after our checks, before wandb sync talks to the server
        return run_wandb_sync(*args, **kwargs)

    monkeypatch.setattr(_sync, "_run_wandb_sync", outage_then_sync)

    result = _invoke(str(run_dir))

    # wandb sync itself exits 0 here: the missing .synced marker is what tells.
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "failed" in result.stdout
    assert "wandb sync did not mark it synced: user is not logged in" in _flat(result.stderr)
    assert not _rows(server, "sync-fail")
    assert not list(run_dir.glob("*.synced"))


def test_user_errors_are_one_line_and_a_hint(server: WandbServer, tmp_path: Path, art: Any) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "wandb").mkdir()
    (tmp_path / "notes" / "wandb" / "readme.txt").write_text("no run here")
    run_dir = art.log_copy(tmp_path, "abc", art.encode_log([]), "runs")
    nothing = "pass a run directory"
    cases = {
        "missing": ([str(tmp_path / "nope")], "does not exist", nothing),
        "empty": ([str(tmp_path / "empty")], "No W&B run directory", nothing),
        "no run": ([str(tmp_path / "notes")], "No W&B run directory", nothing),
        "missing uri": ([(tmp_path / "nope").as_uri()], "is not a directory", nothing),
        "bad host": (
            [str(run_dir), "--host", "ftp://wandb.example.com"],
            "--host: 'ftp://wandb.example.com' is not a valid W&B host",
            "an http(s) URL",
        ),
    }
    for case, (args, error, hint) in cases.items():
        result = _invoke(*args)

        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (case, result.output)
        errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
        hints = [line for line in result.output.splitlines() if line.startswith("Hint: ")]
        assert len(errors) == 1 and error in errors[0], (case, result.output)
        assert len(hints) == 1 and hint in hints[0], (case, result.output)
        assert "Traceback" not in result.output, case


def test_rejected_credentials_fail_before_anything_is_uploaded(
    server: WandbServer, tmp_path: Path, art: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = _offline_run(tmp_path / "pod", "sync-key", rows=3, art=art)
    wrong_key = "local-" + "f" * 40
    monkeypatch.setenv("WANDB_API_KEY", wrong_key)

    result = _invoke(str(run_dir))

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "W&B refused the credentials" in _flat(result.output)
    assert wrong_key not in result.output
    assert server.get_run(PROJECT, "sync-key") is None


def test_an_unreachable_server_fails_fast_and_syncs_nothing(
    server: WandbServer, tmp_path: Path, art: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = _offline_run(tmp_path / "pod", "sync-down", rows=3, art=art)
    monkeypatch.setattr(_sync, "REACH_TIMEOUT_S", 1.0)  # wandb sync itself would wait for minutes
    server.pause()
    try:
        result = _invoke(str(run_dir))
    finally:
        server.resume()

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"W&B at {server.base_url} does not answer" in _flat(result.output)
    assert "nothing was synced" in _flat(result.output)
    assert not list(run_dir.glob("*.synced"))
