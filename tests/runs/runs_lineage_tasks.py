"""Flyte tasks for the lineage tests: producers of ``File``/``Dir`` outputs in every shape Flyte
supports (one value, a tuple, a NamedTuple, a dataclass), and consumers of them.

Producers write their data under ``DATA_ROOT`` (a test's ``tmp_path``, set by the test)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import flyte
from flyte.io import Dir, File

from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_lineage")

MARKER = b"lineage-marker-7f3c"
"""In every file the producers write: found nowhere under W&B's directories, no copy was made."""


def data_root() -> Path:
    return Path(os.environ["LINEAGE_DATA_ROOT"])


def write_file(name: str, body: bytes = b"") -> Path:
    path = data_root() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(MARKER + body)
    return path


def write_dir(name: str, files: int) -> Path:
    root = data_root() / name
    (root / "sub").mkdir(parents=True, exist_ok=True)
    for i in range(files):
        (root / ("sub" if i % 2 else "") / f"part-{i:05d}.txt").write_bytes(MARKER + str(i).encode())
    return root


class Split(NamedTuple):
    train: File
    test: File


@dataclass
class Trained:
    weights: File
    logs: Dir
    score: float


@wandb_init(run_mode="new", artifacts={"o1": {"type": "model", "aliases": ["best", "candidate"]}})
@env.task
async def produce_pair() -> tuple[File, Dir]:
    file = await File.from_local(str(write_file("pair/data.csv", b"a,b\n1,2\n")))
    return file, await Dir.from_local(str(write_dir("pair/images", 5)))


@wandb_init(run_mode="new")
@env.task
async def produce_split() -> Split:
    train = await File.from_local(str(write_file("split/train.csv", b"1")))
    return Split(train, await File.from_local(str(write_file("split/test.csv", b"2"))))


@wandb_init(run_mode="new", artifacts={"o0.weights": "model"})
@env.task
async def produce_trained() -> Trained:
    weights = await File.from_local(str(write_file("trained/weights.bin", b"\x00\x01")))
    return Trained(weights, await Dir.from_local(str(write_dir("trained/logs", 3))), 0.9)


@wandb_init(run_mode="new")
@env.task
async def consume_pair(data: File, images: Dir) -> str:
    run = get_wandb_run()
    assert run is not None
    return run.id


@env.task
async def pair_pipeline() -> list[str]:
    """producer -> consumer, each its own run; returns [consumer run id, data uri, images uri]."""
    data, images = await produce_pair()
    return [await consume_pair(data, images), data.path, images.path]


@env.task
async def plain_file() -> File:
    """A File no ``@wandb_init`` task logged."""
    return await File.from_local(str(write_file("plain/notes.txt")))


@env.task
async def plain_pipeline() -> str:
    data = await plain_file()
    images = await Dir.from_local(str(write_dir("plain/images", 2)))
    return await consume_pair(data, images)


@wandb_init  # auto: shares the parent's run
@env.task
async def produce_in_parent_run() -> File:
    return await File.from_local(str(write_file("shared/features.parquet")))


@wandb_init
@env.task
async def consume_in_parent_run(data: File) -> str:
    run = get_wandb_run()
    assert run is not None
    return run.id


@wandb_init(run_mode="new")
@env.task
async def consume_in_new_run(data: File) -> str:
    run = get_wandb_run()
    assert run is not None
    return run.id


@wandb_init
@env.task
async def shared_pipeline() -> list[str]:
    """Children sharing this task's run produce and consume; a child with its own run consumes.
    Returns [this run's id, the new run's id, the file's path]."""
    data = await produce_in_parent_run()
    await consume_in_parent_run(data)
    other = await consume_in_new_run(data)
    run = get_wandb_run()
    assert run is not None
    return [run.id, other, data.path]
