"""Scenario 8: time from starting a ``@wandb_init`` task to its first ``run.log`` when W&B is
unreachable (online mode, ``WANDB_BASE_URL`` a port on 127.0.0.1 that nothing listens on).

    python outage.py [OUTAGE_TIMEOUT_S]

Prints JSON: ``seconds`` (to the first ``run.log``, or to the failure), ``failed`` (the
exception's type, or null) and ``mode`` (the run's W&B mode). Same code for both plugins (the
documented API); ``OUTAGE_TIMEOUT_S`` (ours only, for the harness self-test) shortens the wait.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import time

with socket.socket() as _s:
    _s.bind(("127.0.0.1", 0))
    _PORT = _s.getsockname()[1]
os.environ.update(
    WANDB_MODE="online",
    WANDB_BASE_URL=f"http://127.0.0.1:{_PORT}",
    WANDB_API_KEY="b" * 40,
    WANDB_SILENT="true",
    WANDB_ERROR_REPORTING="false",
    WANDB_DIR=tempfile.mkdtemp(prefix="bench-outage-"),
)

import flyte

from flyteplugins.wandb import get_wandb_run, wandb_config, wandb_init

env = flyte.TaskEnvironment(name="bench_outage")


@wandb_init(project="bench")
@env.task
async def train() -> list:
    run = get_wandb_run()
    run.log({"loss": 1.0})
    return [time.time(), run.settings.mode]


def main(timeout: str | None) -> None:
    flyte.init()
    context = dict(wandb_config(outage_timeout=float(timeout))) if timeout else {}
    start = time.time()
    try:
        logged_at, mode = flyte.with_runcontext(mode="local", custom_context=context).run(train).outputs()[0]
        result = {"seconds": logged_at - start, "failed": None, "mode": mode}
    except Exception as exc:
        result = {"seconds": time.time() - start, "failed": type(exc).__name__, "mode": None}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
