"""Scenarios 9 and 10: what the "Weights & Biases" report tab costs. Ours only (the reference
has no such tab). Each mode prints one JSON object.

    python report_tab.py throughput {off|on|default} ROWS
    python report_tab.py replay LOG
    python report_tab.py size STEPS

``throughput``: a local Flyte task under ``@wandb_init`` (offline) logs ROWS rows of 10 metrics;
the figure is the time per ``run.log`` call, timed inside the task. ``off``: ``report=False``;
``on``: the tab refreshed every second; ``default``: the default interval (10 s). The task is
sync, which Flyte runs on a worker thread (an ``async`` body that never awaits holds the event
loop that the report's flush runs on, and the tab would not refresh until the body returns).
Also noted: how often the tab changed while logging, the rows it showed at the end, the CPU its
thread used while logging as a share of the logging time (on a shared machine a steadier
measure of its cost than throughput), the whole task's time (the last render, after the body,
reads what the refreshes did not) and the run's record log.

``replay``: the tab's work for a finished run's record log, all at once (read, decode, feed,
render), per logged row.

``size``: the tab of a run with 10 metrics and STEPS steps, built by feeding a ``LiveRun``
synthetic history records (wandb's protobuf ``Record``, shaped as wandb-core writes them) in
batches of 10,000, then rendering it. Building the records is not timed; the summary records
wandb-core writes besides each row are left out (``replay`` counts them).
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
os.environ.setdefault("WANDB_DIR", tempfile.mkdtemp(prefix="bench-wandb-"))

METRICS = [f"{prefix}/m{i}" for prefix in ("train", "val") for i in range(5)]
TAB_THREAD = "flyte-wandb-report-tab"  # the name TabRefresher gives its thread
SAMPLE_EVERY = 200  # rows between two looks at the tab (a dict lookup)
BATCH = 10_000
_ROWS_SHOWN = re.compile(r"([\d,]+) rows? logged")


def _value(step: int, j: int) -> float:
    return math.sin(step / 1000 + j) + (5.0 if step % 99_991 == 7 * j else 0.0)  # a few spikes


def _tab_html(report: Any, name: str) -> str:
    tab = report.tabs.get(name)
    return tab.content[0] if tab is not None and tab.content else ""


def _tab_thread_cpu_s() -> float:
    """CPU seconds the tab's refresh thread has used so far (Linux ``/proc``; 0 without it)."""
    import threading

    for thread in threading.enumerate():
        if thread.name == TAB_THREAD and thread.native_id is not None:
            try:
                with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                return 0.0
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return 0.0


def throughput(mode: str, rows: int) -> dict:
    import flyte

    from flyteplugins.wandb import get_wandb_run, wandb_config, wandb_init
    from flyteplugins.wandb_artifacts.internal import TAB_NAME

    env = flyte.TaskEnvironment(name="bench_report_tab")
    options = {"off": {"report": False}, "on": {"report": True, "report_interval": 1.0}}
    options["default"] = {"report": True}

    @wandb_init(**options[mode])
    @env.task
    def log_rows(n: int) -> dict[str, str]:
        run = get_wandb_run()
        report = flyte.ctx().report
        run.log({name: 0.0 for name in METRICS})  # the first row opens the history
        seen, changes = _tab_html(report, TAB_NAME), 0
        tab_cpu = _tab_thread_cpu_s()
        start = time.perf_counter()
        for step in range(n):
            run.log({name: _value(step, j) for j, name in enumerate(METRICS)})
            if step % SAMPLE_EVERY == 0:
                html = _tab_html(report, TAB_NAME)
                if html is not seen:  # a refresh replaced it
                    seen, changes = html, changes + 1
        elapsed = time.perf_counter() - start
        tab_cpu = _tab_thread_cpu_s() - tab_cpu
        match = _ROWS_SHOWN.search(_tab_html(report, TAB_NAME))
        return {
            "elapsed_s": repr(elapsed),
            "tab_cpu_s": repr(tab_cpu),
            "refreshes": str(changes),
            "rows_shown": match.group(1).replace(",", "") if match else "0",
            "log": run.settings.sync_file,
        }

    flyte.init()
    context = dict(wandb_config(project="bench", entity="bench", mode="offline"))
    started = time.perf_counter()
    run = flyte.with_runcontext(mode="local", custom_context=context).run(log_rows, rows)
    result = run.outputs()[0]
    task_s = time.perf_counter() - started
    elapsed = float(result["elapsed_s"])
    return {
        "per_row_s": elapsed / rows,
        "rows_per_s": rows / elapsed,
        "task_s": task_s,
        "tab_cpu_share": float(result["tab_cpu_s"]) / elapsed,
        "refreshes": int(result["refreshes"]),
        "rows_shown": int(result["rows_shown"]),
        "rows": rows + 1,
        "log": result["log"],
    }


def replay(log: str) -> dict:
    from flyteplugins.wandb_artifacts.internal import LiveRun, RecordTail, run_tab_html

    started = time.perf_counter()
    tail, live, records = RecordTail(log), LiveRun(), 0
    while batch := tail.poll(BATCH):
        records += len(batch)
        live.feed(batch)
    html = run_tab_html(live, updated="2026-01-01 00:00:00 UTC", refresh_s=10)
    seconds = time.perf_counter() - started
    return {
        "per_row_s": seconds / max(live.rows, 1),
        "seconds": seconds,
        "rows": live.rows,
        "records": records,
        "kib": len(html.encode()) / 1024,
    }


def _history(step: int) -> Any:
    from wandb.proto.wandb_internal_pb2 import HistoryItem, HistoryRecord, HistoryStep, Record

    items = [HistoryItem(nested_key=[k], value_json=repr(_value(step, j))) for j, k in enumerate(METRICS)]
    items.append(HistoryItem(nested_key=["_timestamp"], value_json=repr(1.7e9 + step / 100)))
    items.append(HistoryItem(nested_key=["_runtime"], value_json=repr(step / 100)))
    items.append(HistoryItem(nested_key=["_step"], value_json=str(step)))
    return Record(history=HistoryRecord(item=items, step=HistoryStep(num=step)))


def size(steps: int) -> dict:
    from flyteplugins.wandb_artifacts.internal import LiveRun, run_tab_html

    live = LiveRun(run_id="bench-1m", project="bench", entity="bench")
    feed_s = 0.0
    for first in range(0, steps, BATCH):
        records = [_history(step) for step in range(first, min(steps, first + BATCH))]
        started = time.perf_counter()
        live.feed(records)
        feed_s += time.perf_counter() - started
    started = time.perf_counter()
    html = run_tab_html(
        live,
        links=[("W&B run", "https://wandb.ai/bench/bench/runs/bench-1m")],
        updated="2026-01-01 00:00:00 UTC",
        refresh_s=10,
    )
    render_s = time.perf_counter() - started
    return {
        "kib": len(html.encode()) / 1024,
        "build_s": feed_s + render_s,
        "feed_s": feed_s,
        "render_s": render_s,
        "charts": html.count('class="chart"'),
        "steps": live.rows,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    kind, arg = sys.argv[1], sys.argv[-1]
    if kind == "throughput":
        print(json.dumps(throughput(sys.argv[2], int(arg))))
    elif kind == "replay":
        print(json.dumps(replay(arg)))
    elif kind == "size":
        print(json.dumps(size(int(arg))))
    else:
        raise SystemExit(f"report_tab.py: unknown kind {kind!r}; use throughput, replay or size")
