"""The installed-package list W&B saves with every run, read once per state of the environment.

``wandb.init`` lists every installed distribution for the run's ``requirements.txt``,
re-reading each package's metadata every time: ~25 ms for 75 packages, ~50 ms for 120, more in
real training images or on a busy machine, for every run. While our ``wandb.init`` runs, the
SDK gets the list read by the first run instead, read again only when a directory on
``sys.path`` changed (a package was installed, upgraded or removed). The file W&B writes is
the same. The swap itself is in ``_compat.package_scan``: should a later SDK list packages
another way, runs simply start without the saving.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._compat import PackageScan, package_scan

PathsState = tuple[tuple[str, int], ...]

_lock = threading.Lock()
_listing: tuple[PathsState, list[Any]] | None = None


def _paths_state() -> PathsState:
    """Every ``sys.path`` entry with its modification time: installing or removing a package
    changes the time of the directory its metadata lives in."""
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            continue
    return tuple(state)


def _read_once(read: PackageScan) -> PackageScan:
    def working_set() -> list[Any]:
        global _listing
        state = _paths_state()
        with _lock:
            if _listing is None or _listing[0] != state:
                _listing = (state, list(read()))
            return list(_listing[1])

    return working_set


@contextmanager
def package_list_read_once() -> Iterator[None]:
    """Within the block, ``wandb.init`` reuses the package list of earlier runs.

    Callers hold the run-start lock, so blocks do not overlap; another thread calling the SDK
    function meanwhile gets the same list it would have read.
    """
    with package_scan(_read_once):
        yield
