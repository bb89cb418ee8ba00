"""A running bench/server_proc.py and the checks on what a plugin downloaded from it."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent


@contextmanager
def test_server(**options: float | int) -> Iterator[dict]:
    """Start the server with seeded data and the given faults; yields its info (plus workdir)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-server-"))
    args = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "server_proc.py"), str(workdir), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = None
        for line in proc.stdout:
            if line.startswith("{"):
                info = json.loads(line)
                break
        if info is None:
            raise RuntimeError("bench server exited before it was ready")
        info["workdir"] = str(workdir)
        yield info
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=60)


def identical_files(expected_root: str, out_root: Path) -> tuple[int, int]:
    """(files byte-identical to the seeded ones, files seeded), over every run of the sweep."""
    expected = [p for p in Path(expected_root).rglob("*") if p.is_file()]
    same = 0
    for path in expected:
        rel = path.relative_to(expected_root)
        got = out_root / rel
        if got.is_file() and got.read_bytes() == path.read_bytes():
            same += 1
    return same, len(expected)


def history_rows(out_dir: Path) -> int:
    path = out_dir / "metrics_history.json"
    if not path.is_file():
        return 0
    return len(json.loads(path.read_text()))
