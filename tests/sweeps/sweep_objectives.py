"""Sweep objectives used by the tests (a module of their own, so subprocess agents import them too)."""

from __future__ import annotations

import time

import wandb

from flyteplugins.wandb_runs import wandb_init
from flyteplugins.wandb_sweeps._local import SweepStore

AGENTS_TIMEOUT_S = 60.0


def quadratic() -> None:
    """loss = (x - 2)^2 + y: minimal at x=2, y=0. Plain wandb.init()/finish()."""
    _log_quadratic(wandb.init())


def _log_quadratic(run: wandb.Run) -> None:
    loss = (run.config["x"] - 2) ** 2 + run.config.get("y", 0)
    run.log({"loss": loss + 1.0})
    run.log({"loss": loss})
    run.finish()


def quadratic_unfinished() -> None:
    """Starts its run and leaves it to the agent to finish."""
    run = wandb.init()
    run.log({"loss": (run.config["x"] - 2) ** 2})


def quadratic_once_two_agents_claimed() -> None:
    """``quadratic``, once two agents have claimed trials of this sweep (the run's group): tests of
    parallel agents then know both got work, instead of hoping a sleep makes room for the second."""
    run = wandb.init()
    store = SweepStore(run.group)
    while True:
        trials = store.read_trials()
        if len({t.agent for t in trials}) >= 2:
            break
        if time.time() > trials[0].started_at + AGENTS_TIMEOUT_S:  # one bound for the whole sweep
            raise TimeoutError(
                f"no second agent claimed a trial of sweep {run.group} in {AGENTS_TIMEOUT_S} s"
            )
        time.sleep(0.02)
    _log_quadratic(run)


def fails_at_x_2() -> None:
    run = wandb.init()
    if run.config["x"] == 2:
        raise RuntimeError("objective failed on purpose at x=2")
    run.log({"loss": float(run.config["x"])})
    run.finish()


def no_run() -> None:
    """Forgets wandb.init(): the trial must be reported, not silently count as a success."""


async def async_quadratic() -> None:
    run = wandb.init()
    run.log({"loss": (run.config["x"] - 2) ** 2})
    run.finish()


@wandb_init
def init_fails_at_x_2() -> None:
    """The documented objective shape: @wandb_init, parameters from wandb.run.config."""
    run = wandb.run
    assert run is not None
    if run.config.x == 2:
        raise RuntimeError("objective failed on purpose at x=2")
    run.log({"loss": float(run.config.x)})
