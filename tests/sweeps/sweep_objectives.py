"""Sweep objectives used by the tests (a module of their own, so subprocess agents import them too)."""

from __future__ import annotations

import time

import wandb

from flyteplugins.wandb_runs import wandb_init


def quadratic() -> None:
    """loss = (x - 2)^2 + y: minimal at x=2, y=0. Plain wandb.init()/finish()."""
    run = wandb.init()
    loss = (run.config["x"] - 2) ** 2 + run.config.get("y", 0)
    run.log({"loss": loss + 1.0})
    run.log({"loss": loss})
    run.finish()


def quadratic_unfinished() -> None:
    """Starts its run and leaves it to the agent to finish."""
    run = wandb.init()
    run.log({"loss": (run.config["x"] - 2) ** 2})


def slow_quadratic() -> None:
    time.sleep(0.2)
    quadratic()


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
