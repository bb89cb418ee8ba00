"""What W&B recorded for a local run, read back from its ``.wandb`` record log.

No network: this decodes the run directories the SDK writes (``offline-run-*`` in offline
mode, ``run-*`` online) with wandb's own protobuf messages. A run that was resumed has one
directory per segment; :func:`read_run` merges them in order.

A damaged log (corrupt blocks, a truncated tail, undecodable records) is read as far as it
can be; what was skipped is counted in ``RecordedRun.damage``, and a log still being written
when the read gave up waiting sets ``RecordedRun.still_writing``. ``RecordedRun.partial``
says both in words. A log with nothing readable at all is a :class:`RecordLogError`.

History rows use W&B's flattened keys (``{"a": {"b": 1}}`` is logged as ``"a.b"``), as the
W&B API returns them; the summary keeps its nested dicts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._artifact_records import RecordedArtifact, RecordedEntry, read_artifacts
from ._compat import parse_record
from ._decode import HistoryJson, JsonTree, history_row, run_header
from ._errors import LocalRunNotFoundError, RecordLogError, UndecodableRecordError
from ._logfile import LogDamage, iter_record_payloads
from ._settle import DEFAULT_SETTLE_TIMEOUT_S, wait_until_settled

__all__ = [
    "LocalRunNotFoundError",
    "LogDamage",
    "RecordLogError",
    "RecordedArtifact",
    "RecordedEntry",
    "RecordedRun",
    "default_wandb_dir",
    "find_offline_run_dirs",
    "iter_history_json",
    "iter_local_runs",
    "read_artifacts",
    "read_run",
    "read_run_dir",
    "read_run_dirs",
    "read_run_header",
    "record_log_path",
]

_INTERNAL_KEY = "_wandb"
_RUN_DIR_PREFIXES = ("offline-run-", "run-")


@dataclass
class RecordedRun:
    """One W&B run as its record log(s) describe it."""

    run_id: str
    project: str | None = None
    entity: str | None = None
    name: str | None = None
    group: str | None = None
    job_type: str | None = None
    sweep_id: str | None = None
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int | None = None
    resumed: bool = False
    segments: int = 0
    run_dirs: list[Path] = field(default_factory=list)
    damage: LogDamage = field(default_factory=LogDamage)
    still_writing: bool = False

    @property
    def partial(self) -> str | None:
        """Why what was read is not the whole run, in words; ``None`` if it is."""
        reasons = []
        if self.damage:
            reasons.append(f"damaged record log: {self.damage.describe()}")
        if self.still_writing:
            reasons.append("its record log is still being written (the run is live or was just finished)")
        return "; ".join(reasons) or None

    def iter_history(self, system_keys: bool = False) -> Iterator[dict[str, Any]]:
        """Stream every history row from the record logs (bounded memory).

        ``system_keys=True`` keeps W&B's ``_runtime`` and ``_timestamp`` in each row.
        """
        for path in (record_log_path(d) for d in self.run_dirs):
            for record in _iter_records(path):
                if record.WhichOneof("record_type") == "history":
                    yield history_row(record.history, system_keys)


def default_wandb_dir() -> Path:
    """The SDK's default run directory: ``$WANDB_DIR/wandb`` (or ``.wandb``), else ``./wandb``."""
    root = Path(os.environ.get("WANDB_DIR") or os.getcwd()).expanduser()
    dot = root / ".wandb"
    return dot if dot.is_dir() else root / "wandb"


def record_log_path(run_dir: str | os.PathLike[str]) -> Path:
    """The ``run-<id>.wandb`` file of a run directory."""
    run_dir = Path(run_dir)
    logs = sorted(run_dir.glob("run-*.wandb"))
    if not logs:
        raise LocalRunNotFoundError(
            f"No W&B record log (run-<id>.wandb) in {str(run_dir)!r}; pass a directory such as "
            "wandb/offline-run-<time>-<id>."
        )
    return logs[0]


def find_offline_run_dirs(run_id: str, wandb_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Every local directory of run ``run_id`` (``offline-run-*`` and ``run-*``), oldest first.

    ``wandb_dir`` may be the SDK's ``wandb`` directory or its parent (``WANDB_DIR``).
    """
    if not run_id:
        raise ValueError("run_id is empty; pass the W&B run id whose local directories you want.")
    found: dict[Path, tuple[str, int]] = {}
    for base in _candidate_bases(wandb_dir):
        for entry in base.iterdir():
            order = _segment_order(entry, run_id)
            if order is not None:
                found.setdefault(entry.resolve(), order)
    return sorted(found, key=lambda p: found[p])


def read_run_dir(
    run_dir: str | os.PathLike[str],
    load_history: bool = True,
    settle_timeout_s: float = DEFAULT_SETTLE_TIMEOUT_S,
) -> RecordedRun:
    """Decode one run directory (one segment).

    ``run.finish()`` returns before wandb-core has flushed the log; if the log has no exit
    record yet while a process still writes it, this waits up to ``settle_timeout_s`` (then
    reads what is there and sets ``still_writing``).
    """
    return read_run_dirs([run_dir], load_history, settle_timeout_s)


def read_run(
    run_id: str,
    wandb_dir: str | os.PathLike[str] | None = None,
    load_history: bool = True,
    settle_timeout_s: float = DEFAULT_SETTLE_TIMEOUT_S,
) -> RecordedRun:
    """Decode every local segment of ``run_id``, merged in order (resumed runs); waits for
    a just-finished run as :func:`read_run_dir` does."""
    run_dirs = find_offline_run_dirs(run_id, wandb_dir)
    if not run_dirs:
        where = wandb_dir if wandb_dir is not None else default_wandb_dir()
        raise LocalRunNotFoundError(
            f"No local W&B run directory for run id {run_id!r} under {str(where)!r}; "
            "check the id, or pass wandb_dir= (WANDB_DIR of the process that ran it)."
        )
    return read_run_dirs(run_dirs, load_history, settle_timeout_s)


def read_run_dirs(
    run_dirs: Iterable[str | os.PathLike[str]],
    load_history: bool = True,
    settle_timeout_s: float = DEFAULT_SETTLE_TIMEOUT_S,
    history_sink: Callable[[str], None] | None = None,
) -> RecordedRun:
    """Decode several segments of one run, merged in the order given.

    ``history_sink``, if given, receives every history row as JSON text (system keys
    included) during the same pass, so a large run is read only once.
    """
    dirs = [Path(d) for d in run_dirs]
    state = _RunState(load_history, history_sink)
    if dirs:
        state.run.still_writing = not wait_until_settled(record_log_path(dirs[-1]), settle_timeout_s)
    for run_dir in dirs:
        state.add_segment(run_dir)
    return state.result()


def iter_local_runs(wandb_dir: str | os.PathLike[str] | None = None) -> Iterator[tuple[str, Path]]:
    """``(run_id, run directory)`` for every local run directory, in name order."""
    for base in _candidate_bases(wandb_dir):
        for entry in sorted(base.iterdir()):
            if entry.is_symlink() or not entry.name.startswith(_RUN_DIR_PREFIXES) or not entry.is_dir():
                continue
            for log in entry.glob("run-*.wandb"):
                yield log.stem[len("run-") :], entry


def read_run_header(run_dir: str | os.PathLike[str]) -> RecordedRun:
    """Only the run record of a directory (id, project, sweep id, ...): stops reading there."""
    state = _RunState(load_history=False)
    state.run.segments = 1
    state.run.run_dirs.append(Path(run_dir))
    for record in _iter_records(record_log_path(run_dir)):
        if record.WhichOneof("record_type") == "run":
            state._apply_run(record.run)
            break
    return state.result()


def iter_history_json(run_dirs: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """Every history row of the run directories as a JSON object text, ``_runtime`` and
    ``_timestamp`` included; values are W&B's own JSON, passed through without re-encoding."""
    to_json = HistoryJson()
    for run_dir in run_dirs:
        for record in _iter_records(record_log_path(run_dir)):
            if record.WhichOneof("record_type") == "history":
                yield to_json(record.history)


def _candidate_bases(wandb_dir: str | os.PathLike[str] | None) -> list[Path]:
    if wandb_dir is None:
        return [b for b in (default_wandb_dir(),) if b.is_dir()]
    root = Path(wandb_dir).expanduser()
    return [b for b in (root, root / "wandb", root / ".wandb") if b.is_dir()]


def _segment_order(entry: Path, run_id: str) -> tuple[str, int] | None:
    """Sort key ``(timespec, suffix)`` if ``entry`` is a directory of ``run_id``, else None.

    Names are ``{offline-run|run}-{YYYYmmdd_HHMMSS}-{id}[-{n}]``; the record log inside is
    always ``run-{id}.wandb``, which settles ids that themselves end in ``-<n>``.
    """
    if entry.is_symlink() or not entry.name.startswith(_RUN_DIR_PREFIXES):
        return None
    if not (entry / f"run-{run_id}.wandb").is_file():
        return None
    rest = entry.name.split("-", 2)[-1] if entry.name.startswith("offline") else entry.name[4:]
    timespec, _, tail = rest.partition("-")
    suffix = tail[len(run_id) + 1 :] if tail.startswith(run_id + "-") else ""
    return timespec, int(suffix) if suffix.isdigit() else 0


def _iter_records(path: Path, damage: LogDamage | None = None) -> Iterator[Any]:
    """The decoded records; damage is counted in ``damage`` (and skipped)."""
    damage = damage if damage is not None else LogDamage()
    for payload in iter_record_payloads(path, damage=damage):
        try:
            yield parse_record(payload)
        except UndecodableRecordError:
            damage.undecodable_records += 1


class _RunState:
    """Accumulates the records of one or more segments of a run."""

    def __init__(self, load_history: bool, history_sink: Callable[[str], None] | None = None) -> None:
        self.run = RecordedRun(run_id="")
        self.config = JsonTree()
        self.summary = JsonTree()
        self.load_history = load_history
        self.history_sink = history_sink
        self.to_json = HistoryJson()

    def add_segment(self, run_dir: Path) -> None:
        self.run.segments += 1
        self.run.run_dirs.append(run_dir)
        # Each segment states its own end; a resumed segment that crashed has none.
        self.run.exit_code = None
        log = record_log_path(run_dir)
        self.run.run_id = self.run.run_id or log.stem[len("run-") :]
        damage = LogDamage()
        readable = 0
        for record in _iter_records(log, damage):
            readable += 1
            kind = record.WhichOneof("record_type")
            if kind == "history":
                if self.load_history:
                    self.run.history.append(history_row(record.history, system_keys=False))
                if self.history_sink is not None:
                    self.history_sink(self.to_json(record.history))
            elif kind == "summary":
                self.summary.update(record.summary.update)
                self.summary.remove(record.summary.remove)
            elif kind == "config":
                self.config.update(record.config.update)
                self.config.remove(record.config.remove)
            elif kind == "run":
                self._apply_run(record.run)
            elif kind == "exit":
                self.run.exit_code = record.exit.exit_code
        if damage and not readable:
            raise RecordLogError(
                f"Nothing in {str(log)!r} is readable ({damage.describe()}): the run's record log is "
                "damaged beyond use."
            )
        self.run.damage.add(damage)

    def _apply_run(self, rec: Any) -> None:
        run = self.run
        run.run_id = rec.run_id or run.run_id
        for attr, value in run_header(rec).items():
            setattr(run, attr, value)
        self.config.update(rec.config.update)
        self.config.remove(rec.config.remove)
        run.resumed = run.resumed or rec.resumed or run.segments > 1

    def result(self) -> RecordedRun:
        self.run.config = self.config.result()
        self.run.summary = self.summary.result()
        self.run.config.pop(_INTERNAL_KEY, None)
        self.run.summary.pop(_INTERNAL_KEY, None)
        return self.run
