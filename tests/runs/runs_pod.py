"""Run a task the way a Flyte pod runs an action: no parent task in the process, inputs and
``custom_context`` handed over from outside, the action's own name and attempt.

Flyte gives such a task ``mode="remote"``; ``@wandb_init`` then treats its parent's run as
living in another process. Used in-process (``run_as_pod``) and as a subprocess:
``python runs_pod.py SPEC.json`` with ``{"task": "module:attr", "kwargs": {...},
"context": {...}, "action": "...", "run_name": "...", "work_dir": "..."}``.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import flyte
from flyte._internal.controllers._local_controller import LocalController
from flyte._internal.runtime import convert
from flyte._internal.runtime.entrypoints import direct_dispatch
from flyte.models import ActionID, RawDataPath


async def run_as_pod(
    task: Any,
    *,
    context: dict[str, str],
    action: str,
    run_name: str,
    work_dir: Path,
    project: str = "flyte-project",
    **kwargs: Any,
) -> None:
    inputs = await convert.convert_from_native_to_inputs(
        task.native_interface, custom_context=context, **kwargs
    )
    work_dir.mkdir(parents=True, exist_ok=True)
    _, err = await direct_dispatch(
        task,
        action=ActionID(name=action, run_name=run_name, project=project, domain="development"),
        raw_data_path=RawDataPath(path=str(work_dir / "raw")),
        controller=LocalController(),
        version="v1",
        output_path=str(work_dir / action),
        run_base_dir=str(work_dir),
        inputs=inputs,
    )
    if err is not None:
        raise RuntimeError(f"pod {action} failed: {err}")


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    module, _, attr = spec["task"].partition(":")
    task = getattr(importlib.import_module(module), attr)
    flyte.init()
    asyncio.run(
        run_as_pod(
            task,
            context=spec["context"],
            action=spec["action"],
            run_name=spec["run_name"],
            work_dir=Path(spec["work_dir"]),
            **spec["kwargs"],
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
