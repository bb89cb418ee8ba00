"""Each scenario: run its script under both interpreters, compare with its target."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import envs
import served
from harness import Measured, Row, alternate, ratio, run_script


def _both(py: envs.Pythons, repeats: int, script: str, ref_args: list[str], our_args: list[str], key: str):
    if py.self_test:  # one interpreter for both sides: run the script once
        result = run_script(py.ours, script, *our_args)
        return Measured([result[key]], extra=result), Measured([result[key]], extra=result)
    return alternate(
        repeats,
        lambda: run_script(py.reference, script, *ref_args),
        lambda: run_script(py.ours, script, *our_args),
        key,
    )


def import_time(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    ref, ours = _both(
        py,
        repeats,
        "import_time.py",
        ["flyteplugins.wandb"],
        ["flyteplugins.wandb_links"],
        "extra_s",
    )
    note = f"loads wandb: reference {ref.extra['wandb_imported']}, ours {ours.extra['wandb_imported']}"
    scenario = "UI-only import (extra over `import flyte`)"
    return Row(scenario, "s", ref, ours, ">= 50x less", ratio(ref, ours) >= 50, note)


def link_render(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    calls = "2000" if quick else "200000"
    ref, ours = _both(
        py,
        repeats,
        "link_render.py",
        ["flyteplugins.wandb", calls],
        ["flyteplugins.wandb_links", calls],
        "per_call_s",
    )
    note = f"{ours.extra['cases']} link/context cases; ours percent-encodes"
    scenario = "link rendering (per get_link call)"
    return Row(scenario, "s", ref, ours, "no slower", ratio(ref, ours) >= 1.0, note)


def _run_overhead(py: envs.Pythons, repeats: int, kind: str, n: str) -> tuple[Measured, Measured]:
    return _both(py, repeats, "run_overhead.py", [kind, n], [kind, n], "per_child_s")


_RUN_NOTE = "offline W&B, local Flyte run, minus undecorated children"


def run_reuse(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    n = "3" if quick else "50"
    ref, ours = _run_overhead(py, repeats, "reuse", n)
    scenario = f"run reuse overhead (per child, {n} children, auto mode)"
    met = ratio(ref, ours, on_median=True) >= 5
    return Row(scenario, "s", ref, ours, ">= 5x less", met, _RUN_NOTE, on_median=True)


def run_new(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    n = "2" if quick else "20"
    ref, ours = _run_overhead(py, repeats, "new", n)
    scenario = f"new-run overhead (per child, {n} children, run_mode=new)"
    return Row(
        scenario, "s", ref, ours, "no slower", ratio(ref, ours, True) >= 1.0, _RUN_NOTE, on_median=True
    )


def _downloads(python: str, info: dict, kind: str, repeats: int) -> tuple[Measured, list[Path]]:
    """Run the download ``repeats`` times into fresh folders; the figure is seconds."""
    outs: list[Path] = []
    results = []
    for _ in range(repeats):
        out = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-", dir=info["workdir"]))
        outs.append(out)
        results.append(run_script(python, "download.py", json.dumps(info), str(out), kind))
    return Measured([r["seconds"] for r in results], extra=results[-1]), outs


def _sweep_download(py: envs.Pythons, repeats: int, quick: bool, error_rate: float) -> tuple:
    runs, files = (3, 2) if quick else (20, 10)
    with served.test_server(runs=runs, files=files, latency=0.02, error_rate=error_rate) as info:
        ours, our_outs = _downloads(py.ours, info, "sweep", repeats)
        ref, ref_outs = (ours, our_outs) if py.self_test else _downloads(py.reference, info, "sweep", repeats)
        ref_files = [served.identical_files(info["expected"], out) for out in ref_outs]
        our_files = [served.identical_files(info["expected"], out) for out in our_outs]
    return ref, ours, ref_files, our_files, f"{runs} runs x {files} files"


def sweep_download(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    ref, ours, ref_files, our_files, size = _sweep_download(py, repeats, quick, 0.0)
    complete = all(same == total for same, total in our_files)
    note = (
        f"byte-identical files: reference {min(s for s, _ in ref_files)}/{ref_files[0][1]}, "
        f"ours {min(s for s, _ in our_files)}/{our_files[0][1]}"
    )
    scenario = f"sweep download ({size}, 20 ms latency)"
    return Row(scenario, "s", ref, ours, ">= 8x faster", ratio(ref, ours) >= 8 and complete, note)


def history_export(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    steps = 2000 if quick else 1_000_000
    reps = 1 if not quick else repeats
    with served.test_server(runs=0, history_steps=steps) as info:
        ours, our_outs = _downloads(py.ours, info, "run", reps)
        ref, ref_outs = (ours, our_outs) if py.self_test else _downloads(py.reference, info, "run", reps)
        ref_rows, our_rows = served.history_rows(ref_outs[0]), served.history_rows(our_outs[0])
    note = (
        f"rows written: reference {ref_rows}, ours {our_rows} of {steps}; peak RSS: reference "
        f"{ref.extra['peak_rss_mb']:.0f} MiB, ours {ours.extra['peak_rss_mb']:.0f} MiB"
    )
    scenario = f"history export ({steps:,} steps, from the server)"
    return Row(scenario, "s", ref, ours, "all rows", our_rows == steps, note)


def fault_tolerance(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    ref, ours, ref_files, our_files, size = _sweep_download(py, repeats, quick, 0.2)
    complete = all(same == total for same, total in our_files)
    note = (
        f"completed byte-identical files per attempt: reference {[s for s, _ in ref_files]}, "
        f"ours {[s for s, _ in our_files]} of {our_files[0][1]}; errors: reference "
        f"{ref.extra['error'] or 'none'}"
    )
    scenario = f"fault tolerance ({size}, 20 ms latency, 20% 5xx)"
    return Row(scenario, "s", ref, ours, "all files", complete, note)


def outage(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    """Each side once: the figures are timeouts, the same every time."""
    short = ["1"] if quick else []  # the reference ignores it
    ours_run = run_script(py.ours, "outage.py", *short)
    ref_run = ours_run if py.self_test else run_script(py.reference, "outage.py", *short)
    ref = Measured([ref_run["seconds"]], extra=ref_run)
    ours = Measured([ours_run["seconds"]], extra=ours_run)
    note = (
        f"reference: {ref.extra['failed'] or 'logged'}; ours: "
        f"{ours.extra['failed'] or 'logged'} ({ours.extra['mode']} run, default 30 s bound)"
    )
    met = ours.extra["failed"] is None and ours.extra["mode"] == "offline"
    scenario = "W&B unreachable: time to the first run.log"
    return Row(
        scenario,
        "s",
        ref,
        ours,
        "logs (offline), >= 2x sooner",
        met and (quick or ratio(ref, ours) >= 2),
        note,
    )


def report_tab_throughput(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    """Ours only: logging with the report tab off, on (1 s refresh) and on (10 s), in turns."""
    rows = "300" if quick else "50000"
    runs: dict[str, list[dict]] = {"off": [], "on": [], "default": []}
    for _ in range(1 if py.self_test else repeats):
        for mode, results in runs.items():
            if quick and mode == "default":  # the same code as "on": keep the self-test short
                results.append(runs["on"][-1])
                continue
            results.append(run_script(py.ours, "report_tab.py", "throughput", mode, rows))
    off, on, default = (Measured([r["per_row_s"] for r in runs[m]], extra=runs[m][-1]) for m in runs)
    tab_work = run_script(py.ours, "report_tab.py", "replay", runs["off"][-1]["log"])
    task_s = {m: min(r["task_s"] for r in results) for m, results in runs.items()}
    note = (
        f"{rows} rows x 10 metrics, offline, time per run.log; default 10 s refresh: "
        f"{ratio(off, default):.2f}x; refreshes while logging (1 s): {[r['refreshes'] for r in runs['on']]}, "
        f"CPU of the tab's thread while logging (1 s): "
        f"{', '.join(format(r['tab_cpu_share'], '.0%') for r in runs['on'])} of the logging time, "
        f"rows the tab showed when logging ended: {[r['rows_shown'] for r in runs['on']]} of {rows}; "
        f"whole task (min) off {task_s['off']:.1f} s, on {task_s['on']:.1f} s, "
        f"10 s {task_s['default']:.1f} s; "
        f"the tab's work per row (reading a finished run's log of {tab_work['records']:,} records, "
        f"feeding, rendering): {tab_work['per_row_s'] * 1e3:.2f} ms"
    )
    scenario = "report tab: logging throughput, tab on (1 s refresh) vs off"
    met = ratio(off, on) >= 0.9 and ratio(off, default) >= 0.9
    return Row(scenario, "s", off, on, ">= 0.9x", met, note, sides=("report off", "report on (1 s)"))


def report_tab_size(py: envs.Pythons, repeats: int, quick: bool) -> Row:
    """Ours only, once: the tab of a 10-metric run of 1,000,000 steps (synthetic records)."""
    steps = 2000 if quick else 1_000_000
    result = run_script(py.ours, "report_tab.py", "size", str(steps))
    note = (
        f"built in {result['build_s']:.1f} s (feeding {result['feed_s']:.1f} s, rendering "
        f"{result['render_s'] * 1e3:.0f} ms), peak RSS {result['peak_rss_mb']:.0f} MiB, "
        f"{result['charts']} charts; from synthetic history records (wandb's protobuf Record)"
    )
    scenario = f"report tab size ({steps:,} steps x 10 metrics)"
    met = result["kib"] < 300 and result["charts"] == 10 and result["steps"] == steps
    return Row(scenario, "KiB", None, Measured([result["kib"]], extra=result), "< 300 KiB", met, note)


SCENARIOS = {
    1: import_time,
    2: link_render,
    3: run_reuse,
    4: run_new,
    5: sweep_download,
    6: history_export,
    7: fault_tolerance,
    8: outage,
    9: report_tab_throughput,
    10: report_tab_size,
}
