"""The offline sweep's file lock: processes claiming trials of one sweep at once never pick a grid
point twice and never lose a claim or a recorded outcome; none imports anything while holding it."""

from __future__ import annotations

import itertools
import json
import multiprocessing
from collections import Counter
from pathlib import Path

import pytest
from sweep_claimers import BARRIER_TIMEOUT_S, claim_in_rounds, outcome_for

from flyteplugins.wandb_sweeps._local import SweepStore, create_local_sweep, default_sweeps_root

CLAIMERS = 3  # this process and two spawned ones
ROUNDS = 10
XS, YS = range(ROUNDS), range(CLAIMERS)  # one grid point per claimer and round


@pytest.mark.timeout(120)
def test_processes_claiming_together_never_repeat_a_grid_point_or_lose_an_update(
    wandb_offline: Path, tmp_path: Path
) -> None:
    sweep_id = create_local_sweep(
        {"method": "grid", "parameters": {"x": {"values": list(XS)}, "y": {"values": list(YS)}}}
    )
    root = str(default_sweeps_root())
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(CLAIMERS)
    outs = [tmp_path / f"claims-{i}.json" for i in range(CLAIMERS)]
    children = [
        spawn.Process(target=claim_in_rounds, args=(sweep_id, root, barrier, ROUNDS, str(out)))
        for out in outs[1:]
    ]
    for child in children:
        child.start()
    try:
        claim_in_rounds(sweep_id, root, barrier, ROUNDS, str(outs[0]))
        for child in children:
            child.join(timeout=BARRIER_TIMEOUT_S)
        assert [child.exitcode for child in children] == [0] * len(children)
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
                child.join()

    reports = [json.loads(out.read_text()) for out in outs]
    # Each claimer's first claim imports the engine's search code (seconds): never under the lock.
    assert [r["imported_under_lock"] for r in reports] == [[]] * CLAIMERS
    handed = Counter(run_id for r in reports for run_id in r["claimed"])
    trials = SweepStore(sweep_id).read_trials()
    stored = Counter(t.run_id for t in trials)
    assert sorted(handed - stored) == [], "claims lost: run ids handed out but missing from the sweep"
    assert sorted(stored - handed) == [], "trials in the sweep that no claimer was handed"
    points = Counter((t.values()["x"], t.values()["y"]) for t in trials)
    assert sorted(p for p, n in points.items() if n > 1) == [], "grid points claimed twice"
    assert set(points) == set(itertools.product(XS, YS))
    lost = [t.run_id for t in trials if t.state != "finished" or t.summary_metric != outcome_for(t.values())]
    assert lost == [], "recorded outcomes lost"
