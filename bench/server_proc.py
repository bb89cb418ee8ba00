"""The W&B-protocol test server (tests/wandb_server) as a process both plugins can talk to.

    python server_proc.py WORKDIR --runs 20 --files 10 --history-steps 1000000 \
        --latency 0.02 --error-rate 0.2 --drop-rate 0.0

Seeds a sweep of RUNS runs x FILES files through the real SDK (online), keeps a copy of every
seeded file under WORKDIR/expected/{run_id}/ for byte comparison, plants a run with
HISTORY_STEPS history rows, then turns the faults on and prints one JSON line with the
addresses and ids. It serves until its standard input closes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from wandb_server import WandbServer  # noqa: E402

PROJECT = "bench"


def seed_sweep(server: WandbServer, workdir: Path, runs: int, files: int) -> str:
    import wandb

    os.environ.update(
        WANDB_BASE_URL=server.base_url,
        WANDB_API_KEY=server.api_key,
        WANDB_MODE="online",
        WANDB_ENTITY=server.entity,
        WANDB_DIR=str(workdir / "sdk"),
        WANDB_SILENT="true",
        WANDB_ERROR_REPORTING="false",
    )
    (workdir / "sdk").mkdir(parents=True, exist_ok=True)
    sweep_config = {"method": "random", "parameters": {"lr": {"min": 0.0, "max": 1.0}}}
    sweep_id = wandb.sweep(sweep_config, project=PROJECT)
    for r in range(runs):
        run = wandb.init(project=PROJECT, config={"lr": r / runs}, settings=wandb.Settings(sweep_id=sweep_id))
        expected = workdir / "expected" / run.id
        for i in range(files):
            data = os.urandom(4096 + 97 * i)
            path = Path(run.dir) / f"artifact_{i}.bin"
            path.write_bytes(data)
            run.save(str(path), base_path=run.dir, policy="now")
            (expected / path.name).parent.mkdir(parents=True, exist_ok=True)
            (expected / path.name).write_bytes(data)
        run.log({"loss": 1.0 / (r + 1)})
        run.finish()
    wandb.teardown()
    return sweep_id


def plant_history(server: WandbServer, steps: int) -> str:
    rows = ({"loss": 1.0 / (i + 1), "acc": (i % 97) / 97, "epoch": i // 1000} for i in range(steps))
    server.add_run(PROJECT, "history-run", history=rows, summary={"loss": 1.0 / steps})
    return "history-run"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--history-steps", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    args = parser.parse_args()

    server = WandbServer(storage_dir=args.workdir / "server").start()
    sweep_id = seed_sweep(server, args.workdir, args.runs, args.files) if args.runs else None
    history_run = plant_history(server, args.history_steps) if args.history_steps else None
    server.faults.latency_s = args.latency
    server.faults.error_rate = args.error_rate
    server.faults.drop_rate = args.drop_rate
    server.faults.seed = 7
    info = {
        "base_url": server.base_url,
        "api_key": server.api_key,
        "entity": server.entity,
        "project": PROJECT,
        "sweep_id": sweep_id,
        "history_run": history_run,
        "expected": str(args.workdir / "expected"),
    }
    print(json.dumps(info), flush=True)
    served_before = len(server.requests)
    sys.stdin.read()
    server.stop()
    # what the clients asked for (method, path, GraphQL operation): for profiling a scenario
    (args.workdir / "requests.json").write_text(json.dumps(server.requests[served_before:]))


if __name__ == "__main__":
    main()
