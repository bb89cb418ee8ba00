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
    ``RunReport.partial`` says the same for callers of ``download_run``/``export_offline``.
    """
