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
from click.testing import CliRunner, Result

from flyteplugins.wandb_artifacts._atomic import STAGING_DIR
from flyteplugins.wandb_artifacts.cli import wandb_group
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


def _invoke(*args: str) -> Result:
    """The command in this process (click's runner): fast, and a traceback would show up as
    ``result.exception`` being something other than the SystemExit of a clean error."""
    return CliRunner().invoke(wandb_group, list(args))


def _records(run_id: str, rows: int) -> list[bytes]:
    """Serialized records of a small finished run: run record, history rows, exit record."""
    from wandb.proto import wandb_internal_pb2 as pb

    def item(key: str, value: object) -> object:
        return pb.HistoryItem(key=key, value_json=json.dumps(value))  # type: ignore[attr-defined]

    out = [pb.Record(run=pb.RunRecord(run_id=run_id, project="p")).SerializeToString()]  # type: ignore[attr-defined]
    for i in range(rows):
        history = pb.HistoryRecord(item=[item("i", i), item("_step", i), item("pad", "x" * 200)])  # type: ignore[attr-defined]
        out.append(pb.Record(history=history).SerializeToString())  # type: ignore[attr-defined]
    out.append(pb.Record(exit=pb.RunExitRecord(exit_code=0)).SerializeToString())  # type: ignore[attr-defined]
    return out


def _user_error_cases(tmp_path: Path, art) -> dict[str, tuple[Path, str]]:
    """name -> (RUN_DIR argument, what the error line must say)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    not_a_run = tmp_path / "not-a-run"
    not_a_run.mkdir()
    (not_a_run / "notes.txt").write_text("hello")
    parent = tmp_path / "wandb"
    art.log_copy(parent.parent, "abc", art.encode_log(_records("abc", 1)), "wandb")
    garbage = art.log_copy(tmp_path, "garb", art.encode_log([b"\x0a\x7fjunk"] * 3), "g")
    not_a_log = art.log_copy(tmp_path, "nolog", b"hello, not a log at all", "n")
    return {
        "empty directory": (empty, "No W&B record log"),
        "not a run": (not_a_run, "No W&B record log"),
        "the wandb/ parent": (parent, "a W&B directory holding 1 run(s) (offline-run-20200101_000000-abc)"),
        "garbage protobuf": (garbage, "3 undecodable record(s) skipped"),
        "not a record log": (not_a_log, "is not a W&B record log"),
    }


def test_export_offline_user_errors_are_one_line_and_a_hint(tmp_path: Path, art) -> None:
    for case, (run_dir, says) in _user_error_cases(tmp_path, art).items():
        out = tmp_path / "out" / case.replace(" ", "-")

        result = _invoke("export-offline", str(run_dir), "--out", str(out))

        assert result.exit_code == 1, (case, result.output)
        assert isinstance(result.exception, SystemExit), (case, result.exception)
        assert "Traceback" not in result.output, case
        errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
        hints = [line for line in result.output.splitlines() if line.startswith("Hint: ")]
        assert len(errors) == 1 and says in errors[0] and len(hints) == 1, (case, result.output)
        assert not out.exists() and not (tmp_path / "out").exists(), case


def test_a_planted_staging_link_is_an_error_naming_it(tmp_path: Path, art) -> None:
    run_dir = art.log_copy(tmp_path, "lnk", art.encode_log(_records("lnk", 3)), "runs")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.me").write_bytes(b"mine")
    out = tmp_path / "out"
    out.mkdir()
    (out / STAGING_DIR).symlink_to(outside)

    result = _invoke("export-offline", str(run_dir), "--out", str(out))

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"Error: '{out / STAGING_DIR}' is a symlink" in result.output
    assert [p.name for p in outside.iterdir()] == ["keep.me"]


def test_a_partial_export_exits_non_zero_unless_allowed(tmp_path: Path, art) -> None:
    log = art.encode_log(_records("part", 400))
    run_dir = art.log_copy(tmp_path, "part", log[: len(log) // 2 + 3], "runs")

    strict = _invoke("export-offline", str(run_dir), "--out", str(tmp_path / "strict"))
    allowed = _invoke("export-offline", str(run_dir), "--out", str(tmp_path / "allowed"), "--allow-partial")

    assert strict.exit_code == 1 and isinstance(strict.exception, SystemExit), strict.output
    assert allowed.exit_code == 0, allowed.output
    for result in (strict, allowed):
        assert "partial" in result.stdout  # the summary table
        assert "part: partial: damaged record log: truncated tail" in " ".join(result.output.split())
    assert "--allow-partial" in strict.output
    rows = json.loads((tmp_path / "strict" / "metrics_history.json").read_text())
    assert 0 < len(rows) < 400 and [r["i"] for r in rows] == list(range(len(rows)))


def test_a_fifo_in_the_run_is_refused_and_its_name_printed_as_text(tmp_path: Path, art) -> None:
    run_dir = art.log_copy(tmp_path, "fifo", art.encode_log(_records("fifo", 2)), "runs")
    (run_dir / "files").mkdir()
    (run_dir / "files" / "ok.txt").write_bytes(b"ok")
    os.mkfifo(run_dir / "files" / "[bold]pipe")  # would block a copy; and is rich markup

    result = _invoke("export-offline", str(run_dir), "--out", str(tmp_path / "out"))

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "'[bold]pipe' (not a regular file" in " ".join(result.output.split())
    assert (tmp_path / "out" / "ok.txt").read_bytes() == b"ok"
    assert not (tmp_path / "out" / "[bold]pipe").exists()
