"""README command one: the quickstart runs offline and W&B records what it says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flyteplugins.wandb_artifacts.records import iter_local_runs, read_run

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_trains_offline_into_a_shared_and_an_eval_run(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WANDB_MODE", "WANDB_SERVICE")}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples/quickstart.py")],
        cwd=tmp_path,
        env={**env, "WANDB_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Trained 5 epochs" in proc.stdout and "wandb sync" in proc.stdout

    runs = {run_id: read_run(run_id, tmp_path) for run_id, _ in iter_local_runs(tmp_path)}
    assert len(runs) == 2
    training = next(r for r in runs.values() if any("train/loss" in row for row in r.history))
    evaluation = next(r for r in runs.values() if r is not training)
    assert [row["epoch"] for row in training.history if "epoch" in row] == [0, 1, 2, 3, 4]
    losses = [row["train/loss"] for row in training.history if "train/loss" in row]
    assert losses[-1] < losses[0]
    assert training.exit_code == 0 and evaluation.exit_code == 0
    assert [set(row) - {"_step"} for row in evaluation.history] == [{"eval/loss", "eval/accuracy"}]
    assert 0.5 < training.summary["eval_accuracy"] <= 1.0
