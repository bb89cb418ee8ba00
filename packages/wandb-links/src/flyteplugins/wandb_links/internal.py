"""Plumbing of the links package for sibling packages and tests only.

Not part of the public API: no stability promise, names may change in any release. Users import
``Wandb`` and ``WandbSweep`` from ``flyteplugins.wandb_links`` (or ``flyteplugins.wandb``) only.
"""

from ._links import _default_run_url, _url
from ._url import safe_host

URL_CACHES = (safe_host, _url, _default_run_url)
"""The bounded ``functools.lru_cache`` caches links render through (``cache_info()``,
``cache_clear()``)."""

__all__ = ["URL_CACHES"]
