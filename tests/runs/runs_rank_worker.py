"""One torchrun rank, run as its own process by the distributed tests.

The rank comes from the environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``LOCAL_WORLD_SIZE``, ``GROUP_RANK``), exactly as torchrun hands it to each worker. For every
row of the distributed table (``run_mode`` x ``rank_scope``) the rank runs a ``@wandb_init``
task of a 2-node x 2-process clustered environment in Flyte local mode and records what it saw.
Each row's Flyte run has a fixed name, so every rank derives the same base run id, as the ranks
of one Flyte action do.

Usage: ``python runs_rank_worker.py WORK_DIR``; writes ``WORK_DIR/out-{RANK}.json`` and runs W&B
in ``WORK_DIR/rank-{RANK}`` (under torchrun every rank gets the same arguments).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import flyte
from flyte.clustered import ClusteredTaskEnvironment

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import get_distributed_info, get_wandb_run, wandb_init

ROWS = [(mode, scope) for mode in ("auto", "shared", "new") for scope in ("global", "worker")]
PROJECT, ENTITY = "dist-project", "dist-team"


def _body() -> str:
    tctx = flyte.ctx()
    run = get_wandb_run()
    seen: dict[str, Any] = {
        "base": f"{tctx.action.run_name}-{tctx.action.name}",
        "run_name": tctx.action.run_name,
        "action_name": tctx.action.name,
        "dist": get_distributed_info(),
        "run_id": None,
    }
    if run is not None:
        run.log({"rank": int(os.environ["RANK"])})
        settings = run.settings
        seen.update(
            run_id=run.id,
            group=run.group or None,
            primary=settings.x_primary,
            label=settings.x_label,
            update_finish_state=settings.x_update_finish_state,
            mode=settings.mode,
        )
    return json.dumps(seen)


def _task(mode: str, scope: str) -> Any:
    env = ClusteredTaskEnvironment(name=f"ranks_{mode}_{scope}", replicas=2, nproc_per_node=2)

    def train() -> str:
        return _body()

    train.__qualname__ = train.__name__ = f"train_{mode}_{scope}"
    return wandb_init(run_mode=mode, rank_scope=scope)(env.task(train))  # type: ignore[arg-type]


def main(work_dir: str) -> None:
    rank = os.environ["RANK"]
    wandb_dir = Path(work_dir) / f"rank-{rank}"
    wandb_dir.mkdir(parents=True, exist_ok=True)
    os.environ["WANDB_DIR"] = str(wandb_dir)
    flyte.init()
    context = wandb_config(project=PROJECT, entity=ENTITY)
    results = []
    for mode, scope in ROWS:
        task = _task(mode, scope)
        run = flyte.with_runcontext(
            mode="local",
            name=f"dist-{mode}-{scope}",
            run_base_dir=str(Path(work_dir) / "flyte" / f"{mode}-{scope}"),
            raw_data_path=str(Path(work_dir) / "raw" / f"{mode}-{scope}"),
            custom_context=dict(context),
        ).run(task)
        seen = json.loads(run.outputs()[0])
        seen["row"] = [mode, scope]
        seen["links"] = [
            link.get_link(
                run_name=seen["run_name"],
                project="",
                domain="",
                context=dict(context),
                parent_action_name="",
                action_name=seen["action_name"],
                pod_name="",
            )
            for link in task.links
        ]
        results.append(seen)
    (Path(work_dir) / f"out-{rank}.json").write_text(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
