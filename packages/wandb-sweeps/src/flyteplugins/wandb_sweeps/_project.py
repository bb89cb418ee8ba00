"""The project and entity a sweep lives in: the one precedence rule of the package."""

from __future__ import annotations

from flyteplugins.wandb_context import get_wandb_context, get_wandb_sweep_context


def project_entity(project: str | None, entity: str | None) -> tuple[str | None, str | None]:
    """``(project, entity)``: the arguments (a decorator's, a call's) beat
    ``wandb_sweep_config()``, which beats ``wandb_config()``; unset or empty is ``None``."""
    sweep_cfg = get_wandb_sweep_context()
    run_cfg = get_wandb_context()
    return (
        project or (sweep_cfg and sweep_cfg.project) or (run_cfg and run_cfg.project) or None,
        entity or (sweep_cfg and sweep_cfg.entity) or (run_cfg and run_cfg.entity) or None,
    )
