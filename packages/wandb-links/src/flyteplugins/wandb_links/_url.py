"""Safe W&B URLs: a host that passes the plugin's host rule plus percent-encoded path
segments, never a ``.``/``..`` segment."""

from __future__ import annotations

import re
from typing import TypeVar, cast
from urllib.parse import quote

from flyteplugins.wandb_context import hosts

DEFAULT_HOST = hosts.DEFAULT_HOST

# Flyte renders links of remote tasks with placeholders such as ``{{.actionName}}`` that the
# backend fills in later; they must reach it verbatim, not percent-encoded. Only plain spaces
# may pad the name: a tab, newline or other whitespace inside the braces is encoded as text.
_PLACEHOLDER = re.compile(r"(\{\{ *\.[A-Za-z][A-Za-z0-9_]* *\}\})")


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
    """``host`` in the normal form of the host rule (``wandb_context.hosts``), or the default
    W&B host when it is unset or breaks the rule (never a ``javascript:`` or bare path)."""
    checked = SAFE_HOSTS.get(host)
    if checked is None:
        checked = remember(SAFE_HOSTS, host, _link_host(host), _SAFE_HOSTS_MAX)
    return checked


def _link_host(host: str | None) -> str:
    try:
        return hosts.normalize_host(host) or DEFAULT_HOST
    except hosts.HostError:
        return DEFAULT_HOST


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
    """``{host}/{seg}/{seg}...`` with every segment percent-encoded (``/``, ``?``, ``#`` too);
    ``segments`` are ``entity, project, ...``. A segment that would read as ``.`` or ``..``
    (in any spelling) cuts the URL back to the project page, or to the host."""
    key = (host, *segments)
    url = URLS.get(key)
    if url is None:
        url = remember(URLS, key, safe_host(host) + "".join("/" + s for s in _safe_path(segments)), _URLS_MAX)
    return url


def _safe_path(segments: tuple[str, ...]) -> list[str]:
    """Encoded segments, cut where one would be a dot segment: a bad entity or project leaves
    the host alone, a bad id (or later part) leaves the project page."""
    encoded = [segment(s) for s in segments]
    for i, part in enumerate(encoded):
        if hosts.is_dot_segment(part):
            return encoded[:2] if i >= 2 else []
    return encoded


def check_link_values(caller: str, host: str | None, **names: str | None) -> None:
    """``ValueError`` where a link is made: a host that breaks the host rule, or an entity,
    project or id that would be a ``.``/``..`` path segment."""
    hosts.check_host(host, caller)
    for field_name, value in names.items():
        if isinstance(value, str) and hosts.is_dot_segment(value):
            raise ValueError(
                f"{caller}({field_name}={value!r}): a W&B {field_name} cannot be '.' or '..' in any "
                "spelling (such as '%2e%2e'): a browser would read it as a step up the URL path. "
                "Pass the real W&B name."
            )


def build_url_for(key: tuple[str | None, ...]) -> str:
    """``build_url(*key)`` for a ``URLS`` key ``(host, *segments)``: what a cache miss calls."""
    host, *segments = key
    return build_url(host, *cast("list[str]", segments))
