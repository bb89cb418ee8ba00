"""The offline agent: pull a trial from the local engine, run it, record it, repeat."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from .._compat import trial_params_writer
from ._engine import load_engine, next_params
from ._store import CRASHED, FAILED, LocalSweep, SweepStore, Trial, agent_identity, new_id
from ._trial import TrialOutcome, TrialSpec, end_trial_session, run_trial

logger = logging.getLogger("flyteplugins.wandb_sweeps")

# Like wandb.agent: stop an agent whose first trials all fail fast (a broken objective), unless
# WANDB_AGENT_DISABLE_FLAPPING=true.
FLAPPING_MAX_FAILURES = 3
FLAPPING_MAX_SECONDS = 60.0


def run_local_agent(
    sweep_id: str,
    function: Callable[[], Any],
    count: int | None = None,
    max_consecutive_failed_runs: int | None = None,
) -> list[str]:
    """Run trials of offline sweep ``sweep_id`` until ``count`` trials ran, the grid is
    exhausted or the sweep's ``run_cap`` is reached. Returns the run ids of this agent's trials."""
    store = SweepStore(sweep_id)
    sweep = store.read_sweep()
    host, pid, label = agent_identity()
    ran: list[str] = []
    failures = 0
    consecutive = 0
    started = time.monotonic()
    try:
        while count is None or len(ran) < count:
            trial = _claim_trial(store, sweep, host, pid, label)
            if trial is None:
                break
            try:
                outcome = run_trial(function, _spec(store, sweep, trial))
            except BaseException as exc:  # interrupted: the trial must not stay "running" forever
                _record(store, trial.run_id, TrialOutcome(state=CRASHED, error=f"agent stopped: {exc!r}"))
                raise
            _record(store, trial.run_id, outcome)
            ran.append(trial.run_id)
            if outcome.state == FAILED:
                failures += 1
                consecutive += 1
                logger.warning("Sweep %s trial %s failed: %s", sweep_id, trial.run_id, outcome.error)
                if _should_stop(failures, consecutive, started, max_consecutive_failed_runs):
                    break
            else:
                consecutive = 0
    finally:
        end_trial_session()
    return ran


def _claim_trial(store: SweepStore, sweep: LocalSweep, host: str, pid: int, label: str) -> Trial | None:
    """Under the sweep lock: the engine's next parameters, recorded as a running trial."""
    # first imports take seconds: never while holding up the other agents
    write_params = trial_params_writer()
    load_engine()
    with store.locked() as trials:
        if sweep.run_cap is not None and sum(not t.prior for t in trials) >= sweep.run_cap:
            logger.info("Sweep %s reached its run_cap of %d runs.", sweep.id, sweep.run_cap)
            return None
        params = next_params(sweep.config, trials)
        if params is None:
            logger.info("Sweep %s: the grid is exhausted.", sweep.id)
            return None
        trial = Trial(run_id=_unused_run_id(trials), params=params, agent=label, host=host, pid=pid)
        write_params(store.param_path(trial.run_id), params)
        trials.append(trial)
        return trial


def _unused_run_id(trials: list[Trial]) -> str:
    taken = {t.run_id for t in trials}
    while (run_id := new_id()) in taken:
        pass
    return run_id


def _spec(store: SweepStore, sweep: LocalSweep, trial: Trial) -> TrialSpec:
    return TrialSpec(
        run_id=trial.run_id,
        param_path=store.param_path(trial.run_id),
        wandb_dir=store.root,
        group=sweep.id,
        project=sweep.project,
        entity=sweep.entity,
        metric_name=sweep.metric_name,
    )


def _record(store: SweepStore, run_id: str, outcome: TrialOutcome) -> None:
    with store.locked() as trials:
        for trial in trials:
            if trial.run_id == run_id:
                trial.state = outcome.state
                trial.summary_metric = outcome.summary_metric
                trial.metric_history = outcome.metric_history
                trial.exit_code = outcome.exit_code
                trial.error = outcome.error
                trial.ended_at = time.time()
                return


def _should_stop(failures: int, consecutive: int, started: float, max_consecutive: int | None) -> bool:
    if max_consecutive is not None and consecutive >= max_consecutive:
        logger.error("Stopping the agent after %d consecutive failed trials.", consecutive)
        return True
    flapping = failures >= FLAPPING_MAX_FAILURES and time.monotonic() - started < FLAPPING_MAX_SECONDS
    if flapping and failures == consecutive and os.environ.get("WANDB_AGENT_DISABLE_FLAPPING") != "true":
        logger.error(
            "Stopping the agent: its first %d trials failed within %.0f s (the objective looks "
            "broken; set WANDB_AGENT_DISABLE_FLAPPING=true to keep going).",
            failures,
            FLAPPING_MAX_SECONDS,
        )
        return True
    return False
