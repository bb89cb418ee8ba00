"""What the Flyte context says about the run or sweep to download, and whether it is offline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyteplugins.wandb_context import get_wandb_context
from flyteplugins.wandb_context.internal import current_custom_context, hosts, keys, modes

from . import records


@dataclass(frozen=True)
class ContextSettings:
    """What a download takes from ``wandb_config(...)`` in the Flyte context: entity, project
    and the API URL of its host (each overridable per call), mode, the run directory (``dir=``)
    and the run's ``wandb.Settings`` (``wandb_settings``, read for its mode only).

    ``api_url`` is ``None`` for the SDK's default server (``WANDB_BASE_URL``, else the W&B cloud;
    also for the public wandb.ai). A named host beats ``WANDB_BASE_URL``, as it does for runs.
    ``from_context`` raises ``ValueError`` for a host that breaks the plugin's host rule, in every
    mode: the API key never goes to a server the user did not name."""

    entity: str | None = None
    project: str | None = None
    api_url: str | None = None
    mode: str | None = None
    wandb_dir: str | None = None
    wandb_settings: Any = None

    @classmethod
    def from_context(
        cls, entity: str | None = None, project: str | None = None, host: str | None = None
    ) -> ContextSettings:
        ctx = get_wandb_context()
        kwargs = (ctx.kwargs if ctx else None) or {}
        run_dir = kwargs.get("dir")
        return cls(
            entity=entity or (ctx.entity if ctx else None),
            project=project or (ctx.project if ctx else None),
            api_url=hosts.api_base_url(host or (ctx.host if ctx else None)),
            mode=ctx.mode if ctx else None,
            wandb_dir=run_dir if isinstance(run_dir, str) else None,
            wandb_settings=kwargs.get("settings"),
        )

    @property
    def offline_requested(self) -> bool:
        """No server may be contacted: the run's mode (the plugin's one mode rule, from
        ``wandb_config(mode=..., settings=...)``, else ``WANDB_MODE``) is offline or disabled.
        A download then exports the local run directory; a disabled run has none to export.

        Raises:
            ValueError: the mode is not one the W&B SDK accepts.
        """
        return modes.effective_mode(self.mode, self.wandb_settings) in modes.NO_SERVER_MODES


def context_run_id() -> str:
    run_id = current_custom_context().get(keys.RUN_ID_KEY)
    if not run_id:
        raise RuntimeError(
            "No run_id given and no active W&B run in the Flyte context: pass run_id=..., or call "
            "this from a task (or trace) under @wandb_init."
        )
    return run_id


def context_sweep_id() -> str:
    sweep_id = current_custom_context().get(keys.SWEEP_ID_KEY)
    if not sweep_id:
        raise RuntimeError(
            "No sweep_id given and no active W&B sweep in the Flyte context: pass sweep_id=..., or "
            "call this from a task under @wandb_sweep."
        )
    return sweep_id


def local_only_run(run_id: str, wandb_dir: str | None) -> bool:
    """True if the run exists here only as offline run directories (never synced from here)."""
    dirs = records.find_offline_run_dirs(run_id, wandb_dir)
    return bool(dirs) and all(d.name.startswith("offline-run-") for d in dirs)


def local_sweep_runs(sweep_id: str, wandb_dir: str | None) -> dict[str, list[Path]]:
    """Local run directories whose run record names ``sweep_id``, grouped by run id.

    A run belongs to the sweep if W&B's ``sweep_id`` field is the sweep id, or its group is:
    offline sweeps (wandb-sweeps' local engine) group their trials by sweep id, as the sweep
    exists on no server.
    """
    found: dict[str, list[Path]] = {}
    for run_id, run_dir in records.iter_local_runs(wandb_dir):
        try:
            header = records.read_run_header(run_dir)
        except (OSError, ValueError):
            continue
        if sweep_id in (header.sweep_id, header.group):
            found.setdefault(run_id, []).append(run_dir)
    return found
