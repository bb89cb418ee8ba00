"""Faults, hostile file names and interrupted downloads, against the test server."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from flyteplugins.wandb_artifacts import download_wandb_run_dir
from flyteplugins.wandb_artifacts._atomic import STAGING_DIR
from flyteplugins.wandb_artifacts._online import RunDownloader
from flyteplugins.wandb_artifacts._retry import RetryPolicy
from flyteplugins.wandb_artifacts._wandb_api import Target, make_api
from flyteplugins.wandb_artifacts.internal import download_run
from wandb_server import WandbServer, seed_run

PROJECT = "robust"
HOSTILE = {
    "../escape.txt": "contains a '.' or '..' path component",
    "dir/../../up.txt": "contains a '.' or '..' path component",
    "/abs/path.txt": "absolute path or backslash",
    "a\\..\\b.txt": "absolute path or backslash",
    "x" * 300: "longer than 255 bytes",
    "summary.json": "reserved",
}


@pytest.fixture
def server(wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WandbServer:
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "sdk"))
    monkeypatch.setenv("WANDB_PROJECT", PROJECT)
    (tmp_path / "sdk").mkdir()
    monkeypatch.chdir(tmp_path)
    return wandb_server.use(monkeypatch)


def test_5xx_and_dropped_connections_still_end_complete_and_identical(
    server: WandbServer, tmp_path: Path, art
) -> None:
    files = {f"part/{i}.bin": os.urandom(10_000 + i) for i in range(12)}
    rows = seed_run(server, PROJECT, "faulty", steps=3_000, files=files)
    server.faults.error_rate, server.faults.drop_rate, server.faults.seed = 0.2, 0.05, 7

    report = download_run("faulty", tmp_path / "out")

    assert report.ok and not report.failed
    assert {v for _, v in server.faults.injected} == {"error", "drop"}
    got = art.tree(tmp_path / "out")
    assert all(got[name] == data for name, data in files.items())
    history = json.loads((tmp_path / "out" / "metrics_history.json").read_text())
    assert [{k: r[k] for k in ("loss", "epoch", "acc", "_step")} for r in history] == rows


def test_our_retries_take_over_when_the_sdk_gives_up(server: WandbServer, tmp_path: Path, art) -> None:
    """An outage longer than wandb-core's own retries (21 quick attempts, under a second)
    starts with the first file download: our backoff carries the download through it."""
    files = {f"f{i}.txt": f"payload {i}".encode() * 100 for i in range(6)}
    seed_run(server, PROJECT, "outage", steps=10, files=files)
    watcher = threading.Thread(target=_outage_on_first_download, args=(server, 2.5), daemon=True)
    watcher.start()

    report = download_run("outage", tmp_path / "out", file_workers=1)

    watcher.join()
    assert report.ok and report.retries > 0
    assert all(art.tree(tmp_path / "out")[n] == d for n, d in files.items())


def _outage_on_first_download(server: WandbServer, seconds: float) -> None:
    deadline = time.time() + 60
    while time.time() < deadline and not server.file_downloads():
        time.sleep(0.002)
    server.faults.error_rate = 1.0
    time.sleep(seconds)
    server.faults.error_rate = 0.0


def test_hostile_names_are_refused_reported_and_never_written_outside(
    server: WandbServer, tmp_path: Path, art
) -> None:
    seed_run(server, PROJECT, "hostile", steps=2, files={"good/ok.txt": b"fine"})
    for i, name in enumerate(HOSTILE):
        server.add_file(server.entity, PROJECT, "hostile", name, f"evil {i}".encode())
    server.add_file(server.entity, PROJECT, "hostile", "spaces and ünïcode?.txt", b"odd but fine")
    out = tmp_path / "nest" / "out"
    started = time.time()

    with pytest.warns(UserWarning, match="refused 6 file name") as warned:
        download_wandb_run_dir("hostile", str(out))

    message = str(warned[0].message)
    for name, reason in HOSTILE.items():
        assert repr(name) in message and reason in message
    got = art.tree(out)
    assert got["good/ok.txt"] == b"fine"
    assert got["spaces and ünïcode?.txt"] == b"odd but fine"
    assert not any(data.startswith(b"evil") for data in got.values())
    assert art.files_outside(out, started) == []
    assert not Path("/abs/path.txt").exists()


def test_a_killed_download_resumes_without_refetching_what_it_finished(
    server: WandbServer, tmp_path: Path
) -> None:
    files = {f"f{i:02}.bin": os.urandom(5_000 + i) for i in range(40)}
    seed_run(server, PROJECT, "killed", steps=10, files=files)
    server.faults.latency_s = 0.25
    out = tmp_path / "out"
    flyte = Path(sys.executable).with_name("flyte")
    proc = subprocess.Popen(
        [str(flyte), "wandb", "download-run", f"{server.entity}/{PROJECT}/killed", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=tmp_path,
        # Its own wandb-core, not this process's (WANDB_SERVICE), so the kill takes it along.
        env={k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"},
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not any(out.glob("f*.bin")):
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _kill_service_of(proc.pid)
    present = {p.name for p in out.glob("f*.bin")}
    assert 0 < len(present) < len(files)
    assert all((out / name).read_bytes() == files[name] for name in present)  # never a partial file
    server.faults.latency_s = 0
    before = _settled_downloads(server)

    report = download_run("killed", out)

    assert set(report.skipped) >= present
    assert set(files) - present <= set(report.downloaded)
    assert not set(report.downloaded) & present
    assert server.file_downloads() - before == len(report.downloaded)
    assert all((out / name).read_bytes() == data for name, data in files.items())
    assert not (out / STAGING_DIR).exists(), sorted(str(p) for p in (out / STAGING_DIR).rglob("*"))


def _kill_service_of(pid: int) -> None:
    """Kill the wandb-core service the killed process started (it runs in its own session
    and would otherwise go on writing into the dead process's scratch directory for a while,
    which a crash of the whole pod would not do)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--pid" in args and args[args.index(b"--pid") + 1] == str(pid).encode():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


def _settled_downloads(server: WandbServer) -> int:
    """The download count once requests already on the wire from the killed process landed."""
    count = server.file_downloads()
    while True:
        time.sleep(0.5)
        if server.file_downloads() == count:
            return count
        count = server.file_downloads()


FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02)
DEEP = "d/" * 1_500 + "deep.txt"


def _download(server: WandbServer, run_id: str, out: Path) -> object:
    """One run through ``RunDownloader`` with quick retries (a bad body fails every attempt)."""
    api = make_api(None)
    with (
        ThreadPoolExecutor(8) as pool,
        RunDownloader(api, Target(server.entity, PROJECT, None), pool, policy=FAST) as downloader,
    ):
        return downloader.download(run_id, out)


def test_bad_bodies_and_deep_names_fail_cleanly_and_later_downloads_work(
    server: WandbServer, tmp_path: Path, art
) -> None:
    files = {f"f{i}.bin": os.urandom(30_000 + i) for i in range(3)} | {"keep.txt": b"fine"}
    seed_run(server, PROJECT, "bodies", steps=2, files=files)
    server.add_file(server.entity, PROJECT, "bodies", DEEP, b"deep")
    server.faults.body_faults = {"f0.bin": "truncate", "f1.bin": "cut", "f2.bin": "corrupt"}
    out = tmp_path / "out"

    report = _download(server, "bodies", out)

    assert {name for name, _ in server.faults.injected} == {"GET f0.bin", "GET f1.bin", "GET f2.bin"}
    assert set(report.failed) == {"f0.bin", "f1.bin", "f2.bin"}, report.problems()
    for caught_by_our_check in ("f0.bin", "f2.bin"):  # the SDK itself notices only the cut one
        assert "does not match W&B's record" in report.failed[caught_by_our_check]
    assert "nested deeper than 64 directories" in report.rejected[DEEP]
    assert len(report.problems()) < 2_000  # a hostile name is shown cut short
    assert (out / "keep.txt").read_bytes() == b"fine"
    assert not any((out / name).exists() for name in ("f0.bin", "f1.bin", "f2.bin", "d"))
    assert not (out / STAGING_DIR).exists()

    server.faults.body_faults = {}
    again = _download(server, "bodies", out)

    assert sorted(again.downloaded) == ["f0.bin", "f1.bin", "f2.bin"] and "keep.txt" in again.skipped
    assert all((out / name).read_bytes() == data for name, data in files.items())
    assert not (out / STAGING_DIR).exists()


def test_a_symlinked_staging_dir_is_refused_and_what_it_points_to_is_untouched(
    server: WandbServer, tmp_path: Path
) -> None:
    seed_run(server, PROJECT, "planted", steps=2, files={"a.txt": b"a"})
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.me").write_bytes(b"mine")
    (outside / f"{socket.gethostname()}_999999999_deadbeefdead").mkdir()  # looks like a dead leftover
    out = tmp_path / "out"
    out.mkdir()
    (out / STAGING_DIR).symlink_to(outside)

    with pytest.raises(RuntimeError, match=re.escape(f"'{out / STAGING_DIR}' is a symlink")):
        download_run("planted", out)

    assert sorted(p.name for p in outside.iterdir()) == sorted(
        ["keep.me", f"{socket.gethostname()}_999999999_deadbeefdead"]
    )
    assert not (out / "a.txt").exists()
