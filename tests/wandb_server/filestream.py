"""``POST /files/{entity}/{project}/{run}/file_stream``: how a live run reaches the server.

wandb-core batches everything a run produces into JSON bodies like::

    {"files": {"wandb-history.jsonl": {"offset": 12, "content": ["{\\"_step\\": 12, ...}", ...]},
               "wandb-summary.json": {"offset": 0, "content": ["{...whole summary...}"]},
               "wandb-events.jsonl": {"offset": 3, "content": ["{system metrics}"]},
               "output.log": {"offset": 40, "content": ["2024-01-01T00:00:00.000 line", ...]}},
     "uploaded": ["config.yaml", ...], "complete": true, "exitcode": 0, "preempting": false}

``offset`` is the line number the first content line goes to (earlier lines may be rewritten,
e.g. console lines overwritten by a carriage return). ``complete`` + ``exitcode`` end the run.
``preempting: true`` is what ``run.mark_preempting()`` sends (in the next POST, once): the run
reads "preempting" while live, and "preempted" if it then ends with a non-zero exit code or
goes silent (``schema.run_state``).
"""

from __future__ import annotations

import json
from typing import Any

from .storage import Run, Storage


def handle(
    storage: Storage, entity: str, project: str, run_name: str, body: dict[str, Any]
) -> dict[str, Any]:
    run, _ = storage.upsert_run(entity, project, run_name)
    run.beat()
    for name, chunk in (body.get("files") or {}).items():
        _apply_chunk(storage, run, name, int(chunk.get("offset", 0)), list(chunk.get("content") or []))
    if body.get("preempting"):
        run.preempting = True
        if run.state == "running":
            run.state = "preempting"
    if body.get("complete"):
        run.exitcode = int(body.get("exitcode") or 0)
        run.state = "finished" if run.exitcode == 0 else "preempted" if run.preempting else "failed"
    # The SDK reads ``exitcode`` (non-null asks it to stop) and optional rate ``limits``.
    return {"exitcode": None, "limits": {}}


def _apply_chunk(storage: Storage, run: Run, name: str, offset: int, content: list[str]) -> None:
    if name == "wandb-history.jsonl":
        run.history.put(offset, content)
    elif name == "wandb-events.jsonl":
        run.events.put(offset, content)
    elif name == "wandb-summary.json":
        if content:
            run.summary = json.loads(content[-1])
            storage.write_file(run, name, content[-1].encode())
    elif name == "output.log":
        # Kept as log lines; the SDK uploads the output.log *file* itself when the run ends.
        del run.log_lines[offset:]
        run.log_lines.extend(content)
    else:
        storage.write_file(run, name, "\n".join(content).encode())
