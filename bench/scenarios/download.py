"""Scenarios 5-7: a plugin's documented download functions against the test server.

    python download.py INFO_JSON OUT_DIR {sweep|run}

Runs ``download_wandb_sweep_dirs(sweep_id, base_path=OUT_DIR)`` (or
``download_wandb_run_dir(history_run, path=OUT_DIR)``) inside a local Flyte task whose context
names the server's entity and project. Same code for both plugins (the documented API).
Prints JSON: seconds, peak RSS of this process, and whether the call raised.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

info = json.loads(sys.argv[1])
os.environ.update(
    WANDB_BASE_URL=info["base_url"],
    WANDB_API_KEY=info["api_key"],
    WANDB_MODE="online",
    WANDB_SILENT="true",
    WANDB_ERROR_REPORTING="false",
)

# Both plugins use the SDK; the reference imports it with the plugin, ours lazily on first
# use. Import it before the timer so that the figure is the download, not a module import.
import flyte  # noqa: E402
import wandb  # noqa: E402
import wandb.apis.public  # noqa: E402, F401

from flyteplugins.wandb import download_wandb_run_dir, download_wandb_sweep_dirs, wandb_config  # noqa: E402

env = flyte.TaskEnvironment(name="bench_download")


@env.task
def download(kind: str, out: str) -> str:
    start = time.perf_counter()
    error = ""
    try:
        if kind == "sweep":
            download_wandb_sweep_dirs(info["sweep_id"], base_path=out)
        else:
            download_wandb_run_dir(info["history_run"], path=out, include_history=True)
    except Exception as exc:  # a plugin that gives up still reports what it completed
        error = f"{type(exc).__name__}: {exc}"[:300]
    return json.dumps({"seconds": time.perf_counter() - start, "error": error})


def main(out: str, kind: str) -> None:
    flyte.init()
    ctx = wandb_config(project=info["project"], entity=info["entity"])
    run = flyte.with_runcontext(mode="local", custom_context=dict(ctx)).run(download, kind, out)
    result = json.loads(run.outputs()[0])
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[2], sys.argv[3])
