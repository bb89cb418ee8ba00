"""What the server remembers: runs, their history/summary/config/files, sweeps and agents.

Everything lives in memory except file contents, which go to ``root`` under opaque ids:
a run file's *name* (which may be ``../escape.txt`` or 300 characters long) is only ever a
dictionary key, never a path on disk.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

TERMINAL_STATES = ("finished", "failed", "crashed", "killed", "preempted")


def iso_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def node_id(kind: str, *parts: str) -> str:
    """W&B-style opaque ids: base64 of ``Kind:v1:part:part``."""
    return base64.b64encode(":".join([kind, "v1", *parts]).encode()).decode()


@dataclass
class StoredFile:
    id: str
    name: str
    path: Path
    size: int = 0
    md5: str = ""
    updated_at: str = field(default_factory=iso_now)


@dataclass
class History:
    """Rows of ``wandb-history.jsonl`` as sent (raw JSON lines), indexed by line offset."""

    lines: list[str] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    version: int = 0  # bumped on every change; keys derived data in ``cache``
    cache: dict[str, tuple[int, Any]] = field(default_factory=dict)

    def put(self, offset: int, content: list[str]) -> None:
        self.version += 1
        del self.lines[offset:]
        del self.steps[offset:]
        for line in content:
            self.lines.append(line)
            self.steps.append(int(json.loads(line).get("_step", len(self.steps))))

    def rows(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def between(self, min_step: int, max_step: int, limit: int) -> list[str]:
        """Raw lines with ``min_step <= _step < max_step``; steps are increasing in W&B history."""
        start = bisect.bisect_left(self.steps, min_step)
        stop = bisect.bisect_left(self.steps, max_step)
        return self.lines[start : min(stop, start + limit)]


@dataclass
class Run:
    entity: str
    project: str
    name: str
    display_name: str | None = None
    state: str = "running"
    exitcode: int | None = None
    preempting: bool = False  # run.mark_preempting() was called (file stream "preempting": true)
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: History = field(default_factory=History)
    events: History = field(default_factory=History)
    log_lines: list[str] = field(default_factory=list)
    files: dict[str, StoredFile] = field(default_factory=dict)
    sweep_name: str | None = None
    group: str | None = None
    job_type: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    host: str | None = None
    program: str | None = None
    commit: str | None = None
    created_at: str = field(default_factory=iso_now)
    heartbeat_at: str = field(default_factory=iso_now)
    heartbeat_monotonic: float = field(default_factory=time.monotonic)
    project_internal_id: int = 1
    seq: int = 0  # creation order; breaks ties between equal (second-resolution) createdAt

    @property
    def id(self) -> str:
        return node_id("Run", self.entity, self.project, self.name)

    def beat(self) -> None:
        self.heartbeat_at = iso_now()
        self.heartbeat_monotonic = time.monotonic()


@dataclass
class Sweep:
    entity: str
    project: str
    name: str
    config_yaml: str
    config: dict[str, Any]
    state: str = "RUNNING"
    display_name: str | None = None
    description: str | None = None
    created_at: str = field(default_factory=iso_now)
    runs_issued: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return node_id("Sweep", self.entity, self.project, self.name)


@dataclass
class Agent:
    id: str
    sweep: Sweep
    host: str
    heartbeats: int = 0


class Storage:
    """Thread-safe store; every request handler goes through ``lock``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "blobs").mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.runs: dict[tuple[str, str, str], Run] = {}
        self.sweeps: dict[tuple[str, str, str], Sweep] = {}
        self.agents: dict[str, Agent] = {}
        self.files_by_id: dict[str, tuple[Run, StoredFile]] = {}
        self.upload_tokens: dict[str, tuple[Run, str]] = {}
        self.projects: dict[tuple[str, str], int] = {}

    def project_id(self, entity: str, project: str) -> int:
        return self.projects.setdefault((entity, project), len(self.projects) + 1)

    def run(self, entity: str, project: str, name: str) -> Run | None:
        return self.runs.get((entity, project, name))

    def upsert_run(self, entity: str, project: str, name: str) -> tuple[Run, bool]:
        key = (entity, project, name)
        if key in self.runs:
            return self.runs[key], False
        run = Run(
            entity, project, name, project_internal_id=self.project_id(entity, project), seq=len(self.runs)
        )
        self.runs[key] = run
        return run, True

    def run_by_id(self, run_id: str) -> Run | None:
        for run in self.runs.values():
            if run.id == run_id:
                return run
        return None

    def runs_in(self, entity: str, project: str) -> list[Run]:
        return [r for (e, p, _), r in self.runs.items() if (e, p) == (entity, project)]

    def write_file(self, run: Run, name: str, data: bytes) -> StoredFile:
        stored = run.files.get(name)
        if stored is None:
            file_id = uuid.uuid4().hex
            stored = StoredFile(file_id, name, self.root / "blobs" / file_id)
            run.files[name] = stored
            self.files_by_id[file_id] = (run, stored)
        tmp = stored.path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(stored.path)
        stored.size = len(data)
        stored.md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        stored.updated_at = iso_now()
        return stored

    def upload_token(self, run: Run, name: str) -> str:
        token = uuid.uuid4().hex
        self.upload_tokens[token] = (run, name)
        return token

    def sweep(self, entity: str, project: str, name: str) -> Sweep | None:
        return self.sweeps.get((entity, project, name))

    def sweep_by_id(self, sweep_id: str) -> Sweep | None:
        for sweep in self.sweeps.values():
            if sweep.id == sweep_id or sweep.name == sweep_id:
                return sweep
        return None

    def sweep_runs(self, sweep: Sweep) -> list[Run]:
        return [r for r in self.runs_in(sweep.entity, sweep.project) if r.sweep_name == sweep.name]

    def add_sweep(self, sweep: Sweep) -> None:
        self.sweeps[(sweep.entity, sweep.project, sweep.name)] = sweep

    def add_agent(self, sweep: Sweep, host: str) -> Agent:
        agent = Agent(node_id("Agent", uuid.uuid4().hex[:8]), sweep, host)
        self.agents[agent.id] = agent
        return agent
