"""Hyperparameter sweep with parallel agents as Flyte tasks, fully offline.

The quickstart's tiny logistic-regression model (pure Python) is tuned by a Bayesian W&B
sweep: a ``@wandb_sweep`` task creates the sweep and fans out 2 agent tasks, each running 5
trials with ``wandb.agent``. Every trial is an offline W&B run whose ``wandb.run.config``
holds the parameters W&B's sweep engine chose, run locally from the ``sweeps`` package
(``pip install 'flyteplugins-wandb-sweeps[local]'``). No W&B account, no network: the
script prints the results table, best first, and where the runs are for ``wandb sync``.

    uv run python examples/sweep.py

With ``WANDB_MODE=online`` (and ``wandb login``) the same code runs against W&B's servers.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

# Offline unless the caller chose a mode: no account, no network.
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")

import flyte
import wandb
from tiny_model import loss_and_accuracy, make_data, predict

from flyteplugins.wandb import get_wandb_context, wandb_config, wandb_init, wandb_sweep_config
from flyteplugins.wandb_sweeps import format_sweep_results, get_sweep_results, get_wandb_sweep_id, wandb_sweep

env = flyte.TaskEnvironment(name="sweep")

PROJECT = "flyte-wandb-sweep"
AGENTS = 2
TRIALS_PER_AGENT = 5


@wandb_init
def objective() -> None:
    """One trial: hyperparameters from ``wandb.run.config``; logs the sweep's metric."""
    run = wandb.run
    assert run is not None
    config = run.config
    train, val = make_data(seed=0), make_data(seed=1)
    weights = [0.0, 0.0, 0.0]
    for epoch in range(config.epochs):
        grad = [0.0, 0.0, 0.0]
        for x, y, label in train:
            err = predict(weights, x, y) - label
            grad = [grad[0] + err * x, grad[1] + err * y, grad[2] + err]
        weights = [
            w - config.learning_rate * (g / len(train) + config.l2 * w)
            for w, g in zip(weights, grad, strict=True)
        ]
        val_loss, val_accuracy = loss_and_accuracy(weights, val)
        run.log({"epoch": epoch, "val_loss": val_loss, "val_accuracy": val_accuracy})


@wandb_sweep
@env.task
async def sweep_agent(agent_id: int, sweep_id: str, count: int = TRIALS_PER_AGENT) -> int:
    wandb.agent(sweep_id, function=objective, count=count, project=get_wandb_context().project)
    return agent_id


@wandb_sweep
@env.task
async def run_parallel_sweep(num_agents: int = AGENTS, trials_per_agent: int = TRIALS_PER_AGENT) -> str:
    sweep_id = get_wandb_sweep_id()
    assert sweep_id is not None
    await asyncio.gather(*(sweep_agent(i + 1, sweep_id, trials_per_agent) for i in range(num_agents)))
    return sweep_id


def main() -> None:
    flyte.init()
    result = flyte.with_runcontext(
        mode="local",
        custom_context={
            **wandb_config(project=PROJECT),
            **wandb_sweep_config(
                method="bayes",
                metric={"name": "val_loss", "goal": "minimize"},
                parameters={
                    "learning_rate": {"distribution": "log_uniform_values", "min": 0.01, "max": 3.0},
                    "l2": {"distribution": "uniform", "min": 0.0, "max": 0.1},
                    "epochs": {"values": [3, 5, 8]},
                },
            ),
        },
    ).run(run_parallel_sweep)
    sweep_id = result.outputs()[0]

    mode = os.environ["WANDB_MODE"]
    print(f"Sweep {sweep_id} ({mode}): {AGENTS} agents x {TRIALS_PER_AGENT} trials, best first")
    print(format_sweep_results(sweep_id, project=PROJECT))
    if mode == "offline":
        run_dirs = [d for r in get_sweep_results(sweep_id) for d in r.run_dirs]
        where = Path(os.path.commonpath(run_dirs)) if run_dirs else Path("wandb")
        print(f"\n{len(run_dirs)} offline runs (W&B group {sweep_id!r}) under {where}")
        print("Upload them to W&B later, after `wandb login`:")
        print(f"  uv run wandb sync {where}/offline-run-*")


if __name__ == "__main__":
    main()
