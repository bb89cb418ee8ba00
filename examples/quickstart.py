"""Quickstart: train a tiny model with Flyte tasks and track it in Weights & Biases, offline.

A parent task trains a logistic-regression classifier (pure Python) for a few epochs, one
child task per epoch. Parent and children log loss and accuracy to ONE shared W&B run; an
evaluation task with ``run_mode="new"`` gets a run of its own. No W&B account and no network
are needed: W&B runs offline (unless you set ``WANDB_MODE``), and the script prints where the
runs are and how to upload them later with ``wandb sync``.

    uv run python examples/quickstart.py
"""

from __future__ import annotations

import os
from pathlib import Path

# Offline unless the caller chose a mode: no account, no network.
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")

import flyte
from tiny_model import loss_and_accuracy, make_data, predict

from flyteplugins.wandb import get_wandb_run, wandb_config, wandb_init

env = flyte.TaskEnvironment(name="quickstart")

PROJECT = "flyte-wandb-quickstart"
LEARNING_RATE = 0.5
EPOCHS = 5


@wandb_init  # run_mode="auto": shares the parent's run
@env.task
async def train_epoch(epoch: int, weights: list[float]) -> list[float]:
    """One epoch of gradient descent; logs to the run of the task that called it."""
    data = make_data(seed=0)
    grad = [0.0, 0.0, 0.0]
    for x, y, label in data:
        err = predict(weights, x, y) - label
        grad = [grad[0] + err * x, grad[1] + err * y, grad[2] + err]
    weights = [w - LEARNING_RATE * g / len(data) for w, g in zip(weights, grad, strict=True)]
    loss, accuracy = loss_and_accuracy(weights, data)
    get_wandb_run().log({"epoch": epoch, "train/loss": loss, "train/accuracy": accuracy})  # type: ignore[union-attr]
    return weights


@wandb_init(run_mode="new", job_type="eval")  # an evaluation run of its own
@env.task
async def evaluate(weights: list[float]) -> dict[str, str]:
    loss, accuracy = loss_and_accuracy(weights, make_data(seed=1))
    run = get_wandb_run()
    assert run is not None
    run.log({"eval/loss": loss, "eval/accuracy": accuracy})
    run.summary["weights"] = weights
    return {"run_id": run.id, "accuracy": f"{accuracy:.3f}"}


@wandb_init(config={"learning_rate": LEARNING_RATE, "epochs": EPOCHS})
@env.task
async def train(epochs: int = EPOCHS) -> dict[str, str]:
    run = get_wandb_run()
    assert run is not None
    weights = [0.0, 0.0, 0.0]
    for epoch in range(epochs):
        weights = await train_epoch(epoch, weights)
    evaluation = await evaluate(weights)
    run.summary["eval_accuracy"] = float(evaluation["accuracy"])
    return {"training_run": run.id, "eval_run": evaluation["run_id"], "eval_accuracy": evaluation["accuracy"]}


def wandb_root() -> Path:
    """Where W&B keeps local runs: ``$WANDB_DIR/wandb``, by default ``./wandb``."""
    return Path(os.environ.get("WANDB_DIR") or Path.cwd()) / "wandb"


def main() -> None:
    flyte.init()
    result = flyte.with_runcontext(
        mode="local",
        custom_context=wandb_config(project=PROJECT, tags=["quickstart"]),
    ).run(train)
    out = result.outputs()[0]
    print(f"Trained {EPOCHS} epochs; evaluation accuracy {out['eval_accuracy']}.")
    print(f"W&B runs ({os.environ['WANDB_MODE']}):")
    for label, run_id in (("training (parent + children, shared)", out["training_run"]),
                          ("evaluation (run_mode='new')", out["eval_run"])):  # fmt: skip
        for run_dir in sorted(wandb_root().glob(f"*run-*-{run_id}")):
            print(f"  {label}: {run_dir}")
    if os.environ["WANDB_MODE"] == "offline":
        print("Upload them to W&B later, after `wandb login`:")
        print(f"  uv run wandb sync {wandb_root()}/offline-run-*")


if __name__ == "__main__":
    main()
