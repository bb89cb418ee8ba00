"""``seed_run``: put a run on the test server the way users do, through the real SDK online.

wandb-core batches ``run.log`` rows into a few file-stream requests, so the cost of a big
history is the SDK's per-call overhead (~150-400 µs per ``run.log``): 10k steps take 2-4 s,
100k steps 20-50 s on two shared cores (README.md). Read-side tests that only need a big
history can plant it with ``WandbServer.add_run`` in about a second.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import WandbServer


def default_row(step: int) -> dict[str, Any]:
    """The row ``seed_run(steps=N)`` logs at each step: deterministic and cheap to compare."""
    return {"loss": 1.0 / (step + 1), "epoch": step // 100, "acc": (step % 97) / 97}


def _settings(server: WandbServer, root: Path) -> Any:
    import wandb

    return wandb.Settings(
        base_url=server.base_url,
        api_key=server.api_key,
        mode="online",
        silent=True,
        root_dir=str(root),
        x_disable_stats=True,
        x_disable_machine_info=True,
        console="off",
    )


def seed_run(
    server: WandbServer,
    project: str,
    run_id: str,
    *,
    steps: int | Sequence[Mapping[str, Any]] = 0,
    files: Mapping[str, bytes] | None = None,
    summary: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    exit_code: int = 0,
    entity: str | None = None,
) -> list[dict[str, Any]]:
    """Logs a complete run online (init, log, save, summary, finish) and returns its rows.

    ``steps`` is a row count (rows from ``default_row``) or the rows themselves. ``files``
    maps run-relative names (``"ckpt/model.bin"``) to contents; they are written under
    ``server.storage_dir`` and uploaded with ``run.save``. Names ``run.save`` cannot carry
    (``../x``, absolute paths) belong in ``server.add_file`` instead.
    """
    import wandb

    rows = [default_row(i) for i in range(steps)] if isinstance(steps, int) else [dict(r) for r in steps]
    root = Path(server.storage_dir) / "seed" / run_id
    root.mkdir(parents=True, exist_ok=True)
    run = wandb.init(
        project=project,
        entity=entity or server.entity,
        id=run_id,
        config=dict(config or {}),
        dir=str(root),
        settings=_settings(server, root),
    )
    try:
        for row in rows:
            run.log(row)
        for name, data in (files or {}).items():
            _save_file(run, root / "files", name, data)
        for key, value in (summary or {}).items():
            run.summary[key] = value
    except BaseException:
        run.finish(exit_code=1)
        raise
    run.finish(exit_code=exit_code)
    return [{**row, "_step": i} for i, row in enumerate(rows)]


def _save_file(run: Any, base: Path, name: str, data: bytes) -> None:
    path = base / name
    if os.path.isabs(name) or not path.resolve().is_relative_to(base.resolve()):
        raise ValueError(f"seed_run files need run-relative names, got {name!r}; use server.add_file for it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    run.save(str(path), base_path=str(base), policy="now")
