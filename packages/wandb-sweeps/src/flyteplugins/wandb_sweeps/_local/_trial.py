"""Running one offline trial: the objective gets the trial's parameters the way wandb.agent
hands them over, and what W&B recorded for the run is read back afterwards."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._objective import call_objective
from ._store import CRASHED, FAILED, FINISHED

# ``wandb.run`` and W&B's settings are process-wide, so trials of one process take turns.
# Agents in separate processes (or pods) still run their trials in parallel.
_TRIAL_LOCK = threading.Lock()

# The sweep (project, entity, run directory) whose trial settings the SDK session holds.
_handed_over: tuple[str | None, str | None, Path] | None = None

# How long to wait for W&B to flush a finished run's record log.
_FLUSH_TIMEOUT_S = 30.0


@dataclass
class TrialOutcome:
    state: str
    summary_metric: float | None = None
    metric_history: list[float] = field(default_factory=list)
    exit_code: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class TrialSpec:
    run_id: str
    param_path: Path
    wandb_dir: Path  # the SDK's run directory ($WANDB_DIR/wandb), where the sweep's state is too
    group: str
    project: str | None
    entity: str | None
    metric_name: str | None


def run_trial(function: Callable[[], Any], spec: TrialSpec) -> TrialOutcome:
    """Run the objective as one offline W&B run of the sweep and report how it went."""
    with _TRIAL_LOCK:
        _hand_over(spec)
        error = _call_on_fresh_thread(function, spec.run_id)
    return read_outcome(spec, error)


def _hand_over(spec: TrialSpec) -> None:
    """Hand the trial to an unmodified ``wandb.init()`` the way ``wandb.agent`` does: the run id
    and parameters file become the SDK's ``run_id`` and ``sweep_param_path`` settings (what
    ``wandb.agent``'s ``WANDB_RUN_ID`` and ``WANDB_SWEEP_PARAM_PATH`` set), here through the public
    ``wandb.setup(settings=...)``, which applies settings to every later ``wandb.init()``. The run
    gets the parameters in ``wandb.run.config`` and is written next to the sweep's state.

    The sweep id goes into the run's group, not W&B's ``sweep_id`` field: the sweep exists only
    on this machine, and the runs must sync later as ordinary runs with ``wandb sync``.

    ``wandb.setup`` can set a setting but not unset it, so a session still holding the trials of
    another sweep (another project, entity or directory) is ended first, and
    :func:`end_trial_session` ends it after the agent. Call with ``_TRIAL_LOCK`` held.
    """
    global _handed_over
    import wandb

    owner = (spec.project, spec.entity, spec.wandb_dir)
    if _handed_over not in (None, owner):
        wandb.teardown()
    settings: dict[str, Any] = {
        "run_id": spec.run_id,
        "sweep_param_path": str(spec.param_path),
        "run_group": spec.group,
        "mode": "offline",
        "root_dir": str(spec.wandb_dir.parent),
    }
    if spec.project:
        settings["project"] = spec.project
    if spec.entity:
        settings["entity"] = spec.entity
    wandb.setup(settings=wandb.Settings(**settings))
    _handed_over = owner


def end_trial_session() -> None:
    """After an agent: end the SDK session that holds its last trial's settings (``wandb.agent``
    does the same), so a later ``wandb.init()`` starts a fresh one from the environment and gets
    nothing of the trial. Like ``wandb.agent``'s, this ends any W&B run still active in the
    process. Waits for a trial of another agent of this process to finish first."""
    global _handed_over
    import wandb

    with _TRIAL_LOCK:
        if _handed_over is not None:
            wandb.teardown()
            _handed_over = None


def _call_on_fresh_thread(function: Callable[[], Any], run_id: str) -> BaseException | None:
    """Like ``wandb.agent``: the objective runs on a new thread (no Flyte context, no event
    loop), and its run is finished afterwards, as failed if the objective raised."""
    import wandb

    errors: list[BaseException] = []

    def target() -> None:
        try:
            call_objective(function)
            wandb.finish()
        except BaseException as exc:
            errors.append(exc)
            traceback.print_exc()
            if wandb.run is not None:
                wandb.finish(exit_code=1)

    thread = threading.Thread(target=target, name=f"wandb-sweep-trial-{run_id}", daemon=True)
    thread.start()
    thread.join()
    return errors[0] if errors else None


def read_outcome(spec: TrialSpec, error: BaseException | None) -> TrialOutcome:
    """The trial's state and metric, from the run's record log."""
    from flyteplugins.wandb_artifacts.records import find_offline_run_dirs

    run_dirs = find_offline_run_dirs(spec.run_id, spec.wandb_dir)
    if not run_dirs:
        reason = (
            f"{type(error).__name__}: {error}"
            if error is not None
            else "the objective created no W&B run with the trial's id; call wandb.init() without "
            "id= (and finish any other run active in this process before starting the agent)"
        )
        return TrialOutcome(state=FAILED, error=reason, exit_code=None)
    recorded = _read_finished(run_dirs)
    if recorded.exit_code is None:
        return TrialOutcome(
            state=CRASHED,
            error=f"W&B did not write the end of run {spec.run_id} within {_FLUSH_TIMEOUT_S:.0f} s",
        )
    metric_summary, history = metric_values(recorded.summary, recorded.history, spec.metric_name)
    failed = error is not None or recorded.exit_code not in (0, None)
    return TrialOutcome(
        state=FAILED if failed else FINISHED,
        summary_metric=metric_summary,
        metric_history=history,
        exit_code=recorded.exit_code,
        error=None if error is None else f"{type(error).__name__}: {error}",
    )


def _read_finished(run_dirs: list[Path]) -> Any:
    """The run as recorded, once its record log holds the end of the run.

    ``run.finish()`` in offline mode can return a moment before W&B's service has flushed the
    last records to the ``.wandb`` file, so wait (briefly, usually milliseconds) for the exit
    record instead of reading a half-written log.
    """
    from flyteplugins.wandb_artifacts.records import read_run_dirs

    deadline = time.monotonic() + _FLUSH_TIMEOUT_S
    while True:
        recorded = read_run_dirs(run_dirs)
        if recorded.exit_code is not None or time.monotonic() > deadline:
            return recorded
        time.sleep(0.02)


def metric_values(
    summary: dict[str, Any], history: list[dict[str, Any]], metric: str | None
) -> tuple[float | None, list[float]]:
    if metric is None:
        return None, []
    values = [v for v in (as_number(row.get(metric)) for row in history) if v is not None]
    value = summary.get(metric)
    if value is None and "." in metric:  # the summary keeps nested dicts, history flattens them
        node: Any = summary
        for part in metric.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        value = node
    return as_number(value), values


def as_number(value: Any) -> float | None:
    """``value`` as a float if it is a real number (not a bool, not NaN), else ``None``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return float(value)
    return None
