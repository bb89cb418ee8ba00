"""Tasks of the remote-mode tests: a parent pod and the child pod it starts."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import flyte

from flyteplugins.wandb_context.internal import current_custom_context
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_remote")
HERE = Path(__file__).parent


def _settings_seen(run: Any) -> dict[str, Any]:
    tctx = flyte.ctx()
    return {
        "run_id": run.id,
        "mode": tctx.mode,  # type: ignore[union-attr]
        "wandb_mode": run.settings.mode,
        "primary": run.settings.x_primary,
        "label": run.settings.x_label,
        "update_finish_state": run.settings.x_update_finish_state,
    }


@wandb_init
@env.task
async def child_pod(report: str) -> None:
    run = get_wandb_run()
    assert run is not None
    print("child pod training step")  # console output, labelled with this writer
    run.log({"child": 1})
    Path(report).write_text(json.dumps(_settings_seen(run)))


def start_child_pod(work_dir: Path, report: Path, action: str) -> None:
    """What Flyte does for a child action in a cluster: a new process (pod) with the parent's
    custom_context. The W&B service of this process is not shared with it."""
    spec = {
        "task": "runs_remote_tasks:child_pod",
        "kwargs": {"report": str(report)},
        "context": current_custom_context(),
        "action": action,
        "run_name": flyte.ctx().action.run_name,  # type: ignore[union-attr]
        "work_dir": str(work_dir),
    }
    spec_path = work_dir / f"{action}.json"
    spec_path.write_text(json.dumps(spec))
    env_vars = {k: v for k, v in os.environ.items() if k != "WANDB_SERVICE"}
    proc = subprocess.run(
        [sys.executable, str(HERE / "runs_pod.py"), str(spec_path)],
        env=env_vars,
        cwd=work_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child pod failed:\n{proc.stderr[-3000:]}")


@wandb_init
@env.task
async def parent_pod(scratch: str) -> None:
    run = get_wandb_run()
    assert run is not None
    run.log({"parent": 1})
    work = Path(scratch)
    await asyncio.to_thread(start_child_pod, work, work / "child.json", "child-action")
    run.log({"parent": 2})
    (work / "parent.json").write_text(json.dumps(_settings_seen(run)))
