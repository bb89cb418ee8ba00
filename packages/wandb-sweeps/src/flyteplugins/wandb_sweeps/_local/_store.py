"""On-disk state of an offline sweep, shared by every agent on the machine.

Layout, next to the runs the SDK writes (``$WANDB_DIR/wandb``)::

    sweep-<id>/sweep.json          the sweep: id, name, project, entity, engine config
    sweep-<id>/trials.json         every trial: run id, parameters, state, metric
    sweep-<id>/config-<run>.yaml   a trial's parameters, in the file format wandb.agent writes
    sweep-<id>/.lock               file lock guarding trials.json

Every read-modify-write of ``trials.json`` happens under the file lock and is written with an
atomic rename, so agents in threads of one process and in separate processes never see a
half-written file or pick the same grid point.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flyteplugins.wandb_artifacts.internal import pid_alive

SWEEP_DIR_PREFIX = "sweep-"
SWEEP_FILE = "sweep.json"
TRIALS_FILE = "trials.json"
LOCK_FILE = ".lock"
_ID_ALPHABET = string.ascii_lowercase + string.digits
_LOCK_TIMEOUT_S = 600.0

# Trial states, named as W&B names run states (and as the sweep engine's RunState).
RUNNING = "running"
FINISHED = "finished"
FAILED = "failed"
CRASHED = "crashed"


def new_id(length: int = 8) -> str:
    """A random id in W&B's style (8 lowercase letters and digits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def default_sweeps_root() -> Path:
    """Where the SDK writes runs: ``$WANDB_DIR/wandb`` (or ``.wandb``), else ``./wandb``."""
    from flyteplugins.wandb_artifacts.records import default_wandb_dir

    return default_wandb_dir()


@dataclass
class LocalSweep:
    """An offline sweep as stored in ``sweep.json``."""

    id: str
    name: str | None
    project: str | None
    entity: str | None
    config: dict[str, Any]
    run_cap: int | None = None
    created_at: float = field(default_factory=time.time)

    @property
    def metric_name(self) -> str | None:
        metric = self.config.get("metric") or {}
        return metric.get("name")

    @property
    def goal(self) -> str:
        metric = self.config.get("metric") or {}
        return metric.get("goal", "minimize")


@dataclass
class Trial:
    """One trial of an offline sweep: a W&B run with the parameters the engine chose."""

    run_id: str
    params: dict[str, Any]  # the engine's format: {"lr": {"value": 0.01}}
    state: str = RUNNING
    agent: str = ""
    host: str = ""
    pid: int = 0
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    summary_metric: float | None = None
    metric_history: list[float] = field(default_factory=list)
    exit_code: int | None = None
    error: str | None = None
    prior: bool = False

    def values(self) -> dict[str, Any]:
        """The parameters as the objective sees them in ``wandb.run.config``."""
        return {name: spec.get("value") for name, spec in self.params.items()}


class SweepStore:
    """The directory of one offline sweep."""

    def __init__(self, sweep_id: str, root: str | os.PathLike[str] | None = None) -> None:
        self.sweep_id = check_sweep_id(sweep_id)
        self.root = Path(root) if root is not None else default_sweeps_root()
        self.dir = self.root / f"{SWEEP_DIR_PREFIX}{self.sweep_id}"

    def exists(self) -> bool:
        return (self.dir / SWEEP_FILE).is_file()

    def create(self, sweep: LocalSweep, prior_trials: list[Trial]) -> None:
        """Write a new sweep; refuses to overwrite one with the same id."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.dir.mkdir()  # FileExistsError on an id collision: never reuse another sweep's state
        _write_json(self.dir / TRIALS_FILE, [asdict(t) for t in prior_trials])
        _write_json(self.dir / SWEEP_FILE, asdict(sweep))

    def read_sweep(self) -> LocalSweep:
        try:
            data = json.loads((self.dir / SWEEP_FILE).read_text())
        except FileNotFoundError:
            raise FileNotFoundError(
                f"No offline sweep {self.sweep_id!r} under {str(self.root)!r}. Create it with a "
                "@wandb_sweep task in offline mode, and run agents with the same WANDB_DIR "
                "(or working directory) as the task that created it."
            ) from None
        return LocalSweep(**data)

    def param_path(self, run_id: str) -> Path:
        return self.dir / f"config-{run_id}.yaml"

    def read_trials(self) -> list[Trial]:
        """A consistent snapshot of every trial (taken under the lock)."""
        with self.locked() as trials:
            return list(trials)

    @contextmanager
    def locked(self) -> Iterator[list[Trial]]:
        """The trial list under the sweep's lock; changes are saved when the block exits cleanly."""
        from filelock import FileLock

        with _THREAD_LOCK, FileLock(str(self.dir / LOCK_FILE), timeout=_LOCK_TIMEOUT_S):
            raw = (self.dir / TRIALS_FILE).read_text()
            trials = [Trial(**t) for t in json.loads(raw)]
            _mark_orphans_crashed(trials)
            yield trials
            new = json.dumps([asdict(t) for t in trials], indent=1)
            if new != raw:
                _write_text(self.dir / TRIALS_FILE, new)


# One process-wide lock in front of the file lock: threads of one process then never depend
# on how the platform's file locks treat two descriptors of the same process.
_THREAD_LOCK = threading.RLock()


def find_local_sweep(sweep_id: str) -> SweepStore | None:
    """The offline sweep with this id on this machine, or ``None`` (e.g. an online sweep)."""
    try:
        store = SweepStore(sweep_id)
    except ValueError:
        return None  # "entity/project/id" paths name online sweeps
    return store if store.exists() else None


def check_sweep_id(sweep_id: Any) -> str:
    if not isinstance(sweep_id, str) or not sweep_id or not all(c.isalnum() or c in "-_" for c in sweep_id):
        raise ValueError(
            f"sweep_id {sweep_id!r} is not a W&B sweep id; pass the id @wandb_sweep created "
            "(get_wandb_sweep_id() inside the sweep task)."
        )
    return sweep_id


def agent_identity() -> tuple[str, int, str]:
    """(host, pid, label) for a new agent; the label tells apart agents of one process."""
    host = socket.gethostname()
    pid = os.getpid()
    return host, pid, f"{host}:{pid}:{new_id(6)}"


def _mark_orphans_crashed(trials: list[Trial]) -> None:
    """A running trial whose agent process on this host is gone will never report: crashed."""
    host, pid = socket.gethostname(), os.getpid()
    for trial in trials:
        if trial.state == RUNNING and trial.host == host and trial.pid != pid and not pid_alive(trial.pid):
            trial.state = CRASHED
            trial.ended_at = time.time()
            trial.error = f"agent process {trial.pid} exited while the trial was running"


def _write_json(path: Path, data: Any) -> None:
    _write_text(path, json.dumps(data, indent=1))


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
