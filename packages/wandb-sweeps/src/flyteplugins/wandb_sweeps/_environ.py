"""Process environment variables changed for one block and restored exactly afterwards.

The W&B SDK takes a sweep's settings from the environment (``wandb.agent`` hands each trial its
run id and parameters file that way, and exports the project and entity), so every change the
package makes to it is scoped with :func:`scoped_environ`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def scoped_environ(values: Mapping[str, str | None], restore: tuple[str, ...] = ()) -> Iterator[None]:
    """Set ``values`` (``None`` removes the variable) for the block; afterwards those variables
    and the ones named in ``restore`` (which the block's callee may change) are exactly as they
    were, also on exceptions."""
    names = (*values, *(name for name in restore if name not in values))
    saved = {name: os.environ.get(name) for name in names}
    try:
        for name, value in values.items():
            _put(name, value)
        yield
    finally:
        for name, value in saved.items():
            _put(name, value)


def _put(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
