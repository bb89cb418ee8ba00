"""``flyte.Link`` implementations pointing at W&B runs, run groups and sweeps, and the one
resolver both use: the host, entity, project and target a link points to for an action.
Values given to the link (by the decorator) beat values in the action's ``custom_context``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flyte import Link

from flyteplugins.wandb_context import RankScope, RunMode
from flyteplugins.wandb_context.internal import default_run_id, keys

from ._url import build_url, check_link_values, safe_host


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

    def get_link(
        self,
        run_name: str,
        project: str,
        domain: str,
        context: dict[str, str],
        parent_action_name: str,
        action_name: str,
        pod_name: str,
        **kwargs: Any,
    ) -> str:
        return resolve(self, context, run_name, action_name)


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

    def get_link(
        self,
        run_name: str,
        project: str,
        domain: str,
        context: dict[str, str],
        parent_action_name: str,
        action_name: str,
        pod_name: str,
        **kwargs: Any,
    ) -> str:
        return resolve(self, context, run_name, action_name)


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
_NO_CONTEXT: dict[str, str] = {}


def resolve(link: Wandb | WandbSweep, context: dict[str, str] | None, run_name: str, action_name: str) -> str:
    """The URL ``link`` points to for one action. The link's own values beat the context's;
    without an entity and a project it is the host alone. (The Flyte UI calls this for every
    action it shows: kept to plain lookups, the URL itself comes from a cache.)"""
    context = context or _NO_CONTEXT
    host = link.host or context.get(_HOST)
    if type(link) is WandbSweep:
        entity = link.entity or context.get(_SWEEP_ENTITY) or context.get(_ENTITY)
        project = link.project or context.get(_SWEEP_PROJECT) or context.get(_PROJECT)
    else:
        entity = link.entity or context.get(_ENTITY)
        project = link.project or context.get(_PROJECT)
    if not entity or not project:
        return safe_host(host)
    if type(link) is WandbSweep:
        sweep_id = link.id or context.get(_SWEEP_ID)
        return build_url(host, entity, project, "sweeps", sweep_id) if sweep_id else build_url(host, entity, project, "sweeps")

    parent_id = context.get(_PARENT_RUN_ID)
    run_mode = link.run_mode or context.get(_RUN_MODE) or "auto"
    if link.distributed:
        return _distributed_url(link, context, host, entity, project, parent_id, run_mode, run_name, action_name)
    if parent_id and run_mode != "new":
        return build_url(host, entity, project, "runs", parent_id)
    if run_mode == "shared":  # no parent run to share yet
        return build_url(host, entity, project)
    run_id = _own_id(link, context, parent_id)
    if run_id:
        return build_url(host, entity, project, "runs", run_id)
    return _default_run_url(host, entity, project, run_name, action_name)


def _own_id(link: Wandb, context: dict[str, str], parent_id: str | None) -> str | None:
    """The id the link's run was given, if any: the link's, else ``wandb_id`` from the context
    unless that names the parent's run (inherited from it: a new run cannot take it)."""
    if link.id:
        return link.id
    context_id = context.get(_ID)
    return None if context_id == parent_id else context_id


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
    parent_id: str | None,
    run_mode: str,
    run_name: str,
    action_name: str,
) -> str:
    """The run (or, for ``run_mode="new"``, the run group) of a distributed task: one per
    worker node in multi-node ``worker`` scope."""
    target = _own_id(link, context, parent_id) or default_run_id(run_name, action_name)
    rank_scope = link.rank_scope or context.get(_RANK_SCOPE) or "global"
    if link.worker_index is not None and rank_scope == "worker":
        target = f"{target}-worker-{link.worker_index}"
    return build_url(host, entity, project, "groups" if run_mode == "new" else "runs", target)
