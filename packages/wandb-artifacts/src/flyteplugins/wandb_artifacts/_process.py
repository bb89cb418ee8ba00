"""Whether a process of this host is still alive: the one rule for reaping what a dead
process left behind (download scratch directories here, trials of the local sweep engine)."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """False only when certainly no process ``pid`` runs on this host; True when one does or
    when it cannot be told (``pid <= 0`` names a process group, not a process; on Windows
    ``os.kill`` would terminate it instead of probing). A live process of another user is alive.
    """
    if pid <= 0 or os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # overflow: no process can have that pid
        return False
    except PermissionError:
        return True
    return True
