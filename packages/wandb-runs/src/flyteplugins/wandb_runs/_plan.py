"""Which W&B run an invocation gets: create one, reuse a live one, join one as a secondary
writer, or (a rank that does not log) none. Pure decisions; nothing here talks to W&B."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from flyteplugins.wandb_context.internal import default_run_id, keys

from . import _registry
from ._compat import LOG_FLUSH_SETTING
from ._distributed import DistributedInfo, plan_rank
from ._settings import (
    ResolvedSettings,
    settings_value,
    shared_mode_kwargs,
    with_creator_defaults,
    with_settings,
    without_creator_settings,
)

if TYPE_CHECKING:
    from flyte.models import TaskContext

PlanKind = Literal["create", "reuse", "join", "skip"]


@dataclass(frozen=True)
class RunPlan:
    """``create``: a new run (or a resumed one after a retry); ``reuse``: the live run object of
    this process; ``join``: another process's run, as a labelled shared-mode secondary;
    ``skip``: no run (a distributed rank that does not log)."""

    kind: PlanKind
    settings: ResolvedSettings
    run_id: str | None = None
    init_kwargs: dict[str, Any] = field(default_factory=dict)
    in_flyte_task: bool = False
    download_after: bool = False
    parent_offline: bool = False
    """The parent's run fell back to offline during a W&B outage: this plan joins it offline."""
    report_tab: bool = False
    """Show the run in a "Weights & Biases" tab of the task's Flyte report."""

    @property
    def owns_writer(self) -> bool:
        """Whether this invocation started a W&B writer, and so must finish it."""
        return self.kind in ("create", "join")


def shared_mode_error(task_name: str) -> RuntimeError:
    return RuntimeError(
        f"Task {task_name!r} uses @wandb_init(run_mode='shared'), which joins its parent's W&B run, "
        f"but no parent run is active. Call it from a task decorated with @wandb_init, or use "
        f"run_mode='auto' (reuse a parent run if there is one) or run_mode='new'."
    )


def _reuse_or_join(settings: ResolvedSettings, tctx: TaskContext, parent_id: str, label: str) -> RunPlan:
    offline = (tctx.custom_context or {}).get(keys.RUN_OFFLINE_KEY) == parent_id
    if _registry.live_run(parent_id) is not None:
        return RunPlan("reuse", settings, parent_id, in_flyte_task=True, parent_offline=offline)
    kwargs = {**without_creator_settings(settings.init_kwargs), "id": parent_id}
    if offline:  # the parent's run exists only on its pod's disk: no server to join
        kwargs["mode"] = "offline"
    kwargs = shared_mode_kwargs(kwargs, primary=False, label=label)
    return RunPlan("join", settings, parent_id, kwargs, in_flyte_task=True, parent_offline=offline)


def _short_name(name: str) -> str:
    """``train`` for the task ``env.train`` (or the function ``Trainer.train``)."""
    return name.rpartition(".")[2]


def _init_kwargs_for_new_run(
    settings: ResolvedSettings, tctx: TaskContext, run_id: str, task_name: str, parent_id: str | None
) -> dict[str, Any]:
    """The ``wandb.init`` arguments of a run this task creates: its id, the creator defaults
    (origin, job type, tags, group under a parent run), and ``resume="allow"``."""
    kwargs = with_creator_defaults(
        {**settings.init_kwargs, "id": run_id}, tctx, settings, _short_name(task_name), parent_id
    )
    # A retried attempt of the action derives the same id and continues that run.
    kwargs.setdefault("resume", "allow")
    return kwargs


def plan_task_run(
    settings: ResolvedSettings, tctx: TaskContext, task_name: str, dist: DistributedInfo | None
) -> RunPlan:
    """The DESIGN run-mode table (or, under torchrun, the distributed table) for a task body."""
    if dist is not None:
        return _plan_rank(settings, tctx, dist, task_name)
    parent_id = (tctx.custom_context or {}).get(keys.RUN_ID_KEY)
    if settings.run_mode == "shared" and not parent_id:
        raise shared_mode_error(task_name)
    if parent_id and settings.run_mode in ("auto", "shared"):
        return _reuse_or_join(settings, tctx, parent_id, tctx.action.name)
    run_id = settings.explicit_id or default_run_id(tctx.action.run_name or "", tctx.action.name)
    kwargs = _init_kwargs_for_new_run(settings, tctx, run_id, task_name, parent_id)
    if tctx.mode != "local":
        # Children run in their own pods and join this run as secondaries.
        kwargs = shared_mode_kwargs(kwargs, primary=True, label=tctx.action.name)
    return RunPlan("create", settings, run_id, kwargs, True, download_after=settings.download_logs)


def _plan_rank(
    settings: ResolvedSettings, tctx: TaskContext, dist: DistributedInfo, task_name: str
) -> RunPlan:
    base_id = settings.explicit_id or default_run_id(tctx.action.run_name or "", tctx.action.name)
    rank = plan_rank(settings.run_mode, settings.rank_scope, dist, base_id)
    if not rank.logs or rank.run_id is None:
        return RunPlan("skip", settings, in_flyte_task=True)
    if rank.shared is not None and not rank.shared.primary:
        kwargs = {**without_creator_settings(settings.init_kwargs), "id": rank.run_id}
        kwargs = shared_mode_kwargs(kwargs, primary=False, label=rank.shared.label)
        return RunPlan("join", settings, rank.run_id, kwargs, in_flyte_task=True)
    # A distributed job groups its runs by its own rules (DESIGN), not under a parent run.
    kwargs = _init_kwargs_for_new_run(settings, tctx, rank.run_id, task_name, None)
    if rank.group is not None:
        kwargs.setdefault("group", rank.group)
    if rank.shared is not None:
        kwargs = shared_mode_kwargs(kwargs, primary=True, label=rank.shared.label)
    download = settings.download_logs and dist.rank == 0
    return RunPlan("create", settings, rank.run_id, kwargs, True, download_after=download)


def in_sweep_trial() -> bool:
    """``wandb.agent`` announces an online trial's sweep in the environment. The offline agent
    does not (the sweep id is unknown to any server, and ``wandb sync`` would refuse the run);
    its objectives run outside a Flyte task, where every run is a new one anyway."""
    return bool(os.environ.get("WANDB_SWEEP_ID"))


def plan_function_in_task(settings: ResolvedSettings, tctx: TaskContext, func_name: str) -> RunPlan:
    """A decorated plain function called from a task body: it shares the task's run like a child
    would, or (``new``, or a sweep trial) gets its own run with a W&B-chosen id."""
    parent_id = (tctx.custom_context or {}).get(keys.RUN_ID_KEY)
    if not in_sweep_trial():
        if settings.run_mode == "shared" and not parent_id:
            raise shared_mode_error(func_name)
        if parent_id and settings.run_mode in ("auto", "shared"):
            return _reuse_or_join(settings, tctx, parent_id, tctx.action.name)
    kwargs = with_creator_defaults(
        dict(settings.init_kwargs), tctx, settings, _short_name(func_name), parent_id
    )
    if settings.explicit_id:
        kwargs["id"] = settings.explicit_id
    return RunPlan("create", settings, settings.explicit_id, kwargs, in_flyte_task=True)


def plan_outside_flyte(settings: ResolvedSettings) -> RunPlan:
    """No Flyte context (a sweep objective run by ``wandb.agent``, a task body called as a plain
    function): a plain ``wandb.init`` with the decorator's settings."""
    kwargs = dict(settings.init_kwargs)
    if settings.explicit_id:
        kwargs["id"] = settings.explicit_id
    return RunPlan("create", settings, settings.explicit_id, kwargs)


def with_report_tab(plan: RunPlan) -> RunPlan:
    """``plan`` with the report tab on. A run this plan starts writes its record log at least
    every ``report_interval`` seconds (unless the user set how often), so the tab is live."""
    kwargs = plan.init_kwargs
    if plan.owns_writer and settings_value(kwargs.get("settings"), LOG_FLUSH_SETTING) is None:
        interval = plan.settings.report_interval
        kwargs = {
            **kwargs,
            "settings": with_settings(kwargs.get("settings"), **{LOG_FLUSH_SETTING: interval}),
        }
    return dataclasses.replace(plan, report_tab=True, init_kwargs=kwargs)
