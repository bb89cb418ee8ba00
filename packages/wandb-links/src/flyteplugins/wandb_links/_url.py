"""Safe W&B URLs: an http(s) host plus percent-encoded path segments."""

from __future__ import annotations

import re
from typing import TypeVar, cast
from urllib.parse import quote, urlsplit

DEFAULT_HOST = "https://wandb.ai"

# Flyte renders links of remote tasks with placeholders such as ``{{.actionName}}`` that the
# backend fills in later; they must reach it verbatim, not percent-encoded.
_PLACEHOLDER = re.compile(r"(\{\{\s*\.[A-Za-z][A-Za-z0-9_]*\s*\}\})")


K = TypeVar("K")


def remember(cache: dict[K, str], key: K, value: str, limit: int) -> str:
    """``cache[key] = value``; a cache holding ``limit`` entries is emptied first, so a flood
    of distinct values cannot grow it without bound."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


# Checked hosts by what was given; hot paths read ``SAFE_HOSTS[host]`` before calling safe_host.
SAFE_HOSTS: dict[str | None, str] = {None: DEFAULT_HOST, "": DEFAULT_HOST}
_SAFE_HOSTS_MAX = 256


def safe_host(host: str | None) -> str:
    """``host`` without trailing slashes, query or fragment if it is an http(s) URL with a
    network location; otherwise the default W&B host (never a ``javascript:`` or bare path)."""
    checked = SAFE_HOSTS.get(host)
    if checked is None:
        checked = remember(SAFE_HOSTS, host, _check_host(host) if host else DEFAULT_HOST, _SAFE_HOSTS_MAX)
    return checked


def _check_host(host: str) -> str:
    try:
        parts = urlsplit(host.strip())
    except ValueError:
        return DEFAULT_HOST
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not parts.hostname:
        return DEFAULT_HOST
    if any(c in parts.netloc for c in " \t\r\n\\"):
        return DEFAULT_HOST
    path = quote(parts.path.rstrip("/"), safe="/%")
    return f"{parts.scheme.lower()}://{parts.netloc}{path}"


_SEGMENTS: dict[str, str] = {}
_SEGMENTS_MAX = 8192


def segment(value: str) -> str:
    """``value`` as one percent-encoded path segment (cached: the same names recur)."""
    encoded = _SEGMENTS.get(value)
    if encoded is None:
        encoded = remember(_SEGMENTS, value, _encode_segment(value), _SEGMENTS_MAX)
    return encoded


def _encode_segment(value: str) -> str:
    if "{{" not in value:
        return quote(value, safe="")
    parts = _PLACEHOLDER.split(value)
    # split() with one capture group alternates text, placeholder, text, ...
    return "".join(part if i % 2 else quote(part, safe="") for i, part in enumerate(parts))


# A link renderer sees the same few hosts, entities, projects and run ids over and over, so
# finished URLs are kept by their parts; hot paths read ``URLS[parts]`` before building.
URLS: dict[tuple[str | None, ...], str] = {}
_URLS_MAX = 8192


def build_url(host: str | None, *segments: str) -> str:
    """``{host}/{seg}/{seg}...`` with every segment percent-encoded (``/``, ``?``, ``#`` too)."""
    key = (host, *segments)
    url = URLS.get(key)
    if url is None:
        base = safe_host(host)
        url = remember(URLS, key, base + "".join("/" + segment(s) for s in segments), _URLS_MAX)
    return url


def build_url_for(key: tuple[str | None, ...]) -> str:
    """``build_url(*key)`` for a ``URLS`` key ``(host, *segments)``: what a cache miss calls."""
    host, *segments = key
    return build_url(host, *cast("list[str]", segments))
