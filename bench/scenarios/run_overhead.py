"""Scenarios 3 and 4: per-child overhead of ``@wandb_init`` in a local Flyte run, offline W&B.

    python run_overhead.py {reuse|new} N

A parent under ``@wandb_init`` awaits N children one after another, timed inside the parent;
the same parent with undecorated children is the baseline. ``reuse``: children share the
parent's run (auto mode). ``new``: children use ``run_mode="new"`` (a W&B run each).
Prints JSON with the per-child overhead. Same code for both plugins (the documented API).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
os.environ.setdefault("WANDB_DIR", tempfile.mkdtemp(prefix="bench-wandb-"))

import flyte

from flyteplugins.wandb import get_wandb_run, wandb_config, wandb_init

env = flyte.TaskEnvironment(name="bench_runs")


@env.task
async def plain_child(i: int) -> int:
    return i


@wandb_init
@env.task
async def shared_child(i: int) -> int:
    get_wandb_run().log({"child": i})
    return i


@wandb_init(run_mode="new")
@env.task
async def new_child(i: int) -> int:
    get_wandb_run().log({"child": i})
    return i


CHILDREN = {"plain": plain_child, "reuse": shared_child, "new": new_child}


@wandb_init
@env.task
async def parent(kind: str, n: int) -> float:
    child = CHILDREN[kind]
    await plain_child(-1)  # warm the controller before timing
    start = time.perf_counter()
    for i in range(n):
        await child(i)
    return time.perf_counter() - start


def timed(kind: str, n: int) -> float:
    ctx = wandb_config(project="bench", entity="bench", mode="offline")
    run = flyte.with_runcontext(mode="local", custom_context=dict(ctx)).run(parent, kind, n)
    return float(run.outputs()[0])


def main(kind: str, n: int) -> None:
    flyte.init()
    baseline = timed("plain", n)
    decorated = timed(kind, n)
    print(
        json.dumps(
            {"per_child_s": (decorated - baseline) / n, "baseline_s": baseline, "decorated_s": decorated}
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
