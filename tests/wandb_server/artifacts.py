"""Artifacts on the test server: sequences (a name in a project), their versions, manifests,
file contents, aliases, and the lineage (the run that logged a version, the runs that used it).

A version is created ``PENDING`` (``createArtifact``), gets its files and its manifest
(``wandb_manifest.json``, PUT to a signed URL) and becomes ``COMMITTED`` with a version index
and its aliases at ``commitArtifact``. Creating a version whose digest the sequence already
holds returns that version (W&B's digest deduplication): the SDK then uploads nothing.

Manifest entry paths are checked when the manifest arrives: absolute paths, ``..`` segments,
backslashes, NUL and empty paths are refused (the upload answers 400, the commit fails, and
``refusals`` records why). ``plant`` bypasses the check, to test what clients do with such names.
File contents are stored once per entity and MD5 (W&B's content addressing), on disk under
opaque ids like run files.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from .storage import iso_now, node_id

PENDING, COMMITTED = "PENDING", "COMMITTED"
RunRef = tuple[str, str, str]  # (entity, project, run id)


class ArtifactError(Exception):
    """A request about artifacts the server refuses; answered as a GraphQL error or a 4xx."""


@dataclass(frozen=True)
class ManifestEntry:
    """One ``contents`` entry of a manifest: a path in the artifact and where its bytes are."""

    path: str
    digest: str
    size: int | None = None
    ref: str | None = None  # a reference entry points elsewhere (s3://, file://...)
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """A manifest the server refused, and why (``server.artifact_refusals``)."""

    artifact: str  # "entity/project/name"
    path: str
    reason: str


@dataclass
class ArtifactVersion:
    """One version of an artifact, and its lineage; what ``server.artifact(...)`` returns.

    ``logged_by`` is the id of the run that created it (``also_logged_by``: runs that logged the
    same digest again), ``used_by`` the ids of the runs that declared it as an input.
    """

    id: str
    entity: str
    project: str
    name: str  # the sequence: "dataset" in "dataset:v3"
    type: str
    digest: str
    metadata: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    state: str = PENDING
    version_index: int | None = None  # assigned at commit
    aliases: list[str] = field(default_factory=list)
    requested_aliases: list[str] = field(default_factory=list)  # applied at commit
    manifest: dict[str, ManifestEntry] = field(default_factory=dict)
    manifest_blob: str | None = None
    logged_by_run: RunRef | None = None
    also_logged_by_runs: list[RunRef] = field(default_factory=list)
    used_by_runs: list[RunRef] = field(default_factory=list)
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)

    @property
    def version(self) -> str | None:
        return None if self.version_index is None else f"v{self.version_index}"

    @property
    def qualified_name(self) -> str:
        return f"{self.name}:{self.version or 'pending'}"

    @property
    def logged_by(self) -> str | None:
        return self.logged_by_run[2] if self.logged_by_run else None

    @property
    def also_logged_by(self) -> list[str]:
        return [run for _, _, run in self.also_logged_by_runs]

    @property
    def used_by(self) -> list[str]:
        return [run for _, _, run in self.used_by_runs]

    @property
    def size(self) -> int:
        return sum(e.size or 0 for e in self.manifest.values())


@dataclass
class Sequence:
    entity: str
    project: str
    name: str
    type: str
    versions: list[ArtifactVersion] = field(default_factory=list)  # committed, in version order

    @property
    def id(self) -> str:
        return node_id("ArtifactSequence", self.entity, self.project, self.name)


@dataclass(frozen=True)
class Upload:
    """What a signed artifact upload URL stands for: one file (by MD5) or a version's manifest."""

    entity: str
    md5: str = ""
    manifest_of: ArtifactVersion | None = None


def path_problem(path: str) -> str | None:
    """Why a manifest entry path is unsafe for any client to write, or None if it is fine."""
    if not isinstance(path, str) or not path:
        return "empty path"
    if "\x00" in path:
        return "contains a NUL byte"
    if "\\" in path:
        return "contains a backslash"
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).drive:
        return "absolute path"
    if ".." in path.split("/"):
        return "contains a '..' segment"
    return None


def md5_base64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


class ArtifactStore:
    """Every artifact of the server; guarded by the server's storage lock (callers hold it)."""

    def __init__(self, root: Path) -> None:
        self.blob_dir = root / "blobs"
        self.sequences: dict[RunRef, Sequence] = {}
        self.by_id: dict[str, ArtifactVersion] = {}
        self.blobs: dict[str, Path] = {}  # blob id -> contents on disk
        self.blob_by_md5: dict[tuple[str, str], str] = {}  # (entity, md5) -> blob id
        self.uploads: dict[str, Upload] = {}
        self.refusals: list[Refusal] = []

    # creation, uploads and commit (what a run's wandb-core sends)

    def create(
        self,
        entity: str,
        project: str,
        name: str,
        type_name: str,
        digest: str,
        *,
        run: RunRef | None,
        aliases: list[str],
        metadata: dict[str, Any],
        description: str | None,
        dedupe: bool = True,
    ) -> ArtifactVersion:
        """A new pending version, or the committed one of the same digest (W&B's deduplication)."""
        sequence = self.sequences.get((entity, project, name))
        if sequence is None:
            sequence = self.sequences[(entity, project, name)] = Sequence(entity, project, name, type_name)
        elif sequence.type != type_name:
            raise ArtifactError(
                f"artifact {name!r} in {entity}/{project} has type {sequence.type!r}, not {type_name!r}"
            )
        same = next((v for v in sequence.versions if v.digest == digest), None)
        if dedupe and same is not None:
            if run is not None and run != same.logged_by_run and run not in same.also_logged_by_runs:
                same.also_logged_by_runs.append(run)
            self._set_aliases(sequence, same, aliases)
            return same
        version = ArtifactVersion(
            id=node_id("Artifact", uuid.uuid4().hex),
            entity=entity,
            project=project,
            name=name,
            type=type_name,
            digest=digest,
            metadata=metadata,
            description=description,
            requested_aliases=list(aliases),
            logged_by_run=run,
        )
        self.by_id[version.id] = version
        return version

    def upload_token(self, upload: Upload) -> str:
        token = uuid.uuid4().hex
        self.uploads[token] = upload
        return token

    def has_blob(self, entity: str, md5: str) -> bool:
        return (entity, md5) in self.blob_by_md5

    def receive(self, token: str, body: bytes) -> None:
        """The body PUT to a signed upload URL: a file (checked against its MD5) or a manifest."""
        upload = self.uploads.get(token)
        if upload is None:
            raise ArtifactError("unknown upload token")
        if upload.manifest_of is not None:
            self._receive_manifest(upload.manifest_of, body)
            return
        if md5_base64(body) != upload.md5:
            raise ArtifactError(f"the body's MD5 {md5_base64(body)} is not the declared {upload.md5}")
        self.put_blob(upload.entity, body)

    def put_blob(self, entity: str, data: bytes) -> str:
        md5 = md5_base64(data)
        blob_id = self.blob_by_md5.get((entity, md5))
        if blob_id is None:
            blob_id = uuid.uuid4().hex
            path = self.blob_dir / blob_id
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)
            self.blobs[blob_id] = path
            self.blob_by_md5[(entity, md5)] = blob_id
        return blob_id

    def _receive_manifest(self, version: ArtifactVersion, body: bytes) -> None:
        try:
            contents = json.loads(body)["contents"]
            entries = {
                path: ManifestEntry(
                    path=path,
                    digest=str(raw["digest"]),
                    size=raw.get("size"),
                    ref=raw.get("ref"),
                    extra=raw.get("extra") or {},
                )
                for path, raw in contents.items()
            }
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ArtifactError(f"not a W&B artifact manifest: {exc!r}") from exc
        for path in entries:
            problem = path_problem(path)
            if problem is not None:
                where = f"{version.entity}/{version.project}/{version.name}"
                self.refusals.append(Refusal(where, path, problem))
                raise ArtifactError(f"manifest of {where}: refused entry path {path!r} ({problem})")
        version.manifest = entries
        version.manifest_blob = self.put_blob(version.entity, body)

    def commit(self, version: ArtifactVersion) -> ArtifactVersion:
        """Make a pending version visible: its version index, then its aliases."""
        if version.state == COMMITTED:
            return version
        if version.manifest_blob is None:
            raise ArtifactError(f"artifact {version.name!r}: commit without a (valid) manifest")
        stored = [e for e in version.manifest.values() if e.ref is None]
        missing = [e.path for e in stored if not self.has_blob(version.entity, e.digest)]
        if missing:
            raise ArtifactError(
                f"artifact {version.name!r}: commit before its files were uploaded: {missing[:5]}"
            )
        sequence = self.sequences[(version.entity, version.project, version.name)]
        version.version_index = len(sequence.versions)
        version.state = COMMITTED
        version.updated_at = iso_now()
        sequence.versions.append(version)
        self._set_aliases(sequence, version, version.requested_aliases)
        return version

    def _set_aliases(self, sequence: Sequence, version: ArtifactVersion, aliases: list[str]) -> None:
        """An alias names one version of a sequence: it moves here from any other. "latest"
        always names the newest version, whatever was asked."""
        for alias in aliases:
            for other in sequence.versions:
                if alias in other.aliases and other is not version:
                    other.aliases.remove(alias)
            if alias not in version.aliases:
                version.aliases.append(alias)
        newest = sequence.versions[-1] if sequence.versions else None
        for other in sequence.versions:
            if "latest" in other.aliases and other is not newest:
                other.aliases.remove("latest")
        if newest is not None and "latest" not in newest.aliases:
            newest.aliases.insert(0, "latest")

    def use(self, version: ArtifactVersion, run: RunRef) -> None:
        if run not in version.used_by_runs:
            version.used_by_runs.append(run)

    # lookups

    def find(self, entity: str, project: str, name_and_version: str) -> ArtifactVersion | None:
        """``name:alias``, ``name:vN`` or ``name:<digest>`` (``name`` alone means ``name:latest``)."""
        name, _, wanted = name_and_version.partition(":")
        sequence = self.sequences.get((entity, project, name))
        if sequence is None:
            return None
        wanted = wanted or "latest"
        for version in reversed(sequence.versions):
            if wanted in version.aliases or wanted in (version.version, version.digest):
                return version
        return None

    def lookup(self, entity: str, project: str | None, name_and_version: str) -> ArtifactVersion | None:
        """``find`` in ``project``, or in whichever project of ``entity`` has the name."""
        if project is not None:
            return self.find(entity, project, name_and_version)
        name = name_and_version.partition(":")[0]
        projects = [p for (e, p, n) in self.sequences if (e, n) == (entity, name)]
        if len(projects) > 1:
            raise LookupError(f"artifact {name!r} is in projects {projects} of {entity}: pass project=")
        return self.find(entity, projects[0], name_and_version) if projects else None

    def of_run(self, run: RunRef, *, used: bool) -> list[ArtifactVersion]:
        """The committed versions a run logged (``used=False``) or used."""
        found = []
        for sequence in self.sequences.values():
            for version in sequence.versions:
                runs = version.used_by_runs if used else [version.logged_by_run, *version.also_logged_by_runs]
                if run in runs:
                    found.append(version)
        return found

    def in_project(self, entity: str, project: str) -> list[Sequence]:
        return [s for (e, p, _), s in self.sequences.items() if (e, p) == (entity, project)]

    def plant(
        self,
        entity: str,
        project: str,
        name: str,
        *,
        type_name: str,
        files: Mapping[str, bytes],
        references: Mapping[str, str],
        aliases: list[str],
        metadata: dict[str, Any],
        run: RunRef | None,
    ) -> ArtifactVersion:
        """A committed version made here, no SDK and no path check (for hostile manifests)."""
        entries = {path: ManifestEntry(path, md5_base64(data), len(data)) for path, data in files.items()}
        entries |= {path: ManifestEntry(path, uri, None, ref=uri) for path, uri in references.items()}
        for data in files.values():
            self.put_blob(entity, data)
        manifest = _manifest_json(entries)
        digest = hashlib.md5(manifest).hexdigest()
        version = self.create(
            entity,
            project,
            name,
            type_name,
            digest,
            run=run,
            aliases=aliases,
            metadata=metadata,
            description=None,
            dedupe=False,
        )
        version.manifest = entries
        version.manifest_blob = self.put_blob(entity, manifest)
        return self.commit(version)


def _manifest_json(entries: Mapping[str, ManifestEntry]) -> bytes:
    contents: dict[str, dict[str, Any]] = {}
    for path, e in entries.items():
        contents[path] = {"digest": e.digest, "size": e.size} | ({"ref": e.ref} if e.ref else {})
    manifest = {
        "version": 1,
        "storagePolicy": "wandb-storage-policy-v1",
        "storagePolicyConfig": {"storageLayout": "V2"},
        "contents": contents,
    }
    return json.dumps(manifest, sort_keys=True).encode()
