"""GraphQL for artifacts: the ``Artifact`` type and friends, and the fields and mutations they
add to ``Query``, ``Project``, ``Run`` and ``Mutation`` (mixed into those classes in schema.py
and mutations.py). State lives in ``artifacts.ArtifactStore`` (``server.artifact_store``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import runs_query
from .artifacts import COMMITTED, ArtifactError, ArtifactVersion, RunRef, Sequence, Upload

if TYPE_CHECKING:
    from .server import WandbServer

UPLOAD_PATH = "/storage/artifact-upload/"
DOWNLOAD_PATH = "/storage/artifact-files/"


def _project(server: WandbServer, entity: str, project: str) -> Any:
    from .schema import ProjectNode

    return ProjectNode(server, entity, project)


def _run(server: WandbServer, ref: RunRef | None) -> Any:
    from .schema import RunNode

    run = server.storage.run(*ref) if ref else None
    return RunNode(server, run) if run else None


def _connection(nodes: list[Any], start: int, has_next: bool) -> dict[str, Any]:
    """``runs_query.connection`` whose ``pageInfo`` answers ``__typename`` (the artifact queries ask)."""
    found = runs_query.connection(nodes, start, has_next)
    found["pageInfo"]["__typename"] = "PageInfo"
    return found


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else (value or {})


class SequenceNode:
    typename = "ArtifactSequence"
    interfaces = ("ArtifactCollection",)

    def __init__(self, server: WandbServer, sequence: Sequence) -> None:
        self._server, self._sequence = server, sequence
        self.id, self.name = sequence.id, sequence.name
        self.description, self.createdAt, self.tags = None, None, {"edges": []}
        self.digestAlgorithm = "MANIFEST_MD5"
        self.project = _project(server, sequence.entity, sequence.project)
        self.defaultArtifactType = {"name": sequence.type}

    def latestArtifact(self, **_: Any) -> ArtifactNode | None:
        versions = self._sequence.versions
        return ArtifactNode(self._server, versions[-1]) if versions else None

    def artifactMembership(self, aliasName: str, **_: Any) -> MembershipNode | None:
        s = self._sequence
        found = self._server.artifact_store.find(s.entity, s.project, f"{s.name}:{aliasName}")
        return MembershipNode(self._server, found) if found else None

    def artifacts(self, first: int | None = None, after: str | None = None, **_: Any) -> dict[str, Any]:
        items, start, more = runs_query.page(self._sequence.versions[::-1], first, after)
        found = _connection([ArtifactNode(self._server, v) for v in items], start, more)
        for edge, version in zip(found["edges"], items, strict=True):
            edge["version"] = version.version
        return found | {"totalCount": len(self._sequence.versions)}


class ArtifactNode:
    typename = "Artifact"

    def __init__(self, server: WandbServer, version: ArtifactVersion) -> None:
        self._server, self._version = server, version
        v = version
        self.id, self.digest, self.state, self.versionIndex = v.id, v.digest, v.state, v.version_index
        self.description, self.createdAt, self.updatedAt = v.description, v.created_at, v.updated_at
        self.digestAlgorithm, self.commitHash = "MANIFEST_MD5", v.digest[:12]
        self.ttlDurationSeconds, self.ttlIsInherited, self.historyStep = -2, True, None
        self.tags: list[Any] = []
        self.size, self.fileCount = v.size, len(v.manifest)
        self.artifactType = {"__typename": "ArtifactType", "name": v.type}

    def metadata(self, **_: Any) -> str:
        return json.dumps(self._version.metadata)

    def _sequence(self) -> SequenceNode:
        v = self._version
        sequence = self._server.artifact_store.sequences[(v.entity, v.project, v.name)]
        return SequenceNode(self._server, sequence)

    def artifactSequence(self, **_: Any) -> SequenceNode:
        return self._sequence()

    def aliases(self, **_: Any) -> list[dict[str, Any]]:
        sequence = self._sequence()
        return [
            {
                "__typename": "ArtifactAlias",
                "id": f"{self.id}:{alias}",
                "alias": alias,
                "artifactCollection": sequence,
            }
            for alias in self._version.aliases
        ]

    def currentManifest(self, **_: Any) -> dict[str, Any] | None:
        blob = self._version.manifest_blob
        if blob is None:
            return None
        return {"id": blob, "file": {"id": blob, "directUrl": self._server.base_url + DOWNLOAD_PATH + blob}}

    def createdBy(self, **_: Any) -> Any:
        return _run(self._server, self._version.logged_by_run)

    def usedBy(self, **_: Any) -> dict[str, Any]:
        runs = [node for ref in self._version.used_by_runs if (node := _run(self._server, ref))]
        return _connection(runs, 0, False)

    def _file_node(self, path: str) -> dict[str, Any]:
        entry = self._version.manifest[path]
        store = self._server.artifact_store
        blob = None if entry.ref else store.blob_by_md5.get((self._version.entity, entry.digest))
        # The SDK downloads exactly the entries listed here; a reference's bytes are not on this
        # server, its "URL" is the reference itself (the SDK fetches it from there).
        url = entry.ref or (self._server.base_url + DOWNLOAD_PATH + blob if blob else None)
        return {
            "__typename": "File",
            "id": f"{self.id}:{path}",
            "name": path,
            "displayName": path,
            "digest": entry.digest,
            "md5": entry.digest,
            "sizeBytes": entry.size,
            "mimetype": "application/octet-stream",
            "updatedAt": self._version.updated_at,
            "url": url,
            "directUrl": url,
            "storagePath": blob,
        }

    def files(
        self, names: list[str] | None = None, first: int | None = None, after: str | None = None, **_: Any
    ) -> dict[str, Any]:
        chosen = [p for p in self._version.manifest if not names or p in names]
        items, start, more = runs_query.page(chosen, first, after)
        return _connection([self._file_node(p) for p in items], start, more)

    def filesByManifestEntries(self, entries: list[dict[str, Any]] | None = None, **_: Any) -> dict[str, Any]:
        wanted = [e["name"] for e in entries or () if e.get("name") in self._version.manifest]
        return _connection([self._file_node(p) for p in wanted], 0, False)


class ArtifactTypeNode:
    typename = "ArtifactType"

    def __init__(self, server: WandbServer, name: str, sequences: list[Sequence]) -> None:
        self._server, self._sequences = server, {s.name: s for s in sequences}
        self.id, self.name = name, name

    def artifactCollection(self, name: str, **_: Any) -> SequenceNode | None:
        sequence = self._sequences.get(name)
        return SequenceNode(self._server, sequence) if sequence else None

    def artifactSequence(self, name: str, **_: Any) -> SequenceNode | None:
        return self.artifactCollection(name)


class MembershipNode:
    """An ``ArtifactCollectionMembership``: a version as seen from its sequence."""

    typename = "ArtifactCollectionMembership"

    def __init__(self, server: WandbServer, version: ArtifactVersion) -> None:
        self.artifact = ArtifactNode(server, version)
        self.id = f"{version.id}:membership"
        self.versionIndex, self.createdAt = version.version_index, version.created_at
        self.aliases = self.artifact.aliases()
        self.artifactCollection = self.artifact.artifactSequence()
        self.files = self.artifact.files


class ProjectArtifacts:
    """Fields of ``Project`` about artifacts (mixed into ``schema.ProjectNode``)."""

    _server: WandbServer
    entityName: str
    name: str

    def _find(self, name: str) -> ArtifactVersion | None:
        return self._server.artifact_store.find(self.entityName, self.name, name)

    def artifact(self, name: str, **_: Any) -> ArtifactNode | None:
        found = self._find(name)
        return ArtifactNode(self._server, found) if found else None

    def artifactCollectionMembership(self, name: str, **_: Any) -> MembershipNode | None:
        found = self._find(name)
        return MembershipNode(self._server, found) if found else None

    def artifactCollection(self, name: str, **_: Any) -> SequenceNode | None:
        sequence = self._server.artifact_store.sequences.get((self.entityName, self.name, name))
        return SequenceNode(self._server, sequence) if sequence else None

    def artifactSequence(self, name: str, **_: Any) -> SequenceNode | None:
        return self.artifactCollection(name)

    def artifactType(self, name: str, **_: Any) -> ArtifactTypeNode | None:
        store = self._server.artifact_store
        sequences = [s for s in store.in_project(self.entityName, self.name) if s.type == name]
        return ArtifactTypeNode(self._server, name, sequences) if sequences else None


class RunArtifacts:
    """Fields of ``Run`` about artifacts (mixed into ``schema.RunNode``)."""

    _server: WandbServer
    _run: Any

    def _artifacts(self, used: bool, first: int | None, after: str | None) -> dict[str, Any]:
        run = (self._run.entity, self._run.project, self._run.name)
        found = self._server.artifact_store.of_run(run, used=used)
        items, start, more = runs_query.page(found, first, after)
        return _connection([ArtifactNode(self._server, v) for v in items], start, more) | {
            "totalCount": len(found)
        }

    def outputArtifacts(self, first: int | None = None, after: str | None = None, **_: Any) -> dict[str, Any]:
        return self._artifacts(False, first, after)

    def inputArtifacts(self, first: int | None = None, after: str | None = None, **_: Any) -> dict[str, Any]:
        return self._artifacts(True, first, after)


class ArtifactQueries:
    """Fields of ``Query`` about artifacts (mixed into ``schema.Query``)."""

    _server: WandbServer

    def artifact(self, id: str, **_: Any) -> ArtifactNode | None:
        found = self._server.artifact_store.by_id.get(id)
        return ArtifactNode(self._server, found) if found else None


class ArtifactMutations:
    """Mutations about artifacts (mixed into ``mutations.Mutation``)."""

    _server: WandbServer

    def _version(self, artifact_id: str) -> ArtifactVersion:
        found = self._server.artifact_store.by_id.get(artifact_id)
        if found is None:
            raise ArtifactError(f"artifact {artifact_id!r} not found")
        return found

    def _run_ref(self, entity: str | None, project: str | None, run: str | None) -> RunRef | None:
        return (entity or self._server.entity, project or "uncategorized", run) if run else None

    def createArtifact(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        entity = input.get("entityName") or self._server.entity
        project = input.get("projectName") or "uncategorized"
        name = input["artifactCollectionName"]
        asked = input.get("aliases") or ()
        aliases = [a["alias"] for a in asked if a.get("artifactCollectionName", name) == name]
        version = self._server.artifact_store.create(
            entity,
            project,
            name,
            input["artifactTypeName"],
            input["digest"],
            run=self._run_ref(entity, project, input.get("runName")),
            aliases=aliases,
            metadata=_json(input.get("metadata")),
            description=input.get("description"),
            dedupe=input.get("enableDigestDeduplication", True) is not False,
        )
        return {"artifact": ArtifactNode(self._server, version)}

    def createArtifactFiles(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        store, base = self._server.artifact_store, self._server.base_url
        edges = []
        for spec in input.get("artifactFiles") or ():
            version = self._version(spec["artifactID"])
            md5 = spec["md5"]
            done = store.has_blob(version.entity, md5)
            url = None if done else base + UPLOAD_PATH + store.upload_token(Upload(version.entity, md5))
            node = {
                "storagePath": f"{version.entity}/{md5}",
                "uploadUrl": url,
                "uploadHeaders": [],
                "uploadMultipartUrls": None,
                "artifact": {"id": version.id},
            }
            edges.append({"node": node})
        return {"files": {"edges": edges}}

    def createArtifactManifest(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        version = self._version(input["artifactID"])
        token = self._server.artifact_store.upload_token(Upload(version.entity, manifest_of=version))
        upload = {"id": token, "uploadUrl": self._server.base_url + UPLOAD_PATH + token, "uploadHeaders": []}
        return {"artifactManifest": {"id": token, "file": upload}}

    def commitArtifact(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        version = self._server.artifact_store.commit(self._version(input["artifactID"]))
        return {"artifact": ArtifactNode(self._server, version)}

    def useArtifact(self, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        version = self._version(input["artifactID"])
        if version.state != COMMITTED:
            raise ArtifactError(f"artifact {version.name!r} is not committed yet")
        run = self._run_ref(input.get("entityName"), input.get("projectName"), input.get("runName"))
        if run is None or self._server.storage.run(*run) is None:
            raise ArtifactError(f"useArtifact: run {run} not found")
        self._server.artifact_store.use(version, run)
        return {"artifact": ArtifactNode(self._server, version)}
