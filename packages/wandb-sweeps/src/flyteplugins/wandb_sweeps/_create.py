"""Creating a sweep when a ``@wandb_sweep`` task starts: online with ``wandb.sweep``, offline
with the local engine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import flyte

from flyteplugins.wandb_context import get_wandb_context, get_wandb_sweep_context

from ._mode import is_offline

_NO_CONFIG = (
    "@wandb_sweep task {task!r} found no sweep configuration in its Flyte context. Pass one "
    "with the run, e.g.\n"
    "    flyte.with_runcontext(custom_context=wandb_sweep_config(\n"
    "        method='random', metric={{'name': 'loss', 'goal': 'minimize'}},\n"
    "        parameters={{'lr': {{'min': 1e-4, 'max': 1e-1}}}},\n"
    "    )).run({task}, ...)\n"
    "or call the task inside `with wandb_sweep_config(...):` in a parent task."
)


@dataclass(frozen=True)
class SweepRequest:
    """Everything ``wandb.sweep`` needs, resolved from the decorator and the context."""

    config: dict[str, Any]
    project: str | None
    entity: str | None
    prior_runs: list[str]


def resolve_request(
    task_name: str, project: str | None, entity: str | None, extra: dict[str, Any]
) -> SweepRequest:
    """Decorator arguments beat ``wandb_sweep_config()``, which beats ``wandb_config()``."""
    sweep_cfg = get_wandb_sweep_context()
    if sweep_cfg is None:
        raise RuntimeError(_NO_CONFIG.format(task=task_name))
    run_cfg = get_wandb_context()
    project = project or sweep_cfg.project or (run_cfg.project if run_cfg else None)
    entity = entity or sweep_cfg.entity or (run_cfg.entity if run_cfg else None)
    extra = dict(extra)
    prior_runs = extra.pop("prior_runs", None) or sweep_cfg.prior_runs or []
    config = {k: v for k, v in sweep_cfg.to_sweep_dict().items() if k not in ("project", "entity")}
    config.update(extra)
    if not config.get("name"):
        config["name"] = _default_name()
    return SweepRequest(config=config, project=project, entity=entity, prior_runs=list(prior_runs))


def _default_name() -> str:
    ctx = flyte.ctx()
    if ctx is None:
        return "flyte-sweep"
    return f"{ctx.action.run_name}-{ctx.action.name}"


def create_sweep(request: SweepRequest) -> str:
    if is_offline():
        from ._local import create_local_sweep

        return create_local_sweep(request.config, request.project, request.entity, request.prior_runs)
    return _create_online(request)


def _create_online(request: SweepRequest) -> str:
    import wandb

    if not request.project:
        raise ValueError(
            "Creating a W&B sweep needs a project, so that agents can find it: set "
            "@wandb_sweep(project=...), wandb_sweep_config(project=...) or wandb_config(project=...)."
        )
    with _restored_env("WANDB_PROJECT", "WANDB_ENTITY"):  # wandb.sweep exports both process-wide
        return wandb.sweep(
            sweep=dict(request.config),
            entity=request.entity,
            project=request.project,
            prior_runs=request.prior_runs or None,
        )


@contextmanager
def _restored_env(*names: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
