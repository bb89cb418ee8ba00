"""Traced downloads: what ``download_logs=True`` calls after a run or sweep finishes. Each
shows up as a trace in the Flyte UI with the downloaded directory as its output."""

from __future__ import annotations

import asyncio

import flyte
from flyte.io import Dir

from ._artifact_download import download_wandb_artifact_dir
from ._paths import check_id, default_base_path
from ._run_dir import download_wandb_run_dir
from ._sweep_dirs import download_wandb_sweep_dirs


@flyte.trace
async def download_wandb_run_logs(run_id: str) -> Dir:
    """Download (or, offline, export) run ``run_id`` and return it as a ``flyte.io.Dir``.

    Raises RuntimeError if the download fails (see :func:`download_wandb_run_dir`).
    """
    path = await asyncio.to_thread(download_wandb_run_dir, run_id)
    return await Dir.from_local(path)


@flyte.trace
async def download_wandb_sweep_logs(sweep_id: str) -> Dir:
    """Download every run of sweep ``sweep_id`` into one directory
    (``{tempfile.gettempdir()}/wandb_sweeps/{sweep_id}/{run_id}``) returned as a ``flyte.io.Dir``.
    """
    base = default_base_path().parent / "wandb_sweeps" / check_id("sweep_id", sweep_id)
    await asyncio.to_thread(download_wandb_sweep_dirs, sweep_id, str(base))
    return await Dir.from_local(str(base))


@flyte.trace
async def download_wandb_artifact(path: str) -> Dir:
    """Download W&B artifact ``path`` (``entity/project/name:alias``) and return it as a
    ``flyte.io.Dir`` (``{tempfile.gettempdir()}/wandb_artifacts/{entity}/{project}/{name}/{version}``).

    Raises as :func:`download_wandb_artifact_dir` does.
    """
    local = await asyncio.to_thread(download_wandb_artifact_dir, path)
    return await Dir.from_local(local)
