"""``flyte.Link`` implementations pointing at W&B runs, run groups and sweeps.

Values given to the link (by the decorator) beat values in the action's ``custom_context``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flyte import Link

from flyteplugins.wandb_context import keys
from flyteplugins.wandb_context._types import RankScope, RunMode

from ._url import SAFE_HOSTS, URLS, build_url, build_url_for, check_link_values, remember, safe_host


def default_run_id(run_name: str, action_name: str) -> str:
    """The run id a task's W&B run gets when none is given: ``{run_name}-{action_name}``."""
    return f"{run_name}-{action_name}"


# Module-level copies: get_link sits on the UI's hot path.
_HOST_KEY = keys.HOST_KEY
_PROJECT_KEY = keys.PROJECT_KEY
_ENTITY_KEY = keys.ENTITY_KEY
_ID_KEY = keys.ID_KEY
_RUN_ID_KEY = keys.RUN_ID_KEY
_SWEEP_ID_KEY = keys.SWEEP_ID_KEY
_RUN_MODE_KEY = keys.run_key("run_mode")
_RANK_SCOPE_KEY = keys.run_key("rank_scope")
_SWEEP_PROJECT_KEY = keys.sweep_key("project")
_SWEEP_ENTITY_KEY = keys.sweep_key("entity")


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
        # Written for speed: the Flyte UI renders this for every action it shows.
        if context:
            host = self.host or context.get(_HOST_KEY)
            wb_project = self.project or context.get(_PROJECT_KEY)
            wb_entity = self.entity or context.get(_ENTITY_KEY)
            parent_id = context.get(_RUN_ID_KEY)
            run_mode = self.run_mode or context.get(_RUN_MODE_KEY) or "auto"
        else:
            host, wb_project, wb_entity, parent_id = self.host, self.project, self.entity, None
            run_mode = self.run_mode or "auto"
        if not wb_project or not wb_entity:
            try:
                return SAFE_HOSTS[host]
            except KeyError:
                return safe_host(host)
        if self.distributed:
            own_id = self._given_id(context, parent_id) or f"{run_name}-{action_name}"
            rank_scope = self.rank_scope or (context or {}).get(_RANK_SCOPE_KEY) or "global"
            return _distributed_link(
                host, wb_entity, wb_project, own_id, run_mode, rank_scope, self.worker_index
            )
        if parent_id and run_mode != "new":
            key = (host, wb_entity, wb_project, "runs", parent_id)
        elif run_mode == "shared":
            key = (host, wb_entity, wb_project)
        else:
            run_id = self.id
            if not run_id and context:
                run_id = context.get(_ID_KEY)
                if run_id == parent_id:
                    run_id = None  # inherited from the parent's run: a new run cannot take it
            if not run_id:
                key = (host, wb_entity, wb_project, run_name, action_name)
                try:
                    return DEFAULT_RUN_URLS[key]
                except KeyError:
                    return _default_run_url(*key)
            key = (host, wb_entity, wb_project, "runs", run_id)
        # a cache hit by subscript: cheaper than .get() and no slower than an unescaped f-string
        try:
            return URLS[key]
        except KeyError:
            return build_url_for(key)

    def _given_id(self, context: dict[str, str] | None, parent_id: str | None) -> str | None:
        if self.id:
            return self.id
        context_id = context.get(_ID_KEY) if context else None
        # a context id naming the parent's run was inherited from it: a new run cannot take it
        return None if context_id == parent_id else context_id


# URLs of runs with the default id, by (host, entity, project, run_name, action_name): keyed on
# the parts so a hit needs no ``f"{run_name}-{action_name}"`` (a fresh string to hash and compare).
DEFAULT_RUN_URLS: dict[tuple[str | None, ...], str] = {}
_DEFAULT_RUN_URLS_MAX = 8192


def _default_run_url(host: str | None, entity: str, project: str, run_name: str, action_name: str) -> str:
    url = build_url(host, entity, project, "runs", default_run_id(run_name, action_name))
    return remember(
        DEFAULT_RUN_URLS, (host, entity, project, run_name, action_name), url, _DEFAULT_RUN_URLS_MAX
    )


def _distributed_link(
    host: str | None,
    entity: str,
    project: str,
    base_id: str,
    run_mode: str,
    rank_scope: str,
    worker_index: int | None,
) -> str:
    target = base_id
    if worker_index is not None and rank_scope == "worker":
        target = f"{base_id}-worker-{worker_index}"
    kind = "groups" if run_mode == "new" else "runs"
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
        if context:
            host = self.host or context.get(_HOST_KEY)
            wb_project = self.project or context.get(_SWEEP_PROJECT_KEY) or context.get(_PROJECT_KEY)
            wb_entity = self.entity or context.get(_SWEEP_ENTITY_KEY) or context.get(_ENTITY_KEY)
            sweep_id = self.id or context.get(_SWEEP_ID_KEY)
        else:
            host, wb_project, wb_entity, sweep_id = self.host, self.project, self.entity, self.id
        if not wb_project or not wb_entity:
            try:
                return SAFE_HOSTS[host]
            except KeyError:
                return safe_host(host)
        if sweep_id:
            key = (host, wb_entity, wb_project, "sweeps", sweep_id)
        else:
            key = (host, wb_entity, wb_project, "sweeps")
        try:
            return URLS[key]
        except KeyError:
            return build_url_for(key)
