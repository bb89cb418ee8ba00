"""Tasks of the outage tests that run in their own process, the way a pod runs an action
(``runs_pod.py``): they log, tell the test they are ready, and wait to be signalled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import flyte

from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_outage_pods")


@wandb_init(project="preemptible")
@env.task
async def trains_until_stopped(ready: str, rows: int, start: int) -> None:
    run = get_wandb_run()
    assert run is not None
    for step in range(start, start + rows):
        run.log({"x": step})
    Path(ready).write_text(run.id)
    if start == 0:  # the first attempt waits for its signal; the retry ends
        await asyncio.sleep(300)
