"""``examples/sweep.py`` runs as documented: offline, 2 agents x 5 bayes trials, a results table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sweep.py"


def test_sweep_example_runs_offline_and_prints_the_results(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WANDB_MODE", "WANDB_DIR")}
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("rank"))
    assert lines[header].split() == ["rank", "run", "state", "val_loss", "epochs", "l2", "learning_rate"]
    rows = [line.split() for line in lines[header + 2 : header + 12]]
    assert [r[0] for r in rows] == [str(i) for i in range(1, 11)]
    losses = [float(r[3]) for r in rows]
    assert losses == sorted(losses)
    assert "10 offline runs" in out.stdout
    assert len(list((tmp_path / "wandb").glob("offline-run-*"))) == 10
    assert "wandb sync" in out.stdout
