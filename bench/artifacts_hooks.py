"""Benchmark entry points of the artifacts package (scenarios 5-7 of bench/README.md).

Importing this module does no work. Each function sets up its own data, measures, checks the
output and returns a dict of figures:

* ``bench_sweep_download(server, runs=20, files=10, latency_s=0.02, error_rate=0.0)``: a sweep
  of ``runs`` runs x ``files`` files logged with the real SDK on a running test server
  (``tests/wandb_server``), then downloaded with ``download_sweep`` under injected latency
  (and 5xx faults); outputs compared byte for byte.
* ``bench_history_export(steps=1_000_000)``: an offline run of ``steps`` history rows, then
  ``export_offline_run`` timed in a fresh interpreter, with its peak RSS and rows written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SERVER_ENV = ("WANDB_BASE_URL", "WANDB_API_KEY", "WANDB_MODE", "WANDB_ENTITY", "WANDB_DIR", "WANDB_SILENT")


@contextmanager
def _wandb_env(**values: str) -> Iterator[None]:
    """Set WANDB_* variables for a fresh SDK session; restore both afterwards."""
    import wandb

    saved = {k: os.environ.get(k) for k in {*_SERVER_ENV, *values}}
    wandb.teardown()
    os.environ.update(values)
    try:
        yield
    finally:
        wandb.teardown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def bench_sweep_download(
    server: Any,
    runs: int = 20,
    files: int = 10,
    latency_s: float = 0.02,
    error_rate: float = 0.0,
    workdir: str | None = None,
) -> dict[str, Any]:
    """Seed a sweep on ``server`` (a started ``wandb_server.WandbServer``) and time its download."""
    import wandb

    from flyteplugins.wandb_artifacts.internal import download_sweep

    root = Path(workdir or tempfile.mkdtemp(prefix="bench-sweep-"))
    env = {
        "WANDB_BASE_URL": server.base_url,
        "WANDB_API_KEY": server.api_key,
        "WANDB_MODE": "online",
        "WANDB_ENTITY": server.entity,
        "WANDB_DIR": str(root / "sdk"),
        "WANDB_SILENT": "true",
    }
    (root / "sdk").mkdir(parents=True, exist_ok=True)
    with _wandb_env(**env):
        sweep_id = wandb.sweep(
            {"method": "random", "parameters": {"lr": {"min": 0.0, "max": 1.0}}}, project="bench"
        )
        expected = _seed_sweep_runs(sweep_id, runs, files)
        server.faults.latency_s, server.faults.error_rate, server.faults.seed = latency_s, error_rate, 1
        start = time.perf_counter()
        reports = download_sweep(sweep_id, root / "out", project="bench")
        seconds = time.perf_counter() - start
        server.faults.latency_s = server.faults.error_rate = 0.0
    identical = sum(
        1
        for run_id, contents in expected.items()
        for name, data in contents.items()
        if (root / "out" / run_id / name).is_file() and (root / "out" / run_id / name).read_bytes() == data
    )
    return {
        "seconds": seconds,
        "runs": len(reports),
        "runs_ok": sum(r.ok for r in reports),
        "files_expected": runs * files,
        "files_identical": identical,
        "retries": sum(r.retries for r in reports),
        "out": str(root / "out"),
    }


def _seed_sweep_runs(sweep_id: str, runs: int, files: int) -> dict[str, dict[str, bytes]]:
    import wandb

    expected: dict[str, dict[str, bytes]] = {}
    for r in range(runs):
        run = wandb.init(project="bench", config={"lr": r / runs}, settings=wandb.Settings(sweep_id=sweep_id))
        contents = {f"files/f{i}.bin": os.urandom(4096 + i) for i in range(files)}
        for name, data in contents.items():
            path = Path(run.dir) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            run.save(str(path), base_path=run.dir, policy="now")
        run.log({"loss": r})
        expected[run.id] = contents
        run.finish()
    return expected


def bench_history_export(steps: int = 1_000_000, workdir: str | None = None) -> dict[str, Any]:
    """Log an offline run of ``steps`` rows, then export it in a fresh interpreter."""
    root = Path(workdir or tempfile.mkdtemp(prefix="bench-history-"))
    run_dir = _log_offline_run(root, steps)
    probe = (
        "import json, resource, sys, time\n"
        "from flyteplugins.wandb_artifacts.internal import export_offline\n"
        "t = time.perf_counter()\n"
        "report = export_offline(sys.argv[1], sys.argv[2])\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'rows': report.history_rows,\n"
        "                  'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(run_dir), str(root / "export")],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["steps_logged"] = steps
    result["history_bytes"] = (root / "export" / "metrics_history.json").stat().st_size
    return result


def _log_offline_run(root: Path, steps: int) -> Path:
    """A real offline run (its own interpreter, so this process's SDK session is untouched)."""
    script = (
        "import sys, wandb\n"
        "run = wandb.init(project='bench', id='history-export', mode='offline', dir=sys.argv[1])\n"
        "for i in range(int(sys.argv[2])):\n"
        "    run.log({'loss': 1.0 / (i + 1), 'acc': (i % 97) / 97, 'epoch': i // 1000})\n"
        "print(run.dir)\n"
        "run.finish()\n"
    )
    env = {**os.environ, "WANDB_SILENT": "true", "WANDB_MODE": "offline"}
    proc = subprocess.run(
        [sys.executable, "-c", script, str(root), str(steps)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return Path(proc.stdout.strip().splitlines()[-1]).parent
