"""W&B artifacts into local directories: :func:`download_wandb_artifact_dir`.

``wandb.Api().artifact(path)`` resolves the version and its manifest. Every entry is fetched
with the SDK's own entry download (``Artifact.get_entry(path).download(root)``): stored files
from W&B, reference entries from where they point (``file://``, ``s3://``, ``gs://``,
``http(s)://``...) with the credentials the SDK's storage handlers find (boto3 for ``s3://``).
The SDK writes into a scratch directory inside the target; each file is checked against the
manifest (its size, and its MD5 where the manifest has one: files stored on W&B and ``file://``
references), then renamed into place. So a reader never sees a partial file, a file already
there with the right MD5 is skipped (a rerun resumes), and transient failures are retried.

Every entry path is checked before anything is written: one that would land outside the target
(absolute, ``..``, backslash, NUL, empty, too long) refuses the whole artifact.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._atomic import Staging
from ._compat import evict_cached_artifact_file
from ._context import ContextSettings
from ._errors import UnsafeTargetError
from ._fs import make_dirs, remove_created
from ._paths import STAGING_DIR, UnsafePathError, check_id, safe_destination, shown_name
from ._report import ProgressListener, is_same_file, md5_base64
from ._retry import DEFAULT_POLICY, RetryPolicy, TransientError, call_with_retry
from ._wandb_api import Target, auth_error, is_auth_error, make_api, resolve_target

logger = logging.getLogger(__name__)

PATH_FORMS = "ENTITY/PROJECT/NAME:ALIAS or PROJECT/NAME:ALIAS (ALIAS: an alias such as latest, or vN)"
DEFAULT_WORKERS = 16
ARTIFACT_RESERVED = frozenset({STAGING_DIR})

# W&B's artifact names: letters, digits, dashes, underscores, dots. Entities and projects may
# not hold "/\\#?%:"; aliases no "/" or ":". None of them whitespace or control characters.
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_SCOPE_BAD = re.compile(r"[/\\#?%:\s\x00-\x1f\x7f]")
_ALIAS_BAD = re.compile(r"[/:\s\x00-\x1f\x7f]")


class UnsafeManifestError(UnsafeTargetError):
    """An artifact's manifest names a path that would land outside the target directory."""


@dataclass(frozen=True)
class ArtifactPath:
    """A parsed ``[ENTITY/]PROJECT/NAME[:ALIAS]``; ``version`` is ``latest`` when none is given."""

    entity: str | None
    project: str
    name: str
    version: str

    def full(self, entity: str) -> str:
        return f"{entity}/{self.project}/{self.name}:{self.version}"


def parse_artifact_path(path: str) -> ArtifactPath:
    """Split and check an artifact path; ``ValueError`` naming the value and the expected form."""
    if not isinstance(path, str):
        raise ValueError(f"W&B artifact path must be a string like {PATH_FORMS}, got {path!r}.")
    parts = path.split("/")
    problem = None
    if len(parts) not in (2, 3) or not all(parts):
        problem = "it needs two or three non-empty parts separated by '/'"
    elif any(_SCOPE_BAD.search(p) or p in (".", "..") for p in parts[:-1]):
        problem = "the entity or project holds a character W&B does not allow there"
    else:
        name, colon, version = parts[-1].partition(":")
        if not _NAME.fullmatch(name) or name in (".", ".."):
            problem = "the artifact name may hold only letters, digits, '-', '_' and '.'"
        elif colon and (not version or _ALIAS_BAD.search(version)):
            problem = "the alias after ':' must be non-empty, without '/', ':' or spaces"
        else:
            entity = parts[0] if len(parts) == 3 else None
            return ArtifactPath(entity, parts[-2], name, version or "latest")
    raise ValueError(f"W&B artifact path {path!r} is not valid: {problem}. Expected {PATH_FORMS}.")


def default_artifact_path(entity: str, project: str, name: str, version: str) -> Path:
    """``{tempfile.gettempdir()}/wandb_artifacts/{entity}/{project}/{name}/{version}``: one
    directory per resolved version, so a newer ``latest`` never mixes with an older one."""
    return default_artifacts_base() / entity / project / name / check_id("artifact version", version)


def default_artifacts_base() -> Path:
    return Path(tempfile.gettempdir()) / "wandb_artifacts"


@dataclass
class ArtifactReport:
    """What downloading one artifact version did, per manifest entry."""

    artifact: str  # "entity/project/name:vN", as resolved
    path: str
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already there with the right MD5
    failed: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # a symlink planted in the target
    unverified: list[str] = field(default_factory=list)  # no MD5 in the manifest: size only
    bytes_written: int = 0
    verified: int = 0  # files whose MD5 matched the manifest (downloaded or skipped)
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note_retry(self, *_: object) -> None:
        with self._lock:
            self.retries += 1

    def record(
        self, name: str, status: str, *, size: int = 0, md5_checked: bool = False, why: str = ""
    ) -> None:
        """One entry's outcome (called from worker threads); ``status`` as ``ProgressListener``'s."""
        with self._lock:
            if status == "failed":
                self.failed[name] = why
            elif status == "rejected":
                self.refused[name] = why
            else:
                (self.skipped if status == "skipped" else self.downloaded).append(name)
                self.bytes_written += size if status == "downloaded" else 0
                self.verified += md5_checked
                if not md5_checked:
                    self.unverified.append(name)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.refused

    def problems(self) -> str:
        failed = "; ".join(f"{shown_name(n)} ({why})" for n, why in self.failed.items())
        refused = "; ".join(f"{shown_name(n)} ({why})" for n, why in self.refused.items())
        return " | ".join(
            part for part in (failed and f"failed: {failed}", refused and f"refused: {refused}") if part
        )


def download_wandb_artifact_dir(path: str, target: str | None = None, *, host: str | None = None) -> str:
    """Download a W&B artifact version into a local directory.

    Args:
        path: ``entity/project/name:alias`` (or ``project/name:alias``, the entity then comes
            from ``wandb_config(entity=...)`` in the Flyte context, ``WANDB_ENTITY`` or your API
            key's default entity); the alias may be ``latest``, any alias, or a version ``vN``.
        target: Directory to write into; defaults to
            ``{tempfile.gettempdir()}/wandb_artifacts/{entity}/{project}/{name}/{version}``.
        host: A self-hosted W&B server; defaults to ``wandb_config(host=...)``, else
            ``WANDB_BASE_URL``, else the W&B cloud.

    Each file is written atomically after its size (and MD5, where the manifest has one) was
    checked, files already present with the right MD5 are skipped, transient failures retried.
    Reference entries are fetched from where they point by the SDK's storage handlers.

    Returns:
        The directory, as a string.

    Raises:
        ValueError: ``path`` is not of the form above, or ``host`` is not a valid URL.
        UnsafeTargetError: a manifest entry would land outside the target (nothing is written),
            or something planted in the target is in the way.
        RuntimeError: the artifact was not found, authentication failed, or files failed
            after retries (the others are in place: run it again to fetch the rest).
    """
    report = download_artifact(path, target, host=host)
    raise_for_artifact(report)
    return report.path


def raise_for_artifact(report: ArtifactReport) -> None:
    if report.refused:
        raise UnsafeTargetError(
            f"W&B artifact {report.artifact}: refused to write through {report.path}: {report.problems()}"
        )
    if report.failed:
        raise RuntimeError(
            f"W&B artifact {report.artifact}: download into {report.path} is incomplete: "
            f"{report.problems()}. Files already there are complete; run it again to fetch the rest."
        )


def download_artifact(
    path: str,
    target: str | os.PathLike[str] | None = None,
    *,
    host: str | None = None,
    listener: ProgressListener | None = None,
    default_base: Path | None = None,
    workers: int = DEFAULT_WORKERS,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> ArtifactReport:
    """Like :func:`download_wandb_artifact_dir`, but returns the :class:`ArtifactReport` instead
    of raising for per-file failures. Without ``target`` the files go to
    ``{default_base}/{name}/{version}`` (``default_base``: ``.../wandb_artifacts/{entity}/{project}``)."""
    wanted = parse_artifact_path(path)
    context = ContextSettings.from_context(wanted.entity, wanted.project, host)
    api = make_api(context.api_url, policy)
    where = resolve_target(api, context.entity, wanted.project, f"artifact {path!r}")
    artifact, entries = _fetch_artifact(api, where, wanted, policy)
    version = str(artifact.version)
    resolved = f"{where.entity}/{where.project}/{wanted.name}:{version}"
    if target is not None:
        dest = Path(target).expanduser()
    elif default_base is not None:
        dest = default_base / wanted.name / check_id("artifact version", version)
    else:
        dest = default_artifact_path(where.entity, where.project, wanted.name, version)
    dest = dest.resolve()
    destinations = _destinations(resolved, dest, entries)  # every path checked before any write
    listener = listener or ProgressListener()
    report = ArtifactReport(artifact=resolved, path=str(dest))
    created = make_dirs(dest)
    try:
        listener.run_started(resolved, len(entries))
        with (
            Staging(dest) as staging,
            ThreadPoolExecutor(workers, thread_name_prefix="wandb-artifact") as pool,
        ):

            def fetch(name: str) -> None:
                status, size = _fetch_entry(artifact, name, destinations[name], staging, report, policy)
                listener.file_done(resolved, name, status, size)

            for job in [pool.submit(fetch, name) for name in entries]:
                job.result()
    except BaseException:
        remove_created(created)  # no empty target left behind by a failure
        raise
    return report


def _fetch_artifact(
    api: Any, where: Target, wanted: ArtifactPath, policy: RetryPolicy
) -> tuple[Any, list[str]]:
    """The SDK's ``Artifact`` and its manifest's entry paths; RuntimeError naming what is wrong."""
    full = wanted.full(where.entity)

    def load() -> tuple[Any, list[str]]:
        artifact = api.artifact(full)
        return artifact, list(artifact.manifest.entries)

    try:
        return call_with_retry(load, policy)
    except Exception as exc:
        if is_auth_error(exc):
            raise auth_error(where.base_url or "W&B", exc) from exc
        if "not found" in str(exc).lower() or isinstance(exc, LookupError):
            raise RuntimeError(
                f"W&B artifact {full!r} was not found. Check the name and alias (W&B shows both on the "
                "artifact's page) and the entity and project it was logged to."
            ) from exc
        raise RuntimeError(f"Could not fetch W&B artifact {full!r}: {exc}") from exc


def _destinations(artifact: str, dest: Path, entries: list[str]) -> dict[str, Path]:
    found, refused = {}, {}
    for name in entries:
        try:
            found[name] = safe_destination(dest, name, ARTIFACT_RESERVED)
        except UnsafePathError as err:
            refused[name] = err.reason
    if refused:
        listed = "; ".join(f"{shown_name(n)} ({why})" for n, why in refused.items())
        raise UnsafeManifestError(
            f"W&B artifact {artifact}: its manifest names {len(refused)} path(s) that would land outside "
            f"{dest} or cannot be written there: {listed}. Nothing was downloaded."
        )
    return found


def manifest_md5(entry: Any) -> str | None:
    """The entry's MD5 (base64) if the manifest records one: files stored on W&B and ``file://``
    references of an MD5 artifact (others carry an ETag, a version or the URI itself)."""
    ref = entry.ref
    if ref is not None and not str(ref).startswith("file://"):
        return None
    # Newer artifacts may hash with XXH128 (the method is missing in SDKs that only knew MD5).
    algorithm = entry.digest_algorithm() if hasattr(entry, "digest_algorithm") else "MANIFEST_MD5"
    if getattr(algorithm, "value", algorithm) != "MANIFEST_MD5":
        return None
    digest = str(entry.digest)
    try:
        return digest if len(base64.b64decode(digest, validate=True)) == 16 else None
    except (binascii.Error, ValueError):
        return None


def _fetch_entry(
    artifact: Any, name: str, dest: Path, staging: Staging, report: ArtifactReport, policy: RetryPolicy
) -> tuple[str, int]:
    """One manifest entry into place: (status, size); the outcome is recorded in ``report``."""
    entry = artifact.get_entry(name)
    size, md5 = entry.size, manifest_md5(entry)
    if md5 is not None and size is not None and is_same_file(dest, size, md5):
        report.record(name, "skipped", size=size, md5_checked=True)
        return "skipped", size
    try:
        staged = call_with_retry(
            lambda: _fetch_verified(entry, staging, size, md5), policy, report.note_retry
        )
        written = staged.stat().st_size
        staging.publish(staged, dest)
    except UnsafePathError as err:  # a symlink planted on the way since the name was checked
        report.record(name, "rejected", why=err.reason)
        return "rejected", size or 0
    except Exception as exc:
        report.record(name, "failed", why=f"{type(exc).__name__}: {exc}")
        return "failed", size or 0
    report.record(name, "downloaded", size=written, md5_checked=md5 is not None)
    return "downloaded", written


def _fetch_verified(entry: Any, staging: Staging, size: int | None, md5: str | None) -> Path:
    """The SDK's download of ``entry`` into the scratch area, checked against the manifest."""
    staged = Path(entry.download(root=str(staging.downloads_dir())))
    actual = staged.stat().st_size
    if (size is not None and actual != size) or (md5 is not None and md5_base64(staged) != md5):
        staged.unlink(missing_ok=True)
        if md5 is not None:  # or the retry would be served the same bytes from the SDK's cache
            evict_cached_artifact_file(md5, size or 0)
        raise TransientError(
            f"{shown_name(str(entry.path))}: the download ({actual} bytes) does not match the manifest "
            f"({size} bytes, digest {entry.digest}): truncated or corrupted in transfer"
        )
    return staged
