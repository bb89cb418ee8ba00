"""``examples/sweep.py`` runs as documented: offline, 2 agents x 5 bayes trials, a results table."""

from __future__ import annotations

from pathlib import Path

from example_scripts import run_example


def test_sweep_example_runs_offline_and_prints_the_results(tmp_path: Path) -> None:
    stdout = run_example("sweep.py", tmp_path, timeout=240)
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("rank"))
    assert lines[header].split() == ["rank", "run", "state", "val_loss", "epochs", "l2", "learning_rate"]
    rows = [line.split() for line in lines[header + 2 : header + 12]]
    assert [r[0] for r in rows] == [str(i) for i in range(1, 11)]
    losses = [float(r[3]) for r in rows]
    assert losses == sorted(losses)
    assert "10 offline runs" in stdout
    assert len(list((tmp_path / "wandb").glob("offline-run-*"))) == 10
    assert "wandb sync" in stdout
