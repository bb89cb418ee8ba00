"""``flyte.Link`` implementations pointing at W&B runs, run groups and sweeps, and the one
resolver both render through: the host, entity, project and target a link points to for an
action. Values given to the link (by the decorator) beat values in the action's context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flyte import Link

from flyteplugins.wandb_context import RankScope, RunMode
from flyteplugins.wandb_context.internal import default_run_id, keys

from ._url import build_url, check_link_values, safe_host

_HOST = keys.HOST_KEY
_ENTITY = keys.ENTITY_KEY
_PROJECT = keys.PROJECT_KEY
_ID = keys.ID_KEY
_PARENT_RUN_ID = keys.RUN_ID_KEY
_RUN_MODE = keys.run_key("run_mode")
_RANK_SCOPE = keys.run_key("rank_scope")
_SWEEP_ENTITY = keys.sweep_key("entity")
_SWEEP_PROJECT = keys.sweep_key("project")
_SWEEP_ID = keys.SWEEP_ID_KEY


def link_url(
    link: Wandb | WandbSweep,
    run_name: str,
    project: str,
    domain: str,
    context: dict[str, str],
    parent_action_name: str,
    action_name: str,
    pod_name: str,
    **kwargs: Any,
) -> str:
    """``get_link`` of both links: the URL ``link`` points to for one action. The link's own
    values beat the context's; without an entity and a project it is the host alone."""
    # The Flyte UI renders every action's links: this is the links' get_link itself (no helper
    # call on the way) and a URL seen before is one cache lookup.
    sweep = link.__class__ is WandbSweep
    host = link.host or context.get(_HOST)
    if sweep:  # a sweep's own keys beat the run's
        entity = link.entity or context.get(_SWEEP_ENTITY) or context.get(_ENTITY)
        wb_project = link.project or context.get(_SWEEP_PROJECT) or context.get(_PROJECT)
    else:
        entity = link.entity or context.get(_ENTITY)
        wb_project = link.project or context.get(_PROJECT)
    if not entity or not wb_project:
        return safe_host(host)
    if sweep:
        sweep_id = link.id or context.get(_SWEEP_ID)
        if sweep_id:
            return build_url(host, entity, wb_project, "sweeps", sweep_id)
        return build_url(host, entity, wb_project, "sweeps")

    parent_id = context.get(_PARENT_RUN_ID)
    run_mode = link.run_mode or context.get(_RUN_MODE) or "auto"
    if not link.distributed:
        if parent_id and run_mode != "new":
            return build_url(host, entity, wb_project, "runs", parent_id)
        if run_mode == "shared":  # no parent run to share yet
            return build_url(host, entity, wb_project)
    run_id = link.id
    if not run_id:
        run_id = context.get(_ID)
        if run_id == parent_id:  # inherited from the parent's run: a new run cannot take it
            run_id = None
    if link.distributed:
        return _distributed_url(link, context, host, entity, wb_project, run_mode, run_id, run_name, action_name)
    if run_id:
        return build_url(host, entity, wb_project, "runs", run_id)
    return _default_run_url(host, entity, wb_project, run_name, action_name)


@lru_cache(maxsize=8192)
def _default_run_url(host: str | None, entity: str, project: str, run_name: str, action_name: str) -> str:
    # keyed on the parts: a hit builds no default_run_id string (a fresh one to hash) first
    return build_url(host, entity, project, "runs", default_run_id(run_name, action_name))


def _distributed_url(
    link: Wandb,
    context: dict[str, str],
    host: str | None,
    entity: str,
    project: str,
    run_mode: str,
    run_id: str | None,
    run_name: str,
    action_name: str,
) -> str:
    """The run (or, for ``run_mode="new"``, the run group) of a distributed task: one per
    worker node in multi-node ``worker`` scope."""
    target = run_id or default_run_id(run_name, action_name)
    rank_scope = link.rank_scope or context.get(_RANK_SCOPE) or "global"
    if link.worker_index is not None and rank_scope == "worker":
        target = f"{target}-worker-{link.worker_index}"
    return build_url(host, entity, project, "groups" if run_mode == "new" else "runs", target)


@dataclass
class Wandb(Link):
    """Link from a Flyte action to its W&B run (or run group, for ``run_mode="new"``
    distributed tasks).

    Args:
        host: W&B host; ``None`` uses ``wandb_host`` from the context, else https://wandb.ai.
            One given here must pass the host rule (``ValueError`` otherwise); an invalid
            ``wandb_host`` in the context falls back to https://wandb.ai.
        project: W&B project (beats ``wandb_project`` in the context).
        entity: W&B entity (beats ``wandb_entity`` in the context).
        run_mode: ``auto``, ``new`` or ``shared``, as given to ``@wandb_init``; ``None`` uses
            ``wandb_run_mode`` from the context, else ``auto``.
        rank_scope: ``global`` or ``worker``, for distributed tasks; ``None`` uses
            ``wandb_rank_scope`` from the context, else ``global``.
        id: W&B run id (beats ``wandb_id`` in the context). A ``wandb_id`` in the context that
            names the parent's run was inherited from it and is not taken by a new run.
        name: label of the link in the Flyte UI.
        distributed: set by ``@wandb_init`` for distributed (Elastic) tasks.
        worker_index: the worker this link is for, in multi-node ``worker`` scope.

    Raises:
        ValueError: a ``host`` that breaks the host rule, or a ``project``/``entity``/``id``
            that is ``.`` or ``..`` in any spelling.
    """

    host: str | None = None
    project: str | None = None
    entity: str | None = None
    run_mode: RunMode | None = None
    rank_scope: RankScope | None = None
    id: str | None = None
    name: str = "Weights & Biases"
    icon_uri: str | None = ""
    distributed: bool = field(default=False, kw_only=True)
    worker_index: int | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        check_link_values("Wandb", self.host, project=self.project, entity=self.entity, id=self.id)

    get_link = link_url


@dataclass
class WandbSweep(Link):
    """Link from a Flyte action to its W&B sweep, or to the project's sweeps page while the
    sweep id is not known yet.

    Args:
        host: W&B host; ``None`` uses ``wandb_host`` from the context, else https://wandb.ai.
        project: W&B project (beats ``wandb_sweep_project`` / ``wandb_project`` in the context).
        entity: W&B entity (beats ``wandb_sweep_entity`` / ``wandb_entity`` in the context).
        id: sweep id (beats ``_wandb_sweep_id`` in the context).
        name: label of the link in the Flyte UI.

    Raises:
        ValueError: as for :class:`Wandb`.
    """

    host: str | None = None
    project: str | None = None
    entity: str | None = None
    id: str | None = None
    name: str = "Weights & Biases Sweep"
    icon_uri: str | None = ""

    def __post_init__(self) -> None:
        check_link_values("WandbSweep", self.host, project=self.project, entity=self.entity, id=self.id)

    get_link = link_url
