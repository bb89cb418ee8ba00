"""Every touch of Flyte's private API in this package: reading and scoped overriding of the
running task's ``custom_context`` and task-local data, and the console URL of an action.
``tests/context/test_compat_canaries.py`` fails loudly when Flyte changes the shape used here.

Overrides swap the whole task context through Flyte's context variable, so leaving a scope
restores exactly the previous keys (also on exceptions) and concurrent children started with
``asyncio.gather`` each keep their own values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import flyte
from flyte._context import internal_ctx, root_context_var  # the only way to scope a task context

if TYPE_CHECKING:
    from flyte.models import TaskContext


def task_context() -> TaskContext | None:
    """The running task's context; ``None`` outside a task (``flyte.ctx()`` returns a falsy
    placeholder there instead)."""
    return internal_ctx().data.task_context


def in_trace() -> bool:
    """Whether the caller runs inside a ``flyte.trace``."""
    return internal_ctx().is_in_trace()


def current_custom_context() -> dict[str, str]:
    """A copy of the current ``custom_context`` (empty outside a task)."""
    tctx = flyte.ctx()
    if not tctx or not tctx.custom_context:
        return {}
    return dict(tctx.custom_context)


def task_data(key: str) -> Any:
    """A value from the current task's local data (``None`` outside a task)."""
    tctx = flyte.ctx()
    if not tctx or tctx.data is None:
        return None
    return tctx.data.get(key)


@contextmanager
def scoped_task_context(
    set_keys: Mapping[str, str] | None = None,
    remove_keys: Iterable[str] = (),
    data: Mapping[str, Any] | None = None,
) -> Iterator[bool]:
    """Within the block, the task's custom_context has ``set_keys`` and lacks ``remove_keys``,
    and its local data holds ``data``. Yields False (and changes nothing) outside a task."""
    ctx = internal_ctx()
    tctx = ctx.data.task_context
    if tctx is None:
        yield False
        return
    custom = {k: v for k, v in (tctx.custom_context or {}).items() if k not in set(remove_keys)}
    custom.update(set_keys or {})
    changes: dict[str, Any] = {"custom_context": custom}
    if data:
        changes["data"] = dict(data)
    # The token lives in this frame, not on a Context object as with `with ctx:`; the finally
    # restores the caller's context however the block ends (any BaseException, or close()).
    token = root_context_var.set(ctx.replace_task_context(tctx.replace(**changes)))
    try:
        yield True
    finally:
        root_context_var.reset(token)


def action_console_url(tctx: TaskContext) -> str | None:
    """The Flyte console URL of the running action, when Flyte knows its endpoint.

    A pod's ``flyte.init_in_cluster`` (and a ``flyte.init(endpoint=...)``) creates a client whose
    console builds the URL; a local run (``flyte.init()`` without an endpoint) has none: ``None``.
    """
    from flyte._initialize import _get_init_config  # the client's console is not public

    cfg = _get_init_config()
    client = getattr(cfg, "client", None) if cfg is not None else None
    action = tctx.action
    if client is None or not (action.project and action.domain and action.run_name and action.name):
        return None
    return client.console.action_url(
        project=action.project, domain=action.domain, run_name=action.run_name, action_name=action.name
    )
