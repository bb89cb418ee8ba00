"""The artifacts a run logged, read back from its ``.wandb`` record log (no network).

An offline run keeps every ``run.log_artifact`` as an artifact record in its log; ``wandb sync``
uploads them. Re-exported by :mod:`.records` as :func:`read_artifacts`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from ._compat import parse_record
from ._errors import UndecodableRecordError
from ._logfile import iter_record_payloads
from ._settle import DEFAULT_SETTLE_TIMEOUT_S, wait_until_settled


@dataclass(frozen=True)
class RecordedEntry:
    """One manifest entry: a path in the artifact, and for a reference the URI it points to."""

    path: str
    digest: str
    ref: str | None = None
    size: int = 0


@dataclass
class RecordedArtifact:
    """One ``log_artifact`` of a run as its record log holds it."""

    name: str
    type: str
    digest: str
    run_id: str = ""
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    entries: list[RecordedEntry] = field(default_factory=list)

    @property
    def references(self) -> list[str]:
        """The URIs of the reference entries."""
        return [e.ref for e in self.entries if e.ref]


def read_artifacts(
    run_dir: str | os.PathLike[str], settle_timeout_s: float = DEFAULT_SETTLE_TIMEOUT_S
) -> list[RecordedArtifact]:
    """Every artifact record of one run directory, in the order they were logged.

    Waits for a just-finished run's log as :func:`.records.read_run_dir` does; undecodable
    records are skipped.
    """
    from .records import record_log_path

    log = record_log_path(run_dir)
    wait_until_settled(log, settle_timeout_s)
    found: list[RecordedArtifact] = []
    for payload in iter_record_payloads(log):
        try:
            record = parse_record(payload)
        except UndecodableRecordError:
            continue
        if record.WhichOneof("record_type") == "artifact":
            found.append(_artifact(record.artifact))
    return found


def _artifact(rec: Any) -> RecordedArtifact:
    try:
        metadata = json.loads(rec.metadata) if rec.metadata else {}
    except ValueError:
        metadata = {}
    return RecordedArtifact(
        name=rec.name,
        type=rec.type,
        digest=rec.digest,
        run_id=rec.run_id,
        description=rec.description,
        aliases=list(rec.aliases),
        metadata=metadata if isinstance(metadata, dict) else {},
        entries=[
            RecordedEntry(path=e.path, digest=e.digest, ref=e.ref or None, size=e.size)
            for e in rec.manifest.contents
        ],
    )
