"""HTML building blocks of the report tab: escaping, safe links, tables, value formatting and
the tab's one stylesheet. Every user-controlled string reaches the page through :func:`esc`."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlsplit

MAX_TABLE_ROWS = 300
"""Rows shown per table; the rest are counted, so a huge config cannot bloat the tab."""
MAX_VALUE_CHARS = 300
"""Characters shown per value (the rest is cut, with an ellipsis)."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_NOT_IN_URL = frozenset(chr(c) for c in (*range(0x21), 0x7F)) | frozenset("\"'`<>\\{}|^")
_MAX_URL = 2048
_MAX_DEPTH = 8
_NUMERIC = ' class="n"'

ROOT_CLASS = "fwb"
"""Class of the tab's root element; every style rule is scoped under it."""

# Flyte's report page hides every tab but the active one and switches tabs with JavaScript;
# without JavaScript, this shows the tabs' content (all of them) instead of none.
NOSCRIPT = "<noscript><style>#flyte-frame-container > div { display: block }</style></noscript>"

STYLE = """<style>
.fwb{--fg:#1f2937;--bg:#fff;--mu:#6b7280;--bd:#e5e7eb;--c1:#2563eb;--c2:#c2410c;--ok:#15803d;
--bad:#b91c1c;--run:#1d4ed8;color-scheme:light;color:var(--fg);background:var(--bg);padding:12px 16px;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:left}
@media (prefers-color-scheme:dark){.fwb{--fg:#e5e7eb;--bg:#111827;--mu:#9ca3af;--bd:#374151;
--c1:#60a5fa;--c2:#fb923c;--ok:#4ade80;--bad:#f87171;--run:#93c5fd;color-scheme:dark}}
.fwb h2{font-size:18px;margin:0 0 6px}.fwb h3{font-size:15px;margin:20px 0 6px}
.fwb h4{font-size:13px;margin:14px 0 6px;color:var(--mu)}.fwb p{margin:4px 0}
.fwb a{color:var(--c1)}.fwb .mu{color:var(--mu);fill:var(--mu)}
.fwb code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.fwb .st{display:inline-block;padding:0 8px;border:1px solid;border-radius:9px;font-weight:600}
.fwb .running{color:var(--run)}.fwb .finished{color:var(--ok)}.fwb .failed,.fwb .crashed{color:var(--bad)}
.fwb .note{border-left:3px solid var(--c2);padding:2px 8px;margin:6px 0}
.fwb .charts{display:flex;flex-wrap:wrap;gap:12px}
.fwb figure{margin:0;border:1px solid var(--bd);border-radius:6px;padding:4px;max-width:100%}
.fwb figcaption{font-size:12px;color:var(--mu);padding:0 6px 2px}
.fwb svg.chart{display:block;max-width:100%;height:auto}
.fwb .ln{stroke:var(--c1)}.fwb .mk{fill:var(--c1)}.fwb .best{stroke:var(--c2)}.fwb .lg{fill:var(--c2)}
.fwb .hv rect:hover{fill:currentColor;fill-opacity:.08}
.fwb table{border-collapse:collapse;font-size:13px;margin:4px 0}
.fwb th,.fwb td{border-bottom:1px solid var(--bd);padding:3px 14px 3px 0;text-align:left;vertical-align:top}
.fwb td.n{text-align:right;font-variant-numeric:tabular-nums}
.fwb details>summary{cursor:pointer;font-weight:600;margin:16px 0 4px}
</style>"""


def esc(value: object) -> str:
    """``value`` as text for HTML and XML alike: escaped (quotes too), without the characters
    XML forbids. The one way user-controlled text reaches the page."""
    return escape(_NOT_XML.sub("\ufffd", str(value)), quote=True)


def safe_href(url: object) -> str | None:
    """``url`` when a browser may follow it: an absolute ``http``/``https`` URL with a host, no
    ``user:password@``, no whitespace, control or non-ASCII character, quote or angle bracket;
    otherwise ``None`` (the page shows it as text)."""
    if not isinstance(url, str) or not url.isascii() or len(url) > _MAX_URL:
        return None
    if not _NOT_IN_URL.isdisjoint(url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    if not url.lower().startswith(f"{parts.scheme}://"):
        return None
    return url


def link(label: str, url: object) -> str:
    """A link opening in a new tab, or ``label: url`` as text when ``url`` is not safe."""
    href = safe_href(url)
    if href is None:
        return f"{esc(label)}: <code>{esc(shorten(str(url)))}</code>"
    return f'<a href="{esc(href)}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


def shorten(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def inline_code(text: str) -> str:
    """Escaped ``text`` with its `backticked` parts in ``<code>``."""
    pieces = esc(text).split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: no code at all
        return esc(text)
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def flatten(values: Mapping[Any, Any], prefix: str = "", depth: int = 0) -> Iterable[tuple[str, Any]]:
    """``(dotted key, value)`` pairs of nested dicts: ``{"a": {"b": 1}}`` gives ``("a.b", 1)``."""
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and depth < _MAX_DEPTH and "_type" not in value:
            yield from flatten(value, f"{name}.", depth + 1)
        else:
            yield name, value


def value_html(value: Any) -> str:
    """A config or summary value as a table cell's content: numbers compact, a W&B media value
    as its kind, a safe URL as a link, anything long cut."""
    if isinstance(value, str):
        return link(shorten(value), value) if safe_href(value) else esc(shorten(value))
    return esc(shorten(value_text(value)))


def value_text(value: Any) -> str:
    """Plain text of a value: ``0.1235`` for floats (6 significant digits), ``[image-file]`` for
    a W&B media value, JSON for lists and dicts."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, Mapping) and isinstance(value.get("_type"), str):
        return f"[{value['_type']}]"
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool] = ()) -> str:
    """A table of already-built cell HTML; ``header`` is plain text. Columns flagged in
    ``numeric`` are right-aligned. Rows past :data:`MAX_TABLE_ROWS` are counted, not shown."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows[:MAX_TABLE_ROWS]:
        cells = (
            f"<td{_NUMERIC if i < len(numeric) and numeric[i] else ''}>{cell}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{''.join(cells)}</tr>")
    more = len(rows) - MAX_TABLE_ROWS
    tail = f'<p class="mu">{more:,} more not shown.</p>' if more > 0 else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{tail}"


def key_value_table(pairs: Sequence[tuple[str, Any]]) -> str:
    """A two-column table of ``(key, value)`` pairs."""
    return table(("key", "value"), [(f"<code>{esc(shorten(k))}</code>", value_html(v)) for k, v in pairs])


def fragment(body: str) -> str:
    """The tab's HTML fragment: its stylesheet, the no-JavaScript fallback and ``body``."""
    return f'<div class="{ROOT_CLASS}">{STYLE}{NOSCRIPT}{body}</div>'
