"""Writing the running task's Flyte report file from the refresher's thread.

``flyte.report.flush()`` writes through Flyte's async storage, which waits on the task's own
event loop. A task body that trains in a blocking loop inside ``async def`` (the usual case)
keeps that loop busy, and a flush from another thread then never finishes. So the refresher
writes the same file itself, where Flyte puts it (``<output_path>/report.html``; a canary in
``tests/artifacts/test_compat_canaries.py`` checks the name), through the synchronous
filesystem ``flyte.storage`` configures for that path. A local file is replaced atomically:
a viewer never reads half a page.
"""

from __future__ import annotations

import os
import tempfile
import threading
from typing import Any

import flyte.storage

REPORT_FILE_NAME = "report.html"
_CONTENT_TYPE: dict[str, dict[str, str]] = {
    "s3": {"ContentType": "text/html"},
    "gs": {"content_type": "text/html"},
    "gcs": {"content_type": "text/html"},
}


def report_path(output_path: str) -> str:
    return f"{output_path.rstrip('/')}/{REPORT_FILE_NAME}"


def write_report(report: Any, output_path: str) -> str:
    """Render ``report`` (a ``flyte.report.Report``) and write it as the task's report file."""
    page = report.get_final_report()
    data = (page if isinstance(page, str) else getattr(page, "data", str(page))).encode("utf-8")
    path = report_path(output_path)
    fs = flyte.storage.get_underlying_filesystem(path=path)
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    if protocol in ("file", "local"):
        _replace_local(path.removeprefix("file://"), data)
    else:
        fs.pipe_file(path, data, **_CONTENT_TYPE.get(protocol, {}))
    return path


def _replace_local(path: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".report-{threading.get_ident()}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
