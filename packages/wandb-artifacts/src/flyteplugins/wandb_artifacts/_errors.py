"""Exception and warning types shared by the modules of this package."""

from __future__ import annotations


class LocalRunNotFoundError(FileNotFoundError, RuntimeError):
    """No local W&B run directory (or record log) where one was expected.

    Both a ``FileNotFoundError`` (it is about files) and a ``RuntimeError`` (what every
    download failure of this package raises).
    """


class UnsafeTargetError(RuntimeError):
    """Something found in a target directory that we refuse to use (a symlink where our own
    directory goes, or a file in its place); the message names the path."""


class PartialExportWarning(UserWarning):
    """An export wrote only part of a run (its record log is damaged or still being written).

    Raised as an error instead with ``warnings.simplefilter("error", PartialExportWarning)``;
    ``RunReport.partial`` says the same to the CLI (:mod:`.internal`).
    """


class RecordLogError(ValueError):
    """The file is not a W&B record log, or nothing in it is readable."""


class UndecodableRecordError(RecordLogError):
    """A record whose checksum is fine but whose bytes are not a W&B protobuf record."""


class SdkChangedError(RuntimeError):
    """wandb no longer has the shape this package was built against (see :mod:`._compat`)."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"wandb changed {what} (installed: {_wandb_version()}). flyteplugins-wandb-artifacts does "
            "not know this version yet: install a wandb release inside the range the package declares "
            "(its README, 'Supported versions'), or upgrade the plugin."
        )


def _wandb_version() -> str:
    try:
        from importlib.metadata import version

        return f"wandb {version('wandb')}"
    except Exception:  # pragma: no cover - wandb is a dependency
        return "wandb of unknown version"
