"""The record-log reader against real offline runs written by the wandb SDK."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flyteplugins.wandb_artifacts import records
from flyteplugins.wandb_artifacts._logfile import iter_record_payloads


def test_round_trip_of_everything_a_run_records(wandb_offline: Path, art) -> None:
    rows = art.sample_rows(25)
    logged = art.log_run(
        "rec-all",
        rows,
        config={"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam", "beta": 0.9}},
        summary={"best": 0.5, "final": {"acc": 0.75}},
        exit_code=0,
        tags=["alpha", "beta"],
        group="grp-1",
        job_type="train",
        entity="ent",
    )

    run = records.read_run("rec-all", wandb_offline)

    assert run.run_id == "rec-all"
    assert (run.project, run.entity, run.group, run.job_type) == ("artifacts-tests", "ent", "grp-1", "train")
    assert run.tags == ["alpha", "beta"]
    assert run.config == {"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam", "beta": 0.9}}
    assert run.history == logged.expected_history()
    assert run.summary["best"] == 0.5
    assert run.summary["final"] == {"acc": 0.75}
    assert run.summary["loss"] == rows[-1]["loss"]
    assert run.summary["nested"] == {"acc": rows[-1]["nested"]["acc"], "deep": {"n": 24}}
    assert "_wandb" not in run.summary and "_wandb" not in run.config
    assert run.exit_code == 0
    assert (run.resumed, run.segments) == (False, 1)
    assert run.run_dirs == [logged.run_dir.resolve()]


def test_iter_history_streams_the_same_rows_and_can_keep_system_keys(wandb_offline: Path, art) -> None:
    logged = art.log_run("rec-iter", art.sample_rows(12))
    run = records.read_run("rec-iter", wandb_offline, load_history=False)

    assert run.history == []
    assert list(run.iter_history()) == logged.expected_history()
    with_system = list(run.iter_history(system_keys=True))
    assert all({"_runtime", "_timestamp"} <= row.keys() for row in with_system)


def test_config_updates_and_failure_exit_code(wandb_offline: Path) -> None:
    import wandb

    run = wandb.init(project="p", id="rec-cfg", config={"a": 1, "b": 2})
    run.config.update({"b": 3, "c": {"d": [1, 2]}}, allow_val_change=True)
    run.log({"x": 1})
    run.finish(exit_code=3)

    recorded = records.read_run("rec-cfg", wandb_offline)
    assert recorded.config == {"a": 1, "b": 3, "c": {"d": [1, 2]}}
    assert recorded.exit_code == 3


def test_explicit_steps_and_partial_rows_are_merged_per_step(wandb_offline: Path) -> None:
    import wandb

    run = wandb.init(project="p", id="rec-steps")
    run.log({"a": 1}, step=0)
    run.log({"b": 2}, step=0)
    run.log({"a": 3}, step=5)
    run.log({"c": "x"}, commit=False)
    run.log({"d": 4.5})
    run.finish()

    # W&B keeps the row of the last explicit step open: later step-less logs join it.
    history = records.read_run("rec-steps", wandb_offline).history
    assert history == [{"a": 1, "b": 2, "_step": 0}, {"a": 3, "c": "x", "d": 4.5, "_step": 5}]


def test_resumed_run_merges_segments_in_order(wandb_offline: Path, art) -> None:
    art.log_run("rec-res", [{"x": 1}], config={"seg": 0, "keep": True}, exit_code=1)
    art.log_run("rec-res", [{"x": 2}, {"x": 3}], config={"seg": 1}, resume=True, exit_code=0)
    art.log_run("rec-res", [{"y": 4}], config={"seg": 2}, resume=True, exit_code=0)

    dirs = records.find_offline_run_dirs("rec-res", wandb_offline)
    assert len(dirs) == 3
    assert [records.read_run_dir(d).history for d in dirs] == [
        [{"x": 1, "_step": 0}],
        [{"x": 2, "_step": 0}, {"x": 3, "_step": 1}],
        [{"y": 4, "_step": 0}],
    ]

    merged = records.read_run("rec-res", wandb_offline)
    assert (merged.segments, merged.resumed) == (3, True)
    assert merged.run_dirs == dirs
    assert [row.get("x", row.get("y")) for row in merged.history] == [1, 2, 3, 4]
    assert merged.config == {"seg": 2, "keep": True}
    assert merged.summary["y"] == 4 and merged.summary["x"] == 3
    assert merged.exit_code == 0


def test_crashed_run_has_no_exit_code_but_keeps_what_was_flushed(wandb_offline: Path) -> None:
    # Rows are padded so wandb-core's write buffer fills and reaches the file before the crash.
    script = textwrap.dedent(
        """
        import os, time, wandb
        from flyteplugins.wandb_artifacts import records
        run = wandb.init(project="p", id="rec-crash")
        for i in range(20):
            run.log({"a": i, "pad": "p" * 4000})
        deadline = time.time() + 60
        while time.time() < deadline and len(
            records.read_run("rec-crash", settle_timeout_s=0).history
        ) < 3:
            time.sleep(0.05)
        os._exit(9)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=wandb_offline
    )
    assert proc.returncode == 9, proc.stderr

    run = records.read_run("rec-crash", wandb_offline)
    assert run.exit_code is None
    assert len(run.history) >= 3
    assert run.history == [{"a": i, "pad": "p" * 4000, "_step": i} for i in range(len(run.history))]


def test_truncated_log_reads_up_to_the_last_complete_record(wandb_offline: Path, art, tmp_path: Path) -> None:
    logged = art.log_run("rec-trunc", [{"i": i, "pad": "x" * 3000} for i in range(40)])
    log = records.record_log_path(logged.run_dir)
    data = log.read_bytes()
    copy = tmp_path / "copy" / "offline-run-20200101_000000-rec-trunc"
    copy.mkdir(parents=True)
    # Cut inside the second 32 KiB block: a record split across blocks loses its tail.
    (copy / log.name).write_bytes(data[: 32 * 1024 + 5000])

    partial = records.read_run_dir(copy)
    assert 0 < len(partial.history) < 40
    assert partial.history == [{"i": i, "pad": "x" * 3000, "_step": i} for i in range(len(partial.history))]
    assert partial.exit_code is None
    assert partial.damage.truncated_bytes > 0 and not partial.damage.corrupt_blocks
    assert partial.partial is not None and "truncated tail" in partial.partial
    assert records.read_run_dir(logged.run_dir).partial is None


def test_corrupt_chunk_skips_its_block_only(wandb_offline: Path, art, tmp_path: Path) -> None:
    logged = art.log_run("rec-bad", [{"i": i, "pad": "y" * 2000} for i in range(60)])
    data = bytearray(records.record_log_path(logged.run_dir).read_bytes())
    data[100] ^= 0xFF  # inside the first block
    copy = tmp_path / "copy" / "offline-run-20200101_000000-rec-bad"
    copy.mkdir(parents=True)
    (copy / "run-rec-bad.wandb").write_bytes(bytes(data))

    recorded = records.read_run_dir(copy)
    steps = [row["_step"] for row in recorded.history]
    assert steps == sorted(steps) and steps[-1] == 59 and 0 < len(steps) < 60
    assert recorded.damage.corrupt_blocks == 1 and recorded.damage.corrupt_bytes > 0
    assert recorded.partial is not None and "1 corrupt block(s) skipped" in recorded.partial


def test_undecodable_records_are_counted_and_a_log_of_nothing_else_is_an_error(
    wandb_offline: Path, art, tmp_path: Path
) -> None:
    logged = art.log_run("rec-garbage", [{"i": i} for i in range(5)])
    payloads = list(iter_record_payloads(records.record_log_path(logged.run_dir)))
    garbage = b"\x0a\x7fjunk"
    mixed = art.log_copy(tmp_path, "rec-garbage", art.encode_log([garbage, *payloads, garbage]), "mixed")
    only = art.log_copy(tmp_path, "rec-garbage", art.encode_log([garbage] * 4), "only")

    recorded = records.read_run_dir(mixed)

    assert recorded.history == logged.expected_history()
    assert recorded.damage.undecodable_records == 2 and recorded.exit_code == 0
    assert recorded.partial == "damaged record log: 2 undecodable record(s) skipped"
    with pytest.raises(records.RecordLogError, match=r"Nothing in .* is readable \(4 undecodable record"):
        records.read_run_dir(only)


def test_not_a_record_log_is_a_clear_error(tmp_path: Path) -> None:
    run_dir = tmp_path / "offline-run-20200101_000000-x"
    run_dir.mkdir()
    (run_dir / "run-x.wandb").write_bytes(b"hello, not a log at all")
    with pytest.raises(ValueError, match="not a W&B record log"):
        records.read_run_dir(run_dir)
    with pytest.raises(FileNotFoundError, match=r"run-<id>\.wandb"):
        records.read_run_dir(tmp_path)


def test_find_dirs_orders_segments_and_does_not_confuse_similar_ids(tmp_path: Path) -> None:
    base = tmp_path / "wandb"
    names = {
        "offline-run-20240102_000000-abc": "abc",
        "offline-run-20240101_000000-abc-1": "abc",
        "offline-run-20240101_000000-abc": "abc",
        "run-20240103_000000-abc": "abc",
        "offline-run-20240101_000000-abc-1-2": "abc-1",
        "offline-run-20240101_000000-xabc": "xabc",
    }
    for name, run_id in names.items():
        (base / name).mkdir(parents=True)
        (base / name / f"run-{run_id}.wandb").write_bytes(b"")
    (base / "latest-run").symlink_to(base / "run-20240103_000000-abc")

    found = [p.name for p in records.find_offline_run_dirs("abc", tmp_path)]
    assert found == [
        "offline-run-20240101_000000-abc",
        "offline-run-20240101_000000-abc-1",
        "offline-run-20240102_000000-abc",
        "run-20240103_000000-abc",
    ]
    assert [p.name for p in records.find_offline_run_dirs("abc-1", base)] == [
        "offline-run-20240101_000000-abc-1-2"
    ]
    assert records.find_offline_run_dirs("nope", base) == []
    with pytest.raises(FileNotFoundError, match="'nope'"):
        records.read_run("nope", base)


def test_default_wandb_dir_follows_wandb_dir_env(wandb_offline: Path, art) -> None:
    art.log_run("rec-default", [{"a": 1}])
    assert records.default_wandb_dir() == wandb_offline / "wandb"
    assert records.read_run("rec-default").history == [{"a": 1, "_step": 0}]
