"""The process that renders a run's tab: ``python -m flyteplugins.wandb_artifacts._tab.worker LOG``.

Reading a run's record log costs about a third of what logging it cost (W&B writes three
records per row). In the training process that work would hold the interpreter lock and slow
``run.log``; here it runs beside it, at the lowest CPU priority, so training keeps the cores
it needs. Requests are JSON lines on stdin (:meth:`RunView.render`'s keyword arguments); each
answer is the HTML's length as 8 ASCII hex digits, then the HTML as UTF-8. End of input ends it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys


def main(log_path: str) -> None:
    with contextlib.suppress(AttributeError, OSError):  # no nice() here, or not allowed: run as is
        os.nice(19)
    from .run_view import RunView

    view = RunView(log_path)
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        page = view.render(**json.loads(line)).encode("utf-8")
        out.write(b"%08x" % len(page) + page)
        out.flush()


if __name__ == "__main__":
    main(sys.argv[1])
