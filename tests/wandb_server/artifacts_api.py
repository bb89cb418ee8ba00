"""What tests hold of the server's artifacts: ``WandbServer``'s artifact methods (a mixin) and
the storage side of artifact uploads (signed URLs) and downloads."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .artifacts import ArtifactError, ArtifactStore, ArtifactVersion, Refusal

logger = logging.getLogger(__name__)


class ServerArtifacts:
    """Artifact methods of ``WandbServer``; its ``storage.lock`` guards ``artifact_store``."""

    artifact_store: ArtifactStore
    entity: str
    storage: Any

    def artifact(
        self, name: str, version: str = "latest", *, project: str | None = None, entity: str | None = None
    ) -> ArtifactVersion | None:
        """A committed artifact version by ``version`` (an alias, ``vN`` or its digest), with its
        lineage: ``logged_by`` and ``used_by`` (run ids). ``project=None`` looks in every project
        of the entity (a name found in several is a ``LookupError``)."""
        with self._lock:
            return self.artifact_store.lookup(entity or self.entity, project, f"{name}:{version}")

    def artifacts(self) -> list[ArtifactVersion]:
        """Every committed artifact version, sequence by sequence in version order."""
        with self._lock:
            return [v for s in self.artifact_store.sequences.values() for v in s.versions]

    @property
    def artifact_refusals(self) -> list[Refusal]:
        """Manifests refused for an unsafe entry path (absolute, ``..``, backslash, NUL, empty)."""
        with self._lock:
            return list(self.artifact_store.refusals)

    def add_artifact(
        self,
        project: str,
        name: str,
        *,
        type: str = "dataset",
        files: Mapping[str, bytes] | None = None,
        references: Mapping[str, str] | None = None,
        aliases: Iterable[str] = (),
        metadata: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        entity: str | None = None,
    ) -> ArtifactVersion:
        """Plants a committed version without the SDK and without the path check: any entry path
        at all (``../x``, ``/abs``), to test what clients do with a hostile manifest. ``files``
        maps paths to contents, ``references`` paths to URIs; ``latest`` is always added."""
        entity = entity or self.entity
        with self._lock:
            return self.artifact_store.plant(
                entity,
                project,
                name,
                type_name=type,
                files=files or {},
                references=references or {},
                aliases=list(aliases),
                metadata=dict(metadata or {}),
                run=(entity, project, run_id) if run_id else None,
            )

    def receive_artifact_upload(self, token: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """``PUT /storage/artifact-upload/{token}``: (HTTP status, JSON reply). A refused
        manifest answers 400, which the SDK raises from ``log_artifact(...).wait()``."""
        with self._lock:
            try:
                self.artifact_store.receive(token, body)
            except ArtifactError as exc:
                logger.warning("wandb test server: refused an artifact upload: %s", exc)
                return 400, {"error": str(exc)}
        return 200, {}

    def artifact_blob(self, blob_id: str) -> Path | None:
        """Where ``GET /storage/artifact-files/{blob_id}`` reads from."""
        with self._lock:
            return self.artifact_store.blobs.get(blob_id)

    def artifact_blob_by_digest(self, parts: list[str]) -> Path | None:
        """Where ``ArtifactManifestEntry.download`` reads a file from when it has no signed URL:
        ``/artifactsV2/{region}/{entity}/{project}/{collection}/{birth id}/{md5 hex}/{name}``
        (or the older ``/artifacts/{entity}/{md5 hex}``)."""
        entity, hexhash = (parts[2], parts[-2]) if parts[0] == "artifactsV2" else (parts[1], parts[-1])
        try:
            md5 = base64.b64encode(bytes.fromhex(hexhash)).decode()
        except ValueError:
            return None
        with self._lock:
            blob_id = self.artifact_store.blob_by_md5.get((entity, md5))
            return self.artifact_store.blobs.get(blob_id) if blob_id else None

    @property
    def _lock(self) -> threading.RLock:
        return self.storage.lock
