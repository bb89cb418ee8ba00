"""``@wandb_init``: a W&B run around a Flyte task or a plain function (a sweep objective)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, TypeVar, overload

from flyte import AsyncFunctionTaskTemplate

from flyteplugins.wandb_context import RankScope, RunMode, get_wandb_context
from flyteplugins.wandb_context.internal import OnOutage, in_trace, keys, tab_wanted, task_context

from . import _misuse, _preempt
from ._compat import called_by_flyte, is_flyte_trace
from ._distributed import detect_distributed
from ._lineage import TaskIO, check_output_names
from ._links import add_wandb_links
from ._plan import RunPlan, plan_function_in_task, plan_outside_flyte, plan_task_run, with_report_tab
from ._settings import DecoratorOptions, resolve
from ._wrap import WRAPPED_MARKER, run_around

F = TypeVar("F", bound=Callable[..., Any])


@overload
def wandb_init(_func: F) -> F: ...


@overload
def wandb_init(
    _func: None = None,
    *,
    run_mode: RunMode | None = None,
    rank_scope: RankScope | None = None,
    download_logs: bool | None = None,
    project: str | None = None,
    entity: str | None = None,
    on_outage: OnOutage | None = None,
    outage_timeout: float | None = None,
    report: bool | None = None,
    report_interval: float | None = None,
    flyte_tags: bool | None = None,
    artifacts: bool | Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Callable[[F], F]: ...


def wandb_init(
    _func: F | None = None,
    *,
    run_mode: RunMode | None = None,
    rank_scope: RankScope | None = None,
    download_logs: bool | None = None,
    project: str | None = None,
    entity: str | None = None,
    on_outage: OnOutage | None = None,
    outage_timeout: float | None = None,
    report: bool | None = None,
    report_interval: float | None = None,
    flyte_tags: bool | None = None,
    artifacts: bool | Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> F | Callable[[F], F]:
    """Run a Flyte task (or a plain function, e.g. a sweep objective) inside a W&B run.

    Use it bare or with arguments, as the outermost decorator::

        @wandb_init(project="my-project")
        @env.task
        async def train() -> None:
            get_wandb_run().log({"loss": 0.1})

    Args:
        run_mode: ``"auto"`` (default: reuse the parent task's run, else create one), ``"new"``
            (always a new run) or ``"shared"`` (always the parent's run; error without one).
        rank_scope: in distributed training, ``"global"`` (default: one run for the job) or
            ``"worker"`` (one run per worker node).
        download_logs: export the run's files as a trace output after the run finished
            (``None``: the ``wandb_config(download_logs=...)`` value).
        project: W&B project (beats ``wandb_config``).
        entity: W&B entity (beats ``wandb_config``).
        on_outage: when W&B cannot be reached within ``outage_timeout`` seconds at the start:
            ``"offline"`` (default: train on with an offline run, kept as a Flyte output for
            ``flyte wandb sync``), ``"raise"``, or ``"disabled"``. A wrong API key or entity
            still raises.
        outage_timeout: seconds to wait for W&B before ``on_outage`` applies (default 30).
        report: ``True`` turns the task's Flyte report on and adds a "Weights & Biases" tab (links,
            state, summary, config, a chart per metric), live while the task runs; ``False`` leaves
            the tab out. Default: the tab appears when the task has ``report=True``.
        report_interval: seconds between refreshes of the tab while the task runs (default 10).
        flyte_tags: tag new runs ``flyte:project=<project>`` and ``flyte:domain=<domain>``
            (default ``True``).
        artifacts: which ``flyte.io.File``/``Dir`` outputs become W&B reference artifacts of the
            run (the data stays where Flyte stored it): ``True`` (default: every one, type
            ``dataset``), ``False`` (none, and inputs are not recorded as used), or a dict from
            output name (``o0``, a NamedTuple field) to ``False``, a type (``"model"``) or
            ``{"type": ..., "aliases": [...], "max_objects": N}``. Inputs that an upstream task
            logged are recorded as used.
        **kwargs: further ``wandb.init()`` arguments (``id``, ``name``, ``tags``, ``config``,
            ``group``, ``mode``, ``settings``, ...) and ``host`` for a self-hosted W&B server.
            They apply to this task only; use ``wandb_config`` to pass settings to children.

    Raises:
        ValueError: an invalid ``run_mode``/``rank_scope``/argument, or a ``flyte.trace``.
    """
    options = DecoratorOptions(
        run_mode=run_mode,
        rank_scope=rank_scope,
        download_logs=download_logs,
        project=project,
        entity=entity,
        on_outage=on_outage,
        outage_timeout=outage_timeout,
        report=report,
        report_interval=report_interval,
        flyte_tags=flyte_tags,
        artifacts=artifacts,
        kwargs=kwargs,
    )
    options.validate()

    def decorate(func: F) -> F:
        if isinstance(func, AsyncFunctionTaskTemplate):
            return _decorate_task(func, options)  # type: ignore[return-value]
        if not callable(func):
            raise ValueError(f"@wandb_init decorates Flyte tasks and functions, not {func!r}.")
        if is_flyte_trace(func):
            raise _misuse.trace_error(func)
        return _decorate_function(func, options)

    if _func is None:
        return decorate
    return decorate(_func)


def _decorate_task(task: AsyncFunctionTaskTemplate, options: DecoratorOptions) -> AsyncFunctionTaskTemplate:
    if getattr(task.func, WRAPPED_MARKER, False):
        raise ValueError(f"Task {task.name!r} is already decorated with @wandb_init; apply it once.")
    check_output_names(options.artifacts, task)
    task_name = task.name

    def planner(_caller: FrameType | None) -> RunPlan:
        tctx = task_context()
        context = get_wandb_context()
        settings = resolve(options, context, _parent_run_id())
        if tctx is None:
            return plan_outside_flyte(settings)
        plan = plan_task_run(settings, tctx, task_name, detect_distributed())
        return with_report_tab(plan) if tab_wanted(options.report, context, task.report) else plan

    # The task is changed in place rather than copied with override(): its TaskEnvironment
    # holds this very object, and deployment reads the links and body from there.
    add_wandb_links(task, options)
    if options.report:
        task.report = True
    task.func = run_around(task.func, planner, TaskIO.of(task))
    # Decoration happens on the main thread (at import), the only one that can take signals.
    _preempt.install()
    return task


def _decorate_function(func: F, options: DecoratorOptions) -> F:
    def planner(caller: FrameType | None) -> RunPlan:
        tctx = task_context()
        if tctx is None:
            return plan_outside_flyte(resolve(options, None))
        if in_trace():
            raise _misuse.nested_trace_error(func)
        if called_by_flyte(caller):
            raise _misuse.order_error(func)
        context = get_wandb_context()
        settings = resolve(options, context, _parent_run_id())
        return plan_function_in_task(settings, tctx, getattr(func, "__qualname__", repr(func)))

    return run_around(func, planner)


def _parent_run_id() -> str | None:
    tctx = task_context()
    if tctx is None or not tctx.custom_context:
        return None
    return tctx.custom_context.get(keys.RUN_ID_KEY)
