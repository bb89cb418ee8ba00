"""The errors for ``@wandb_init`` in the wrong place, so it fails loudly instead of doing
nothing (recognising the places is ``_compat``'s job: it needs Flyte's internals)."""

from __future__ import annotations

from typing import Any


def _name(func: Any) -> str:
    return getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)


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
