"""Recognising ``@wandb_init`` in the wrong place, so it fails loudly instead of doing nothing."""

from __future__ import annotations

import os
from types import FrameType
from typing import Any

import flyte
import flyte._trace
from flyte._context import internal_ctx

_FLYTE_DIR = os.path.dirname(os.path.abspath(flyte.__file__)) + os.sep
_TRACE_FILE = os.path.abspath(flyte._trace.__file__)


def _name(func: Any) -> str:
    return getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)


def is_flyte_trace(func: Any) -> bool:
    """``flyte.trace`` returns one of its own wrapper functions."""
    code = getattr(func, "__code__", None)
    return code is not None and os.path.abspath(code.co_filename) == _TRACE_FILE


def in_trace() -> bool:
    return internal_ctx().is_in_trace()


def called_by_flyte(frame: FrameType | None) -> bool:
    """Whether the caller is Flyte's own runtime, i.e. the decorated function is a task body.

    User code calls a decorated helper from its task body; only a body that Flyte itself calls
    (because ``@env.task`` wrapped the decorated function) has a Flyte module as its caller.
    """
    return frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_FLYTE_DIR)


def trace_error(func: Any) -> ValueError:
    return ValueError(
        f"@wandb_init cannot decorate the trace {_name(func)!r}: a trace runs inside its task's W&B "
        f"run. Remove @wandb_init from the trace and call get_wandb_run() inside it to log to the "
        f"task's run."
    )


def nested_trace_error(func: Any) -> RuntimeError:
    return RuntimeError(
        f"{_name(func)!r} is decorated with @wandb_init and runs inside a flyte.trace. Traces use their "
        f"task's W&B run: remove @wandb_init and call get_wandb_run() inside the trace."
    )


def order_error(func: Any) -> RuntimeError:
    name = _name(func)
    return RuntimeError(
        f"@wandb_init is applied under @env.task on {name!r}, so it cannot see the task and would "
        f"not add its link. Make it the outermost decorator:\n\n"
        f"    @wandb_init\n    @env.task\n    def {name}(...): ..."
    )
