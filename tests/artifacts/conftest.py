"""Fixtures for the artifacts tests: real offline W&B runs logged into a per-test WANDB_DIR."""

from __future__ import annotations

import os
import random
import struct
import sys
import time
import types
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """W&B's history flattening: ``{"a": {"b": 1}}`` is recorded as ``{"a.b": 1}``."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@dataclass
class LoggedRun:
    """What a test logged, to compare with what was recorded or exported."""

    run_id: str
    run_dir: Path
    rows: list[dict[str, Any]]
    files: dict[str, bytes] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def expected_history(self) -> list[dict[str, Any]]:
        return [{**flatten(row), "_step": step} for step, row in enumerate(self.rows)]


def sample_rows(count: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "loss": rng.random() * 10,
            "epoch": i // 10,
            "tag": f"s{i}",
            "ok": i % 2 == 0,
            "nested": {"acc": rng.random(), "deep": {"n": i}},
            "missing": None,
        }
        for i in range(count)
    ]


def sample_files(seed: int = 0) -> dict[str, bytes]:
    rng = random.Random(seed)
    return {
        "model.bin": rng.randbytes(70_000),
        "notes.txt": "héllo wörld\n".encode(),
        "sub/dir/data.csv": b"a,b\n1,2\n",
        "empty.dat": b"",
    }


def log_run(
    run_id: str,
    rows: list[dict[str, Any]],
    files: dict[str, bytes] | None = None,
    *,
    project: str = "artifacts-tests",
    config: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    exit_code: int = 0,
    resume: bool = False,
    **init_kwargs: Any,
) -> LoggedRun:
    """Log a real run with the wandb SDK (offline or online, as the environment says)."""
    import wandb

    run = wandb.init(
        project=project,
        id=run_id,
        config=config or {},
        resume="allow" if resume else None,
        **init_kwargs,
    )
    for row in rows:
        run.log(row)
    for name, data in (files or {}).items():
        dest = Path(run.dir) / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        run.save(str(dest), base_path=run.dir, policy="now")
    for key, value in (summary or {}).items():
        run.summary[key] = value
    run_dir = Path(run.dir).parent
    run.finish(exit_code=exit_code)
    if run.settings.mode == "offline":
        wait_for_log(run_dir)
    return LoggedRun(run_id, run_dir, rows, dict(files or {}), dict(summary or {}), dict(config or {}))


_BLOCK = 32 * 1024
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def encode_log(payloads: list[bytes]) -> bytes:
    """A W&B record log holding ``payloads`` as records (header, 32 KiB blocks, chunks with
    CRC-32), written independently of the reader under test."""
    out = bytearray(b":W&B" + struct.pack("<HB", 0xBEE1, 0))
    for payload in payloads:
        first, rest = True, payload
        while True:
            left = _BLOCK - len(out) % _BLOCK
            if left < 7:
                out += b"\0" * left
                left = _BLOCK
            piece, rest = rest[: left - 7], rest[left - 7 :]
            kind = (_FULL if not rest else _FIRST) if first else (_LAST if not rest else _MIDDLE)
            crc = zlib.crc32(piece, zlib.crc32(bytes((kind,))))
            out += struct.pack("<IHB", crc, len(piece), kind) + piece
            first = False
            if not rest:
                break
    return bytes(out)


def log_copy(tmp_path: Path, run_id: str, data: bytes, label: str) -> Path:
    """A run directory ``{tmp_path}/{label}/offline-run-...-{run_id}`` whose log is ``data``."""
    run_dir = tmp_path / label / f"offline-run-20200101_000000-{run_id}"
    run_dir.mkdir(parents=True)
    (run_dir / f"run-{run_id}.wandb").write_bytes(data)
    return run_dir


def wait_for_log(run_dir: Path, timeout_s: float = 120.0) -> Path:
    """Wait until wandb-core has written a finished run's record log to the end: ``run.finish()``
    returns before that, so a test reading the log's bytes could otherwise see a stale file."""
    from flyteplugins.wandb_artifacts import records
    from flyteplugins.wandb_artifacts._settle import ends_with_exit, has_writer

    log = records.record_log_path(run_dir)
    deadline = time.monotonic() + timeout_s
    while not (ends_with_exit(log) and not has_writer(log)):
        assert time.monotonic() < deadline, f"wandb-core did not finish writing {log} in {timeout_s} s"
        time.sleep(0.02)
    return log


@pytest.fixture(autouse=True)
def _fresh_wandb_session() -> Iterator[None]:
    """wandb reads its environment once per session (later changes are ignored with a
    warning), so each test gets a new session that sees its own WANDB_DIR / server."""
    _teardown_wandb()
    yield
    _teardown_wandb()


def _teardown_wandb() -> None:
    if "wandb" in sys.modules:
        import wandb

        if wandb.run is not None:
            wandb.run.finish()
        wandb.teardown()


@pytest.fixture
def offline_run(wandb_offline: Path) -> Callable[..., LoggedRun]:
    """``offline_run(run_id, rows, files, **kwargs)`` logs a real offline run."""
    return log_run


def tree(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root`` by relative POSIX path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def files_outside(root: Path, since: float) -> list[str]:
    """Files modified after ``since`` anywhere under ``root``'s parent but outside ``root``."""
    found = []
    for dirpath, _dirs, names in os.walk(root.parent):
        for name in names:
            path = Path(dirpath) / name
            if root in path.parents:
                continue
            if path.stat().st_mtime >= since:
                found.append(str(path))
    return found


@pytest.fixture
def server(wandb_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The W&B test server, the SDK pointed at it, WANDB_DIR and the working directory per test."""
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "sdk"))
    (tmp_path / "sdk").mkdir()
    monkeypatch.chdir(tmp_path)
    return wandb_server.use(monkeypatch)


@pytest.fixture
def art() -> types.SimpleNamespace:
    """The helpers above, for test modules (conftest modules are not importable)."""
    return types.SimpleNamespace(
        flatten=flatten,
        sample_rows=sample_rows,
        sample_files=sample_files,
        log_run=log_run,
        wait_for_log=wait_for_log,
        encode_log=encode_log,
        log_copy=log_copy,
        tree=tree,
        files_outside=files_outside,
        LoggedRun=LoggedRun,
    )
