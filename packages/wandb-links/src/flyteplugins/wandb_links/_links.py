"""``flyte.Link`` implementations pointing at W&B runs, run groups and sweeps.

Values given to the link (by the decorator) beat values in the action's ``custom_context``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flyte import Link
from flyteplugins.wandb_context import keys
from flyteplugins.wandb_context._types import RankScope, RunMode

from ._url import build_url, safe_host


def default_run_id(run_name: str, action_name: str) -> str:
    """The run id a task's W&B run gets when none is given: ``{run_name}-{action_name}``."""
    return f"{run_name}-{action_name}"


def _pick(own: str | None, context: Mapping[str, str], key: str) -> str | None:
    return own or context.get(key) or None


@dataclass
class Wandb(Link):
    """Link from a Flyte action to its W&B run (or run group, for ``run_mode="new"``
    distributed tasks).

    Args:
        host: W&B host; ``None`` uses ``wandb_host`` from the context, else https://wandb.ai.
            Only http(s) hosts are used; anything else falls back to the default.
        project: W&B project (beats ``wandb_project`` in the context).
        entity: W&B entity (beats ``wandb_entity`` in the context).
        run_mode: ``auto``, ``new`` or ``shared``, as given to ``@wandb_init``.
        rank_scope: ``global`` or ``worker``, for distributed tasks.
        id: W&B run id (beats ``wandb_id`` in the context).
        name: label of the link in the Flyte UI.
        distributed: set by ``@wandb_init`` for distributed (Elastic) tasks.
        worker_index: the worker this link is for, in multi-node ``worker`` scope.
    """

    host: str | None = None
    project: str | None = None
    entity: str | None = None
    run_mode: RunMode = "auto"
    rank_scope: RankScope = "global"
    id: str | None = None
    name: str = "Weights & Biases"
    icon_uri: str | None = ""
    distributed: bool = field(default=False, kw_only=True)
    worker_index: int | None = field(default=None, kw_only=True)

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
        context = context or {}
        host = self.host or context.get(keys.HOST_KEY)
        wb_project = _pick(self.project, context, keys.PROJECT_KEY)
        wb_entity = _pick(self.entity, context, keys.ENTITY_KEY)
        if not wb_project or not wb_entity:
            return safe_host(host)
        given_id = _pick(self.id, context, keys.ID_KEY)
        own_id = given_id or default_run_id(run_name, action_name)
        if self.distributed:
            return self._distributed_link(host, wb_entity, wb_project, own_id)
        parent_id = context.get(keys.RUN_ID_KEY)
        if self.run_mode == "new":
            run_id = own_id
        elif parent_id:
            run_id = parent_id
        elif self.run_mode == "shared":
            return build_url(host, wb_entity, wb_project)
        else:
            run_id = own_id
        return build_url(host, wb_entity, wb_project, "runs", run_id)

    def _distributed_link(self, host: str | None, entity: str, project: str, base_id: str) -> str:
        target = base_id
        if self.worker_index is not None and self.rank_scope == "worker":
            target = f"{base_id}-worker-{self.worker_index}"
        kind = "groups" if self.run_mode == "new" else "runs"
        return build_url(host, entity, project, kind, target)


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
    """

    host: str | None = None
    project: str | None = None
    entity: str | None = None
    id: str | None = None
    name: str = "Weights & Biases Sweep"
    icon_uri: str | None = ""

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
        context = context or {}
        host = self.host or context.get(keys.HOST_KEY)
        wb_project = self.project or _pick(context.get(keys.sweep_key("project")), context, keys.PROJECT_KEY)
        wb_entity = self.entity or _pick(context.get(keys.sweep_key("entity")), context, keys.ENTITY_KEY)
        if not wb_project or not wb_entity:
            return safe_host(host)
        sweep_id = _pick(self.id, context, keys.SWEEP_ID_KEY)
        if sweep_id:
            return build_url(host, wb_entity, wb_project, "sweeps", sweep_id)
        return build_url(host, wb_entity, wb_project, "sweeps")
