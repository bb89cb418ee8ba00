"""``@wandb_sweep``: a Flyte task that creates (or joins) a W&B sweep when it starts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, TypeVar, overload

from flyte import AsyncFunctionTaskTemplate

from flyteplugins.wandb_context import get_wandb_context, get_wandb_sweep_context
from flyteplugins.wandb_context.internal import (
    current_custom_context,
    keys,
    scoped_task_context,
    tab_interval,
    tab_wanted,
    validation,
)

from ._agents_count import note_agent_launched
from ._create import SweepRequest, create_sweep, resolve_request
from ._router import route_wandb_agent

T = TypeVar("T", bound=AsyncFunctionTaskTemplate)

_MARKER = "_flyteplugins_wandb_sweep"

if TYPE_CHECKING:
    from flyteplugins.wandb_artifacts.internal import TabRefresher


def get_wandb_sweep_id() -> str | None:
    """The id of the sweep of the current ``@wandb_sweep`` task (or of its parent sweep task);
    ``None`` outside one."""
    return current_custom_context().get(keys.SWEEP_ID_KEY)


@overload
def wandb_sweep(_func: T) -> T: ...
@overload
def wandb_sweep(
    _func: None = None,
    *,
    project: str | None = None,
    entity: str | None = None,
    download_logs: bool | None = None,
    route_wandb_agent: bool = True,
    report: bool | None = None,
    **kwargs: Any,
) -> Callable[[T], T]: ...
def wandb_sweep(
    _func: T | None = None,
    *,
    project: str | None = None,
    entity: str | None = None,
    download_logs: bool | None = None,
    route_wandb_agent: bool = True,
    report: bool | None = None,
    **kwargs: Any,
) -> T | Callable[[T], T]:
    """Create a W&B sweep when the task starts and make its id available to the task and its
    children (``get_wandb_sweep_id()``); put it outermost, over ``@env.task``.

    The sweep configuration comes from ``wandb_sweep_config(...)`` in the Flyte context;
    ``project``/``entity`` here beat the sweep config, which beats ``wandb_config()``. Extra
    keyword arguments are added to the sweep configuration (``early_terminate=...``,
    ``name=...``) except ``prior_runs``, which is passed to ``wandb.sweep``. A task that finds
    a sweep id in its context (an agent task called by the sweep task) joins that sweep.

    Offline (``wandb_config(mode="offline")`` or ``WANDB_MODE=offline``) the sweep is created
    on this machine and run by W&B's sweep engine locally. While the task body runs,
    ``wandb.agent(sweep_id, function=...)`` called from it is served by :func:`run_sweep_agent`
    (offline engine, ``async def`` objectives, the context's host and project);
    ``route_wandb_agent=False`` leaves ``wandb.agent`` to the SDK in this task.

    ``download_logs=True`` (or ``wandb_sweep_config(download_logs=True)`` for the task that
    creates the sweep) downloads every run of the sweep after the task, as a trace output.

    ``report=True`` turns the task's Flyte report on and adds a "Weights & Biases" tab: the
    sweep's link, its leaderboard (best first) and its metric by trial with the best so far,
    refreshed while the agents run (``wandb_config(report_interval=...)``, default 10 s).
    ``False`` leaves the tab out; by default it appears when the task has ``report=True``.
    """

    def decorate(task: T) -> T:
        if not isinstance(task, AsyncFunctionTaskTemplate):
            raise RuntimeError(
                f"@wandb_sweep can only decorate a Flyte task, got {task!r}. Put it outermost, "
                "above @env.task:\n    @wandb_sweep\n    @env.task\n    async def my_sweep(): ..."
            )
        _check_json(kwargs)
        if not isinstance(route_wandb_agent, bool):
            raise TypeError(
                f"@wandb_sweep(route_wandb_agent=...) must be True or False, got {route_wandb_agent!r}."
            )
        validation.check_optional_bool("report", report, "@wandb_sweep")
        if report:
            task.report = True
        return _wrap(task, project, entity, download_logs, route_wandb_agent, kwargs, report)

    if _func is None:
        return decorate
    return decorate(_func)


def _wrap(
    task: T,
    project: str | None,
    entity: str | None,
    download_logs: bool | None,
    route_agent: bool,
    extra: dict[str, Any],
    report: bool | None = None,
) -> T:
    from flyteplugins.wandb_links import WandbSweep

    if getattr(task, _MARKER, False):
        raise ValueError(f"Task {task.name!r} is already decorated with @wandb_sweep; apply it once.")
    inner_execute = task.execute
    task_name = task.name

    async def execute(*args: Any, **kwargs: Any) -> Any:
        with _sweep_scope(task_name, project, entity, extra, route_agent) as (sweep_id, created):
            tab = await asyncio.to_thread(_start_tab, task, report, sweep_id, created, project, entity)
            try:
                result = await inner_execute(*args, **kwargs)
            finally:
                if tab is not None:
                    await asyncio.to_thread(tab.close)
        if _should_download(download_logs, created):
            from flyteplugins.wandb_artifacts import download_wandb_sweep_logs

            await download_wandb_sweep_logs(sweep_id)
        return result

    # Changed in place, not copied with override(): the task's TaskEnvironment holds this very
    # object, and deployment reads the links from there.
    task.links = (*task.links, WandbSweep(project=project, entity=entity))
    task.execute = execute  # type: ignore[method-assign]
    setattr(task, _MARKER, True)
    return task


def _start_tab(
    task: Any, report: bool | None, sweep_id: str, created: bool, project: str | None, entity: str | None
) -> TabRefresher | None:
    """The sweep's report tab, for the task that created the sweep (agent tasks run its trials)."""
    context = get_wandb_context()
    if not (created and tab_wanted(report, context, task.report)):
        return None
    from ._report_tab import start_sweep_tab  # imports _results, which imports this module

    return start_sweep_tab(sweep_id, project, entity, tab_interval(None, context))


@contextmanager
def _sweep_scope(
    task_name: str, project: str | None, entity: str | None, extra: dict[str, Any], route_agent: bool
) -> Iterator[tuple[str, bool]]:
    """The sweep id in ``custom_context`` (for children and links) for the task's duration, and
    its ``wandb.agent`` calls routed (unless opted out)."""
    routing = route_wandb_agent() if route_agent else nullcontext()
    existing = get_wandb_sweep_id()
    if existing:
        note_agent_launched(existing, task_name)
        with routing:
            yield existing, False
        return
    request = resolve_request(task_name, project, entity, extra)
    sweep_id = create_sweep(request)
    with scoped_task_context(set_keys=_child_keys(sweep_id, request)), routing:
        yield sweep_id, True


def _child_keys(sweep_id: str, request: SweepRequest) -> dict[str, str]:
    """The sweep id, plus the project/entity the sweep was created in when the sweep config in
    context does not say so already (e.g. they came from the decorator): agents find the sweep."""
    out = {keys.SWEEP_ID_KEY: sweep_id}
    in_context = get_wandb_sweep_context()
    for field_name in ("project", "entity"):
        value = getattr(request, field_name)
        if value and (in_context is None or getattr(in_context, field_name) != value):
            out[keys.sweep_key(field_name)] = value
    return out


def _should_download(download_logs: bool | None, created: bool) -> bool:
    if download_logs is not None:
        return download_logs
    config = get_wandb_sweep_context()
    return bool(created and config is not None and config.download_logs)


def _check_json(extra: dict[str, Any]) -> None:
    """Extra keyword arguments go into the sweep configuration W&B stores and shows: plain JSON
    values only, and no secret-named field (the context package's rule)."""
    validation.check_plain_values(
        extra, "@wandb_sweep", stored_in="the W&B sweep configuration (shown in the W&B UI)"
    )
