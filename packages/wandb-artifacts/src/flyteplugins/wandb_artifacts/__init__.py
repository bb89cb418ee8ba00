"""Download and export of W&B runs and sweeps (placeholder during development)."""

from ._version import __version__

__all__ = ["__version__"]
