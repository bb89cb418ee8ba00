"""Creating a sweep when a ``@wandb_sweep`` task starts: online with ``wandb.sweep``, offline
with the local engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flyte

from flyteplugins.wandb_context import get_wandb_sweep_context

from ._mode import is_offline
from ._project import project_entity

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
    """The sweep configuration in context plus the decorator's extras; project and entity by
    :func:`project_entity` (decorator arguments first)."""
    sweep_cfg = get_wandb_sweep_context()
    if sweep_cfg is None:
        raise RuntimeError(_NO_CONFIG.format(task=task_name))
    project, entity = project_entity(project, entity)
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
    from ._online import create_online_sweep

    return create_online_sweep(request.config, request.project, request.entity, request.prior_runs)
