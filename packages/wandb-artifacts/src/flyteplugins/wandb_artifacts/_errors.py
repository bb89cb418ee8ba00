"""Exception types shared by the modules of this package."""

from __future__ import annotations


class LocalRunNotFoundError(FileNotFoundError, RuntimeError):
    """No local W&B run directory (or record log) where one was expected.

    Both a ``FileNotFoundError`` (it is about files) and a ``RuntimeError`` (what every
    download failure of this package raises).
    """
