"""A claimer that drives an offline sweep's claim/record path with no W&B run, in lockstep with
other claimers.

A module of its own so that processes started with ``multiprocessing``'s spawn method import it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flyteplugins.wandb_sweeps._local import SweepStore, Trial
from flyteplugins.wandb_sweeps._local._agent import _claim_trial, _record
from flyteplugins.wandb_sweeps._local._store import FINISHED, agent_identity
from flyteplugins.wandb_sweeps._local._trial import TrialOutcome

BARRIER_TIMEOUT_S = 60.0


def outcome_for(values: dict[str, Any]) -> float:
    """The metric a claimer records for a grid point: the test checks that every one arrived."""
    return float(values["x"] * 1000 + values["y"])


class WatchedStore(SweepStore):
    """The sweep's store, noting every module imported while its lock is held (an import can take
    seconds, holding up every other agent)."""

    def __init__(self, sweep_id: str, root: str) -> None:
        super().__init__(sweep_id, root)
        self.imported_under_lock: list[str] = []

    @contextmanager
    def locked(self) -> Iterator[list[Trial]]:
        with super().locked() as trials:
            before = set(sys.modules)
            yield trials
            self.imported_under_lock.extend(sorted(set(sys.modules) - before))


def claim_in_rounds(sweep_id: str, root: str, barrier: Any, rounds: int, out: str) -> None:
    """Claim and record one trial per round; writes the claimed run ids (and the modules imported
    under the sweep lock) to ``out`` as JSON.

    Every round starts at ``barrier``, so all claimers read and write the sweep's state at the
    same moment: without the sweep lock they pick the same grid point and overwrite each other's
    claims and outcomes. (In a free-running loop one claimer would starve the others: it takes
    the lock again before their next poll.)
    """
    store = WatchedStore(sweep_id, root)
    sweep = store.read_sweep()
    host, pid, label = agent_identity()
    claimed: list[str] = []
    for _ in range(rounds):
        barrier.wait(timeout=BARRIER_TIMEOUT_S)
        trial = _claim_trial(store, sweep, host, pid, label)
        if trial is None:
            barrier.abort()  # the others would wait for this claimer forever
            raise RuntimeError(f"grid exhausted after {len(claimed)} claims: grid points were claimed twice")
        claimed.append(trial.run_id)
        value = outcome_for(trial.values())
        _record(
            store, trial.run_id, TrialOutcome(state=FINISHED, summary_metric=value, metric_history=[value])
        )
    Path(out).write_text(json.dumps({"claimed": claimed, "imported_under_lock": store.imported_under_lock}))
