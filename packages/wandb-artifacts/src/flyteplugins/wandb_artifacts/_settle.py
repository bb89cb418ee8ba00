"""Waiting for a just-finished offline run to reach the disk.

``run.finish()`` returns before wandb-core has flushed and closed the run's ``.wandb`` log, so
an export right after it (``download_logs=True``) could see a stale file. A finished log ends
with the run's exit record; while that is missing and some process still has the log open for
writing, we wait (bounded). A crashed run has no writer left and is exported at once.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from ._compat import parse_record
from ._errors import UndecodableRecordError
from ._logfile import last_record_payload

DEFAULT_SETTLE_TIMEOUT_S = 15.0
_POLL_S = 0.05


def wait_until_settled(log: Path, timeout_s: float = DEFAULT_SETTLE_TIMEOUT_S) -> bool:
    """True once ``log`` ends with an exit record or nobody writes it; False on timeout
    (``timeout_s=0`` checks once)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if ends_with_exit(log) or not has_writer(log):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)


def ends_with_exit(log: Path) -> bool:
    payload = last_record_payload(log)
    if payload is None:
        return False
    try:
        return parse_record(payload).WhichOneof("record_type") == "exit"
    except UndecodableRecordError:
        return False


def has_writer(path: Path) -> bool:
    """Whether any process has ``path`` open for writing (Linux ``/proc``; False elsewhere)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return False
    target = os.path.realpath(path)
    for pid in os.listdir(proc):
        if not pid.isdigit():
            continue
        fd_dir = proc / pid / "fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            link = fd_dir / fd
            try:
                if os.readlink(link) == target and os.lstat(link).st_mode & stat.S_IWUSR:
                    return True
            except OSError:
                continue
    return False
