"""Sweeps as W&B's server runs them: ``upsertSweep`` stores the config, each agent
``agentHeartbeat`` gets the next command from the ``sweeps`` engine (the same library W&B's
controller uses): ``run`` with parameters, ``stop`` for early-terminated runs, ``exit`` when the
search space or ``run_cap`` is exhausted.

Command shapes the agent (wandb/agents/pyagent.py) reads::

    {"type": "run", "run_id": "ab12cd34", "program": "...", "args": {"lr": {"value": 0.1}}}
    {"type": "stop", "run_id": "ab12cd34"}
    {"type": "exit"}
"""

from __future__ import annotations

import json
import random
import string
from typing import TYPE_CHECKING, Any

import yaml

from .storage import Agent, Run, Sweep

if TYPE_CHECKING:
    from .server import WandbServer

_ALPHABET = string.ascii_lowercase + string.digits


def _new_name(taken: set[str]) -> str:
    while True:
        name = "".join(random.choices(_ALPHABET, k=8))
        if name not in taken:
            return name


def _engine() -> Any:
    import sweeps  # imported lazily: it pulls numpy/scipy, and server start must stay fast

    if not hasattr(sweeps, "next_run"):
        raise RuntimeError(f"'import sweeps' found {sweeps!r}, not the sweeps engine package")
    return sweeps


def upsert(server: WandbServer, fields: dict[str, Any]) -> tuple[Sweep, list[str]]:
    """Creates a sweep (no ``id``) or updates one's state/config (``id`` = its id or name)."""
    storage = server.storage
    if fields.get("id"):
        sweep = storage.sweep_by_id(fields["id"])
        if sweep is None:
            raise ValueError(f"upsertSweep: no sweep with id {fields['id']!r}")
        if fields.get("state"):
            sweep.state = fields["state"].upper()
        if fields.get("config"):
            sweep.config_yaml, sweep.config = fields["config"], yaml.safe_load(fields["config"])
        return sweep, []
    config_yaml = fields.get("config") or ""
    config = yaml.safe_load(config_yaml) or {}
    if not isinstance(config, dict) or "method" not in config or "parameters" not in config:
        raise ValueError("upsertSweep: the sweep config needs 'method' and 'parameters'")
    warnings = _engine().schema_violations_from_proposed_config(config)
    entity = fields.get("entityName") or server.entity
    project = fields.get("projectName") or "uncategorized"
    taken = {name for _, _, name in storage.sweeps}
    sweep = Sweep(entity, project, _new_name(taken), config_yaml, config)
    sweep.display_name = fields.get("displayName") or config.get("name")
    sweep.description = fields.get("description")
    if fields.get("state"):
        sweep.state = fields["state"].upper()
    storage.add_sweep(sweep)
    return sweep, warnings


def _as_sweep_run(server: WandbServer, run: Run) -> Any:
    from .schema import run_state

    state = run_state(server, run)
    return _engine().SweepRun(
        name=run.name,
        state=state if state != "preempting" else "running",
        config={k: v for k, v in run.config.items() if k != "_wandb"},
        summaryMetrics=run.summary,
        history=[json.loads(line) for line in run.history.lines[-1000:]],
        exitcode=run.exitcode,
    )


def _stop_commands(server: WandbServer, sweep: Sweep, busy: list[str]) -> list[dict[str, Any]]:
    if "early_terminate" not in sweep.config or not busy:
        return []
    runs = [_as_sweep_run(server, r) for r in server.storage.sweep_runs(sweep)]
    to_stop = _engine().stop_runs(sweep.config, runs)
    return [{"type": "stop", "run_id": r.name} for r in to_stop if r.name in busy]


def heartbeat(server: WandbServer, agent: Agent, run_states: dict[str, Any]) -> list[dict[str, Any]]:
    """The commands for one agent heartbeat; ``run_states`` maps its live run ids to True."""
    agent.heartbeats += 1
    sweep = agent.sweep
    for run_id in run_states:
        run = server.storage.run(sweep.entity, sweep.project, run_id)
        if run is not None:
            run.beat()
    if sweep.state in ("FINISHED", "CANCELED", "CANCELLED"):
        return [{"type": "exit"}]
    busy = [run_id for run_id, live in run_states.items() if live]
    if sweep.state == "PAUSED" or busy:
        return _stop_commands(server, sweep, busy)
    runs = server.storage.sweep_runs(sweep)
    cap = sweep.config.get("run_cap")
    if cap is not None and len(runs) >= int(cap):
        sweep.state = "FINISHED"
        return [{"type": "exit"}]
    suggestion = _engine().next_run(sweep.config, [_as_sweep_run(server, r) for r in runs])
    if suggestion is None:
        sweep.state = "FINISHED"
        return [{"type": "exit"}]
    return [_issue_run(server, sweep, suggestion.config)]


def _issue_run(server: WandbServer, sweep: Sweep, params: dict[str, Any]) -> dict[str, Any]:
    """Creates the run as ``pending`` so the next suggestion already accounts for it."""
    taken = {name for _, _, name in server.storage.runs}
    run, _ = server.storage.upsert_run(sweep.entity, sweep.project, _new_name(taken))
    run.state, run.sweep_name = "pending", sweep.name
    run.config = {k: {"value": v["value"]} for k, v in params.items()}
    sweep.runs_issued.append(run.name)
    return {"type": "run", "run_id": run.name, "program": sweep.config.get("program"), "args": params}
