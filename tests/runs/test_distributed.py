"""The DESIGN distributed table: rank detection, who logs, run ids, groups, shared-mode roles
and links; checked as a table, then by real rank processes writing real W&B runs."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flyte
import pytest
from flyte.clustered import ClusteredTaskEnvironment
from runs_support import metrics, recorded, wait_written

from flyteplugins.wandb_runs import get_distributed_info, wandb_init
from flyteplugins.wandb_runs.internal import DistributedInfo, detect_distributed, plan_rank, task_topology

HERE = Path(__file__).parent
MODES = ("auto", "shared", "new")
SCOPES = ("global", "worker")


@dataclass(frozen=True)
class Expected:
    logs: bool
    run_id: str | None = None
    group: str | None = None
    primary: bool | None = None
    label: str | None = None


def expected(
    mode: str, scope: str, rank: int, local_rank: int, worker: int, workers: int, base: str
) -> Expected:
    """The DESIGN table, spelled out (single node: ``worker`` scope behaves as ``global``)."""
    per_worker = scope == "worker" and workers > 1
    label = f"worker-{worker}-rank-{local_rank}" if workers > 1 else f"rank-{rank}"
    if mode == "auto":
        if per_worker:
            return Expected(local_rank == 0, f"{base}-worker-{worker}" if local_rank == 0 else None)
        return Expected(rank == 0, base if rank == 0 else None)
    if mode == "shared":
        if per_worker:
            return Expected(True, f"{base}-worker-{worker}", None, local_rank == 0, label)
        return Expected(True, base, None, rank == 0, label)
    if per_worker:
        return Expected(True, f"{base}-worker-{worker}-rank-{local_rank}", f"{base}-worker-{worker}")
    return Expected(True, f"{base}-rank-{rank}", base)


def _ranks(workers: int, per_worker: int) -> list[DistributedInfo]:
    world = workers * per_worker
    return [
        DistributedInfo(r, r % per_worker, world, per_worker, r // per_worker, workers) for r in range(world)
    ]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize(("workers", "per_worker"), [(2, 2), (1, 4), (3, 2)])
def test_every_row_for_every_rank(mode: str, scope: str, workers: int, per_worker: int) -> None:
    for info in _ranks(workers, per_worker):
        plan = plan_rank(mode, scope, info, "base")  # type: ignore[arg-type]
        want = expected(mode, scope, info.rank, info.local_rank, info.worker_index, workers, "base")
        assert plan.logs == want.logs and plan.run_id == want.run_id and plan.group == want.group, info
        assert (plan.shared.primary if plan.shared else None) == want.primary
        assert (plan.shared.label if plan.shared else None) == want.label


def test_rank_detection_from_torchrun_environment() -> None:
    env = {"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2", "GROUP_RANK": "1"}
    info = detect_distributed(env)
    assert info == DistributedInfo(3, 1, 8, 2, 1, 4)
    assert info is not None and info.multi_node
    assert detect_distributed({"RANK": "0", "WORLD_SIZE": "1"}) is None
    assert detect_distributed({}) is None
    single = detect_distributed({"RANK": "1", "WORLD_SIZE": "2"})
    assert single == DistributedInfo(1, 0, 2, 2, 0, 1)
    with pytest.raises(ValueError, match="RANK='x'"):
        detect_distributed({"RANK": "x", "WORLD_SIZE": "2"})


def test_get_distributed_info_reads_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_distributed_info() is None
    for name, value in {"RANK": "2", "WORLD_SIZE": "4", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "2"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GROUP_RANK", "1")
    assert get_distributed_info() == {
        "rank": 2,
        "local_rank": 0,
        "world_size": 4,
        "local_world_size": 2,
        "worker_index": 1,
        "num_workers": 2,
    }


@dataclass
class Elastic:
    """The shape of the PyTorch plugin's config: ``nnodes`` may be an elastic range."""

    nnodes: int | str
    nproc_per_node: int | str


@pytest.mark.parametrize(
    ("config", "topology"),
    [
        (None, (1, 1)),
        (Elastic(2, 4), (2, 4)),
        (Elastic("1:4", "2"), (4, 2)),
        (Elastic("3", "auto"), (3, 1)),
        (ClusteredTaskEnvironment(name="topo", replicas=3, nproc_per_node=2).plugin_config, (3, 2)),
    ],
)
def test_task_topology_from_plugin_config(config: Any, topology: tuple[int, int]) -> None:
    assert task_topology(config) == topology


def test_links_one_per_worker_for_worker_scope_else_one() -> None:
    cluster = ClusteredTaskEnvironment(name="links_cluster", replicas=3, nproc_per_node=2)

    async def body() -> None:
        return None

    per_worker = wandb_init(rank_scope="worker", project="p", entity="e")(cluster.task(body))
    links = [link for link in per_worker.links if type(link).__name__ == "Wandb"]
    assert [(link.worker_index, link.name) for link in links] == [  # type: ignore[attr-defined]
        (i, f"Weights & Biases Worker {i}") for i in range(3)
    ]
    assert all(link.distributed for link in links)  # type: ignore[attr-defined]

    body.__name__ = body.__qualname__ = "body_global"
    single = wandb_init(project="p", entity="e")(cluster.task(body))
    [link] = single.links
    assert link.distributed and link.worker_index is None  # type: ignore[attr-defined]


# --- real rank processes ------------------------------------------------------------------------

WORKERS, PER_WORKER = 2, 2


def _rank_env(rank: int, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"}  # each rank is its own process
    env.update(
        RANK=str(rank),
        WORLD_SIZE=str(WORKERS * PER_WORKER),
        LOCAL_RANK=str(rank % PER_WORKER),
        LOCAL_WORLD_SIZE=str(PER_WORKER),
        GROUP_RANK=str(rank // PER_WORKER),
        NODE_RANK=str(rank // PER_WORKER),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT="29500",
        WANDB_MODE="offline",
    )
    return env


@pytest.fixture(scope="module")
def rank_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, list[dict[str, Any]]]]:
    """Every row of the table, run by 2 workers x 2 ranks as concurrent processes."""
    work = tmp_path_factory.mktemp("ranks")
    procs = {}
    for rank in range(WORKERS * PER_WORKER):
        procs[rank] = subprocess.Popen(
            [sys.executable, str(HERE / "runs_rank_worker.py"), str(work)],
            env=_rank_env(rank, work),
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    for rank, proc in procs.items():
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, f"rank {rank} failed:\n{err[-3000:]}"
    return work, {r: json.loads((work / f"out-{r}.json").read_text()) for r in procs}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scope", SCOPES)
def test_rank_processes_follow_the_table(mode: str, scope: str, rank_results: Any) -> None:
    work, results = rank_results
    check_row(mode, scope, work, results, WORKERS, PER_WORKER)


def check_row(
    mode: str, scope: str, work: Path, results: dict[int, Any], workers: int, per_worker: int
) -> None:
    rows = {r: next(s for s in seen if s["row"] == [mode, scope]) for r, seen in results.items()}
    bases = {s["base"] for s in rows.values()}
    assert len(bases) == 1, "all ranks of one action derive the same base id"
    base = bases.pop()
    for rank, seen in rows.items():
        info = seen["dist"]
        assert (info["rank"], info["num_workers"]) == (rank, workers)
        want = expected(mode, scope, rank, rank % per_worker, rank // per_worker, workers, base)
        assert seen["run_id"] == want.run_id, (rank, seen)
        if not want.logs:
            continue
        assert seen["group"] == want.group
        if want.primary is not None:  # shared mode: one primary writer, labelled secondaries
            assert (seen["primary"], seen["update_finish_state"]) == (want.primary, want.primary)
            assert seen["label"] == want.label
        else:
            assert seen["primary"] is True and seen["update_finish_state"] is True
        # What this rank's W&B writer recorded, in its own local run directory.
        rank_dir = work / f"rank-{rank}"
        rec = recorded(seen["run_id"], rank_dir)
        assert metrics(rec) == [{"rank": rank}]
        assert rec.group == want.group and rec.exit_code == 0
        if want.primary is not False:
            assert rec.config["flyte"]["run_name"] == f"dist-{mode}-{scope}"
    for rank, seen in rows.items():
        want_links = _expected_links(mode, scope, base)
        assert seen["links"] == want_links, rank


def _expected_links(mode: str, scope: str, base: str) -> list[str]:
    root = "https://wandb.ai/dist-team/dist-project"
    kind = "groups" if mode == "new" else "runs"
    if scope == "worker":
        return [f"{root}/{kind}/{base}-worker-{w}" for w in range(WORKERS)]
    return [f"{root}/{kind}/{base}"]


def test_secondary_writers_keep_out_of_the_run_metadata(rank_results: Any) -> None:
    """``x_primary=False``: a secondary rank's writer saves no run metadata files (offline the
    effect is visible in its run directory)."""
    work, results = rank_results
    for rank, seen_rows in results.items():
        seen = next(s for s in seen_rows if s["row"] == ["shared", "global"])
        [run_dir] = [
            d for d in (work / f"rank-{rank}" / "wandb").iterdir() if d.name.endswith(seen["run_id"])
        ]
        wait_written([run_dir])
        has_metadata = (run_dir / "files" / "requirements.txt").exists()
        assert has_metadata == (rank == 0), rank


TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.skipif(not TORCH, reason="torch is not installed")
def test_real_torchrun_on_cpu(tmp_path: Path) -> None:  # pragma: no cover - needs torch
    env = {k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"}
    env.update(WANDB_MODE="offline")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc-per-node=2"]
    proc = subprocess.run(
        [*torchrun, str(HERE / "runs_rank_worker.py"), str(tmp_path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {r: json.loads((tmp_path / f"out-{r}.json").read_text()) for r in range(2)}
    for mode in MODES:
        for scope in SCOPES:
            check_row(mode, scope, tmp_path, results, workers=1, per_worker=2)


def test_flyte_local_run_is_not_distributed_without_torchrun_env(offline: Path) -> None:
    env = flyte.TaskEnvironment("runs_not_distributed")

    @wandb_init
    @env.task
    async def plain() -> bool:
        return get_distributed_info() is None

    assert flyte.with_runcontext(mode="local").run(plain).outputs()[0] is True
