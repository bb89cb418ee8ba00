"""Offline export: what the exported directory holds equals what the run logged."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import tempfile
import warnings
from pathlib import Path

import pytest

from flyteplugins.wandb_artifacts import (
    PartialExportWarning,
    download_wandb_run_dir,
    download_wandb_sweep_dirs,
    export_offline_run,
    records,
)
from flyteplugins.wandb_artifacts._atomic import STAGING_DIR
from flyteplugins.wandb_artifacts._logfile import iter_record_payloads
from flyteplugins.wandb_artifacts._offline import export_offline
from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import keys

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


GARBAGE_RECORD = b"\x0a\x7fjunk"  # a length-delimited field longer than the record: not protobuf


def test_long_history_is_complete_and_damaged_logs_export_as_partial(
    wandb_offline: Path, art, tmp_path: Path
) -> None:
    logged = art.log_run("exp-long", [{"i": i, "pad": "p" * 20} for i in range(2_500)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", PartialExportWarning)
        out = Path(export_offline_run(logged.run_dir, tmp_path / "full"))
    history = json.loads((out / "metrics_history.json").read_text())
    assert [(row["i"], row["_step"]) for row in history] == [(i, i) for i in range(2_500)]

    log = records.record_log_path(logged.run_dir)
    data = log.read_bytes()
    corrupt = bytearray(data)
    corrupt[3 * 32 * 1024 + 100] ^= 0xFF  # inside the fourth block
    payloads = list(iter_record_payloads(log))
    damaged = {
        "truncated": (data[: len(data) * 3 // 5 + 11], r"truncated tail \([0-9,]+ bytes"),
        "corrupt": (bytes(corrupt), r"1 corrupt block\(s\) skipped \([0-9,]+ bytes, checksum mismatch\)"),
        "garbage": (
            art.encode_log([*payloads[:500], GARBAGE_RECORD, GARBAGE_RECORD, *payloads[500:]]),
            r"2 undecodable record\(s\) skipped",
        ),
    }
    for label, (log_bytes, counted) in damaged.items():
        copy = art.log_copy(tmp_path, "exp-long", log_bytes, label)
        if label == "truncated":  # the public function warns, naming the run and the counts
            expected = rf"W&B run exp-long: .* is partial \([0-9,]+ history rows could be read\).*{counted}"
            with pytest.warns(PartialExportWarning, match=expected):
                export_offline_run(copy, tmp_path / f"out-{label}")
        report = export_offline(copy, tmp_path / f"out-{label}")
        assert report.partial is not None and re.search(counted, report.partial), label
        assert report.ok and not report.complete
        rows = json.loads((tmp_path / f"out-{label}" / "metrics_history.json").read_text())
        assert report.history_rows == len(rows)
        assert 0 < len(rows) <= 2_500 if label == "garbage" else 0 < len(rows) < 2_500, label
        steps = [row["_step"] for row in rows]
        assert steps == sorted(steps) and all(row["i"] == row["_step"] for row in rows)


def test_a_run_still_being_written_exports_as_partial(wandb_offline: Path, tmp_path: Path) -> None:
    import wandb

    run = wandb.init(project="p", id="exp-live")
    try:
        run.log({"x": 1})
        report = export_offline(Path(run.dir).parent, tmp_path / "live", settle_timeout_s=0.2)
    finally:
        run.finish()
    assert report.partial is not None and "still being written" in report.partial


def test_a_copy_failing_midway_leaves_no_partial_file(wandb_offline: Path, art, tmp_path: Path) -> None:
    big = os.urandom(3_000_000)
    logged = art.log_run("exp-fsize", [{"x": 1}], {"big.bin": big, "small.txt": b"small"})
    out = tmp_path / "out"
    # A real write failure in the middle of the copy: the file size limit (EFBIG past 1 MB).
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, hard))
    try:
        report = export_offline(logged.run_dir, out)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)

    assert "File too large" in report.failed["big.bin"]
    assert not (out / "big.bin").exists()
    assert (out / "small.txt").read_bytes() == b"small"
    assert not (out / STAGING_DIR).exists()
    assert export_offline(logged.run_dir, out).ok
    assert (out / "big.bin").read_bytes() == big


def test_planted_symlinks_in_targets_are_refused_and_never_followed(
    wandb_offline: Path, art, tmp_path: Path
) -> None:
    import wandb

    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.me").write_bytes(b"mine")
    logged = art.log_run("exp-sym", [{"x": 1}], {"a.txt": b"a"}, settings=wandb.Settings(sweep_id="sw-sym"))
    art.log_run("exp-sym-2", [{"x": 2}], settings=wandb.Settings(sweep_id="sw-sym"))
    out = tmp_path / "out"
    out.mkdir()
    (out / STAGING_DIR).symlink_to(outside)
    base = tmp_path / "base"
    (base / "exp-sym").mkdir(parents=True)
    (base / "exp-sym" / STAGING_DIR).symlink_to(outside)
    (base / "exp-sym-2").symlink_to(outside)  # a run's own directory planted as a link

    with pytest.raises(RuntimeError, match=re.escape(f"'{out / STAGING_DIR}' is a symlink")):
        export_offline_run(logged.run_dir, out)
    with pytest.raises(RuntimeError, match="All 2 runs of W&B sweep sw-sym failed") as failed:
        download_wandb_sweep_dirs("sw-sym", str(base))

    assert f"'{base / 'exp-sym' / STAGING_DIR}' is a symlink" in str(failed.value)
    assert f"'{base / 'exp-sym-2'}' is a symlink" in str(failed.value)
    assert [p.name for p in outside.iterdir()] == ["keep.me"]
    assert not (out / "a.txt").exists()
