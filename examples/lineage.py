"""Lineage: a data-prep -> train -> eval pipeline whose Flyte files become W&B artifacts, offline.

Each step is a Flyte task with a W&B run of its own (``run_mode="new"``). The dataset
(a ``flyte.io.Dir``) and the model (a ``flyte.io.File``) they pass along are logged as W&B
reference artifacts by the task that returns them: W&B records where Flyte stored them and
their checksums, and copies no data. The tasks that receive them list them as inputs, so once
the runs are uploaded W&B's lineage graph reads prepare -> dataset -> train -> model -> evaluate.

No W&B account and no network are needed: W&B runs offline (unless you set ``WANDB_MODE``). The
script prints what each run logged, read back from the runs' local record logs, and how to
upload them.

    uv run python examples/lineage.py
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

# Offline unless the caller chose a mode: no account, no network.
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")

import flyte
from flyte.io import Dir, File
from tiny_model import loss_and_accuracy, make_data, predict

from flyteplugins.wandb import get_wandb_run, wandb_config, wandb_init
from flyteplugins.wandb_artifacts.records import iter_local_runs, read_artifacts, read_run_dir

env = flyte.TaskEnvironment(name="lineage")

PROJECT = "flyte-wandb-lineage"
EPOCHS = 20


def wandb_root() -> Path:
    """Where W&B keeps local runs: ``$WANDB_DIR/wandb``, by default ``./wandb``."""
    return Path(os.environ.get("WANDB_DIR") or Path.cwd()) / "wandb"


def run_id() -> str:
    run = get_wandb_run()
    assert run is not None
    return run.id


@wandb_init(run_mode="new", job_type="data-prep")  # the Dir it returns: a "dataset" artifact
@env.task
async def prepare() -> Dir:
    folder = wandb_root().parent / "lineage-data" / run_id() / "dataset"
    folder.mkdir(parents=True, exist_ok=True)
    for split, seed in (("train", 0), ("test", 1)):
        with open(folder / f"{split}.csv", "w", newline="") as out:
            csv.writer(out).writerows(make_data(seed=seed))
    get_wandb_run().log({"rows": 400})  # type: ignore[union-attr]
    return await Dir.from_local(str(folder))


def read_split(dataset: Dir, split: str) -> list[tuple[float, float, int]]:
    with open(Path(dataset.path) / f"{split}.csv", newline="") as rows:
        return [(float(x), float(y), int(label)) for x, y, label in csv.reader(rows)]


@wandb_init(run_mode="new", job_type="train", artifacts={"o0": "model"})  # its File: a "model"
@env.task
async def train(dataset: Dir, learning_rate: float = 0.5) -> File:
    data, weights = read_split(dataset, "train"), [0.0, 0.0, 0.0]
    for epoch in range(EPOCHS):
        grad = [0.0, 0.0, 0.0]
        for x, y, label in data:
            err = predict(weights, x, y) - label
            grad = [grad[0] + err * x, grad[1] + err * y, grad[2] + err]
        weights = [w - learning_rate * g / len(data) for w, g in zip(weights, grad, strict=True)]
        loss, accuracy = loss_and_accuracy(weights, data)
        get_wandb_run().log({"epoch": epoch, "train/loss": loss, "train/accuracy": accuracy})  # type: ignore[union-attr]
    model = Path(dataset.path).parent / "model.json"
    model.write_text(json.dumps({"weights": weights}))
    return await File.from_local(str(model))


@wandb_init(run_mode="new", job_type="eval")
@env.task
async def evaluate(model: File, dataset: Dir) -> float:
    weights = json.loads(Path(model.path).read_text())["weights"]
    loss, accuracy = loss_and_accuracy(weights, read_split(dataset, "test"))
    get_wandb_run().log({"eval/loss": loss, "eval/accuracy": accuracy})  # type: ignore[union-attr]
    return accuracy


@env.task
async def pipeline() -> float:
    dataset = await prepare()
    model = await train(dataset)
    return await evaluate(model, dataset)


def show_lineage() -> None:
    """What each run logged and used, read back from the local record logs (no network)."""
    for _run_id, run_dir in iter_local_runs(wandb_root()):
        run = read_run_dir(run_dir, load_history=False)
        print(f"  run {run.run_id} ({run.job_type}):")
        for artifact in read_artifacts(run_dir):
            origin = artifact.metadata["flyte"]
            print(
                f"    logged {artifact.name}:latest  type={artifact.type}  output={origin['output']}  "
                f"{len(artifact.entries)} reference(s) to {origin['uri']}"
            )
        for used in run.config.get("flyte_inputs", []):
            print(f"    input {used['input']!r} is {used['artifact']}:latest")


def main() -> None:
    flyte.init()
    accuracy = flyte.with_runcontext(mode="local", custom_context=wandb_config(project=PROJECT)).run(pipeline)
    print(f"Evaluation accuracy {accuracy.outputs()[0]:.3f}. W&B runs ({os.environ['WANDB_MODE']}):")
    show_lineage()
    if os.environ["WANDB_MODE"] == "offline":
        print("To see the lineage graph, upload the runs (after `wandb login`); this also records")
        print("each run's inputs as used, which an offline run cannot do itself:")
        print(f"  uv run flyte wandb sync {wandb_root()}")
        print("then open an artifact's Lineage tab in the project's Artifacts page on W&B.")
        print(f"(`wandb sync {wandb_root()}/offline-run-*` uploads runs and artifacts, not the uses.)")


if __name__ == "__main__":
    main()
