"""Safe W&B URLs: a host that passes the plugin's host rule, then percent-encoded path
segments, never a ``.``/``..`` segment."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from flyteplugins.wandb_context.internal import hosts

# Flyte renders links of remote tasks with placeholders such as ``{{.actionName}}`` that the
# backend fills in later; they must reach it verbatim, not percent-encoded. Only plain spaces
# may pad the name: a tab, newline or other whitespace inside the braces is encoded as text.
_PLACEHOLDER = re.compile(r"(\{\{ *\.[A-Za-z][A-Za-z0-9_]* *\}\})")


@lru_cache(maxsize=256)  # a host is parsed to check it, and links see the same few hosts
def safe_host(host: str | None) -> str:
    """``host`` in the normal form of the host rule (``wandb_context`` ``hosts``), or the
    default W&B host when it is unset or breaks the rule (never a ``javascript:`` or bare path)."""
    try:
        return hosts.normalize_host(host) or hosts.DEFAULT_HOST
    except hosts.HostError:
        return hosts.DEFAULT_HOST


def build_url(host: str | None, *segments: str) -> str:
    """``{host}/{seg}/{seg}...`` with every segment percent-encoded (``/``, ``?``, ``#`` too);
    ``segments`` are ``entity, project, ...``. A segment that would read as ``.`` or ``..``
    (in any spelling) cuts the URL back: a bad entity or project to the host alone, a bad id
    (or later part) to the project page."""
    path = [_segment(s) for s in segments]
    for i, part in enumerate(path):
        if hosts.is_dot_segment(part):
            path = path[:2] if i >= 2 else []
            break
    return safe_host(host) + "".join("/" + part for part in path)


def _segment(value: str) -> str:
    if "{{" not in value:
        return quote(value, safe="")
    parts = _PLACEHOLDER.split(value)
    # split() with one capture group alternates text, placeholder, text, ...
    return "".join(part if i % 2 else quote(part, safe="") for i, part in enumerate(parts))


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
