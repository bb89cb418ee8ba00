"""Scenario 2: time per ``get_link`` call over a grid of realistic contexts.

``python link_render.py MODULE CALLS`` prints JSON; MODULE exports ``Wandb`` and ``WandbSweep``
with the documented constructor (ours: flyteplugins.wandb_links, reference: flyteplugins.wandb).
"""

from __future__ import annotations

import importlib
import itertools
import json
import sys
import time


def contexts() -> list[dict[str, str]]:
    grid = []
    hosts = [None, "https://wandb.ai", "https://wandb.corp.example/"]
    parents = [None, "parent-run-1", "run name/with?odd#chars"]
    projects = [("team", "vision"), ("my-team", "große projekt"), (None, None)]
    for host, parent, (entity, project) in itertools.product(hosts, parents, projects):
        ctx: dict[str, str] = {}
        if host:
            ctx["wandb_host"] = host
        if parent:
            ctx["_wandb_run_id"] = parent
            ctx["_wandb_sweep_id"] = "sweep42"
        if entity and project:
            ctx["wandb_entity"] = entity
            ctx["wandb_project"] = project
        grid.append(ctx)
    return grid


def links(module) -> list:
    made = [module.Wandb(run_mode=mode) for mode in ("auto", "new", "shared")]
    made.append(module.Wandb(project="p", entity="e", id="given"))
    made.append(module.WandbSweep())
    return made


CHUNKS = 10


def main(module_name: str, calls: int) -> None:
    """Renders the grid until ``calls`` calls, in ``CHUNKS`` timed chunks; the figure is the
    fastest chunk's time per call (as ``timeit`` does: a slower chunk measured the machine)."""
    module = importlib.import_module(module_name)
    cases = list(itertools.product(links(module), contexts()))
    per_chunk = max(1, calls // CHUNKS // len(cases))
    best = float("inf")
    for _ in range(CHUNKS):
        t0 = time.perf_counter()
        for _ in range(per_chunk):
            for link, ctx in cases:
                link.get_link("run-abc", "flytesnacks", "development", ctx, "a0", "action-7", "pod-1")
        best = min(best, (time.perf_counter() - t0) / (per_chunk * len(cases)))
    rendered = CHUNKS * per_chunk * len(cases)
    print(json.dumps({"per_call_s": best, "calls": rendered, "cases": len(cases)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
