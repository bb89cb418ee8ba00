"""Distributed training (PyTorch Elastic / torchrun): rank detection and the per-rank run plan.

The rank comes from the environment torchrun gives every worker process; the node and
process counts of a task come from its ``plugin_config``, read by attribute so the PyTorch
plugin never has to be imported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from flyteplugins.wandb_context import RankScope, RunMode


@dataclass(frozen=True)
class DistributedInfo:
    """Where this process sits in a distributed job."""

    rank: int
    local_rank: int
    world_size: int
    local_world_size: int
    worker_index: int
    num_workers: int

    @property
    def multi_node(self) -> bool:
        return self.num_workers > 1

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class SharedRole:
    """This process's part in a W&B shared-mode run (several writers, one run)."""

    primary: bool
    label: str


@dataclass(frozen=True)
class RankPlan:
    """What one rank does: log or not, and to which run."""

    logs: bool
    run_id: str | None = None
    group: str | None = None
    shared: SharedRole | None = None


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} must be an integer (torchrun sets it).") from None


def detect_distributed(env: Mapping[str, str] | None = None) -> DistributedInfo | None:
    """The rank of this process from torchrun's variables; ``None`` unless ``WORLD_SIZE`` > 1."""
    env = os.environ if env is None else env
    if "RANK" not in env or "WORLD_SIZE" not in env:
        return None
    world_size = _env_int(env, "WORLD_SIZE", 1)
    if world_size <= 1:
        return None
    local_world_size = _env_int(env, "LOCAL_WORLD_SIZE", world_size)
    if local_world_size <= 0:
        local_world_size = world_size
    return DistributedInfo(
        rank=_env_int(env, "RANK", 0),
        local_rank=_env_int(env, "LOCAL_RANK", 0),
        world_size=world_size,
        local_world_size=local_world_size,
        worker_index=_env_int(env, "GROUP_RANK", 0),
        num_workers=max(1, world_size // local_world_size),
    )


def _count(value: Any) -> int:
    """A node/process count as plugins spell it: ``4``, ``"4"`` or an elastic range ``"1:4"``
    (its upper bound). Anything else (``"auto"``, ``None``) counts as 1."""
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return max(1, value)
    if isinstance(value, str):
        upper = value.strip().split(":")[-1]
        if upper.isdigit():
            return max(1, int(upper))
    return 1


def task_topology(plugin_config: Any) -> tuple[int, int]:
    """``(nodes, processes_per_node)`` of a task's plugin config; ``(1, 1)`` when not distributed.

    Understands the PyTorch plugin's ``Elastic`` (``nnodes``, ``nproc_per_node``) and Flyte's
    clustered tasks (``settings.replicas``, ``settings.nproc_per_node``).
    """
    if plugin_config is None:
        return 1, 1
    if hasattr(plugin_config, "nnodes") or hasattr(plugin_config, "nproc_per_node"):
        nodes = getattr(plugin_config, "nnodes", 1)
        return _count(nodes), _count(getattr(plugin_config, "nproc_per_node", 1))
    settings = getattr(plugin_config, "settings", None)
    if settings is not None and hasattr(settings, "replicas"):
        return _count(settings.replicas), _count(getattr(settings, "nproc_per_node", 1))
    return 1, 1


def plan_rank(run_mode: RunMode, rank_scope: RankScope, info: DistributedInfo, base_id: str) -> RankPlan:
    """The DESIGN distributed table: who logs, run id, group and shared-mode role of this rank.

    On a single node ``worker`` scope behaves as ``global``.
    """
    per_worker = rank_scope == "worker" and info.multi_node
    worker_id = f"{base_id}-worker-{info.worker_index}"
    if run_mode == "auto":
        if per_worker:
            return RankPlan(logs=info.local_rank == 0, run_id=worker_id if info.local_rank == 0 else None)
        return RankPlan(logs=info.rank == 0, run_id=base_id if info.rank == 0 else None)
    if run_mode == "new":
        if per_worker:
            return RankPlan(logs=True, run_id=f"{worker_id}-rank-{info.local_rank}", group=worker_id)
        return RankPlan(logs=True, run_id=f"{base_id}-rank-{info.rank}", group=base_id)
    # shared: every rank writes to one run (per worker with worker scope); one primary each.
    label = f"worker-{info.worker_index}-rank-{info.local_rank}" if info.multi_node else f"rank-{info.rank}"
    if per_worker:
        return RankPlan(logs=True, run_id=worker_id, shared=SharedRole(info.local_rank == 0, label))
    return RankPlan(logs=True, run_id=base_id, shared=SharedRole(info.rank == 0, label))
