"""Every benchmark scenario runs once at tiny size against our plugin (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_every_scenario_runs_at_tiny_size(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench/run.py"), "--quick", "--ours-only", "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(table) == len(_scenarios())


def _scenarios() -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from scenario_defs import SCENARIOS
    finally:
        sys.path.pop(0)
    return SCENARIOS
