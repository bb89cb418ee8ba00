"""``wandb_config()`` / ``wandb_sweep_config()`` results: a ``custom_context`` mapping that is
also a context manager scoping the same keys over the calls inside a task."""

from __future__ import annotations

import warnings
from contextlib import ExitStack
from typing import Generic, TypeVar

from ._config import WandbConfig, WandbSweepConfig
from ._flyte_context import scoped_task_context

_T = TypeVar("_T", WandbConfig, WandbSweepConfig)


class ConfigScope(dict[str, str], Generic[_T]):
    """The ``custom_context`` keys of one config.

    Pass it to ``flyte.with_runcontext(custom_context=...)`` (alone or merged with ``**``), or use
    it as ``with wandb_config(...):`` inside a task to override those keys for the child calls in
    the block. Leaving the block restores exactly the keys that were there before.
    """

    def __init__(self, config: _T, factory_name: str) -> None:
        super().__init__(config.to_custom_context())
        self.config: _T = config
        self._factory_name = factory_name
        self._stacks: list[ExitStack] = []

    def __enter__(self) -> ConfigScope[_T]:
        stack = ExitStack()
        inside_task = stack.enter_context(scoped_task_context(set_keys=self))
        if not inside_task:
            warnings.warn(
                f"`with {self._factory_name}(...)` outside a "
                "Flyte task has no effect; pass it as flyte.with_runcontext(custom_context=...) instead.",
                stacklevel=2,
            )
        self._stacks.append(stack)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stacks.pop().close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"
