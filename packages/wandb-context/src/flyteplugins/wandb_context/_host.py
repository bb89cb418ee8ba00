"""The one host rule of the plugin: which W&B hosts are accepted, and their normal form.

Links, runs and downloads all read a host through :func:`normalize_host`. Links fall back to
:data:`DEFAULT_HOST` for a host that breaks the rule; runs and downloads refuse it, so the API
key only ever goes to a host the user named.
"""

from __future__ import annotations

import functools
import ipaddress
import string
from urllib.parse import quote, unquote, unquote_to_bytes

DEFAULT_HOST = "https://wandb.ai"
"""The public W&B UI, used by links when no (valid) host is set."""

# The public W&B UI serves no API: its API is the SDK's default (api.wandb.ai).
_PUBLIC_HOSTNAMES = frozenset({"wandb.ai", "www.wandb.ai", "api.wandb.ai"})

_MAX_LENGTH = 2048
# ASCII controls, space, quotes, angle brackets and backslash (browsers read it as "/"); unicode
# whitespace, controls and format characters are checked separately. (No regexes: this module
# is imported by the UI-only link package, whose import time is measured.)
_FORBIDDEN_ASCII = frozenset(chr(c) for c in (*range(0x21), 0x7F)) | frozenset("\"'`<>\\")
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+.-")
_HEX_DIGITS = frozenset(string.hexdigits)
_SHOWN_MAX = 200


class HostError(ValueError):
    """A W&B host that breaks the host rule; the message never contains a password or query."""


def normalize_host(host: str | None) -> str | None:
    """``host`` in normal form (``scheme://hostname[:port][/path]``, lowercase IDNA hostname,
    no trailing slash), or ``None`` when it is ``None`` or empty (not set).

    A valid host uses ``http``/``https``; has a well-formed hostname (letters, digits, inner
    hyphens per label; unicode is IDNA-encoded; ``localhost``, an IPv4 address or a bracketed
    IPv6 address are fine) and optionally a port ``1``-``65535``; may have a path prefix (for
    a server behind one; no ``.``/``..`` segment in any spelling, re-encoded); and has no
    ``user:password@``, query, fragment, whitespace, control character, quote, backslash or
    angle bracket anywhere in the given string.

    Raises:
        HostError: a ``ValueError`` naming the (redacted) value, what is wrong and the fix.
    """
    return _normalized(host, shown_host(host) if isinstance(host, str) else repr(host))


def check_host(value: object, caller: str = "") -> None:
    """Refuse a bad host where it is given: ``caller`` names the call, e.g. ``"@wandb_init"``."""
    if value is None or value == "":
        return
    shown = shown_host(value) if isinstance(value, str) else repr(value)
    _normalized(value, f"{caller}(host={shown})" if caller else f"host={shown}")


def _normalized(host: object, where: str) -> str | None:
    if host is None or host == "":
        return None
    if not isinstance(host, str):
        raise HostError(f"{where}: a W&B host must be a string such as 'https://wandb.example.com'.")
    problem, normal = _parse(host)
    if problem:
        raise HostError(
            f"{where} is not a valid W&B host: {problem}. Use an http(s) URL such as "
            "'https://wandb.example.com' (a port and a path prefix are fine; no user:password@, "
            "query or fragment)."
        )
    return normal


def api_base_url(host: str | None) -> str | None:
    """The W&B API URL for a UI host: ``None`` (the SDK's default, api.wandb.ai) for no host or
    the public wandb.ai; a self-hosted server serves its API on its own host.

    Raises:
        HostError: the host breaks the host rule (never a fallback to the W&B cloud).
    """
    normal = normalize_host(host)
    if normal is None or _hostname_of(normal) in _PUBLIC_HOSTNAMES:
        return None
    return normal


def shown_host(value: str) -> str:
    """``repr(value)`` safe for messages: any ``user:password@`` part and everything after a
    ``?`` or ``#`` are masked (they may carry a secret), and long values are cut."""
    at = value.rfind("@")
    if at != -1:
        scheme_end = value.find("://")
        start = scheme_end + 3 if 0 <= scheme_end < at else 0
        value = f"{value[:start]}***{value[at:]}"
    for mark in "?#":
        i = value.find(mark)
        if i != -1:
            value = value[: i + 1] + "***"
    if len(value) > _SHOWN_MAX:
        value = value[:_SHOWN_MAX] + "..."
    return repr(value)


def _hostname_of(normal: str) -> str:
    authority = normal.split("://", 1)[1].split("/", 1)[0]
    return authority if authority.startswith("[") else authority.split(":", 1)[0]


@functools.lru_cache(maxsize=256)  # every task invocation checks its host; they are few and recur
def _parse(host: str) -> tuple[str, str]:
    """``(problem, normal form)``: exactly one of them is empty."""
    if len(host) > _MAX_LENGTH:
        return f"longer than {_MAX_LENGTH} characters", ""
    # urlsplit() silently drops tabs and newlines, and browsers drop them too: checked on the
    # raw string, so "https://wandb.ai\n.evil.com" cannot turn into another host.
    if not _FORBIDDEN_ASCII.isdisjoint(host) or (not host.isascii() and _has_unicode_control(host)):
        return "it contains whitespace, a control character, a quote, a backslash or an angle bracket", ""
    # refused wherever it is ("https://u:pw/x@host" has it in the path): what stands before it
    # may be a password, and no later message may quote a piece of it
    if "@" in host:
        return "it has a user:password@ part (credentials go in WANDB_API_KEY)", ""
    scheme, separator, rest = host.partition("://")
    if not separator or not scheme[:1].isalpha() or not _SCHEME_CHARS.issuperset(scheme):
        return "it is not a URL of the form http(s)://hostname", ""
    scheme = scheme.lower()
    if scheme not in ("http", "https"):
        return f"the scheme must be http or https, not {scheme!r}", ""
    if "?" in rest or "#" in rest:
        return "it has a query or fragment", ""
    authority, slash, path = rest.partition("/")
    problem, netloc = _parse_authority(authority)
    if problem:
        return problem, ""
    problem, normal_path = _parse_path(path) if slash else ("", "")
    if problem:
        return problem, ""
    return "", f"{scheme}://{netloc}{normal_path}"


def _has_unicode_control(text: str) -> bool:
    import unicodedata

    # Cc/Cf/Cs/Co/Cn (controls, zero-width and bidi marks, ...) and Z* separators
    return any(unicodedata.category(c)[0] in "CZ" or c.isspace() for c in text if not c.isascii())


def _parse_authority(authority: str) -> tuple[str, str]:
    if not authority:
        return "it has no hostname", ""
    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            return "an IPv6 address must be in brackets, e.g. http://[::1]:8080", ""
        hostname, after = authority[1:end], authority[end + 1 :]
        if after and not after.startswith(":"):
            return "unexpected text after the IPv6 address", ""
        try:
            if "%" in hostname:
                raise ValueError(hostname)
            normal_host = f"[{ipaddress.IPv6Address(hostname).compressed}]"
        except ValueError:
            return f"{hostname!r} is not an IPv6 address", ""
        port = after[1:] if after else None
    else:
        hostname, colon, port_text = authority.partition(":")
        port = port_text if colon else None
        problem, normal_host = _parse_hostname(hostname)
        if problem:
            return problem, ""
    if port is None:
        return "", normal_host
    if not (port.isascii() and port.isdigit() and len(port) <= 5 and 1 <= int(port) <= 65535):
        return f"the port {port!r} must be a number from 1 to 65535", ""
    return "", f"{normal_host}:{int(port)}"


def _parse_hostname(hostname: str) -> tuple[str, str]:
    if not hostname:
        return "it has no hostname", ""
    if not hostname.isascii():
        try:
            hostname = hostname.encode("idna").decode("ascii")
        except UnicodeError:
            return "the hostname cannot be IDNA-encoded", ""
    hostname = hostname.lower()
    labels = hostname.split(".")
    if len(hostname) > 253 or not all(_is_label(label) for label in labels):
        return (
            "the hostname must be dot-separated labels of 1-63 letters, digits or inner hyphens "
            "(or an IP address)",
            "",
        )
    # A numeric last label makes a browser read the whole name as an IPv4 address
    # ("2130706433", "0x7f.1"): only the plain dotted form is accepted.
    last = labels[-1]
    if last.isdigit() or (last.startswith("0x") and _HEX_DIGITS.issuperset(last[2:])):
        try:
            return "", str(ipaddress.IPv4Address(hostname))
        except ValueError:
            return f"{hostname!r} is not a dotted IPv4 address", ""
    for label in labels:
        if label.startswith("xn--") and not _valid_a_label(label):
            return f"{label!r} is not a valid IDNA label", ""
    return "", hostname


def _is_label(label: str) -> bool:
    """1-63 ASCII letters, digits or hyphens, no hyphen at either end."""
    return (
        0 < len(label) <= 63
        and label.replace("-", "").isalnum()
        and not label.startswith("-")
        and not label.endswith("-")
    )


def _valid_a_label(label: str) -> bool:
    """An ``xn--`` label must decode to unicode that IDNA encodes back to the same label."""
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        return not decoded.isascii() and decoded.encode("idna") == label.encode("ascii")
    except UnicodeError:
        return False


def _parse_path(path: str) -> tuple[str, str]:
    """A path prefix: empty segments dropped (so no trailing slash), every segment
    percent-encoded afresh, and no segment that a browser reads as ``.`` or ``..``."""
    out = []
    for raw in path.split("/"):
        if not raw:
            continue
        if is_dot_segment(raw):
            return "its path has a '.' or '..' segment", ""
        out.append("/" + quote(unquote_to_bytes(raw), safe=""))  # the same bytes, one spelling
    return "", "".join(out)


def is_dot_segment(value: str) -> bool:
    """True if ``value``, used as a URL path segment, is ``.`` or ``..`` to a browser or to a
    server that decodes it again: in any spelling (``%2e``, ``.%2E``, ``%252e``, ...)."""
    for _ in range(4):
        if value in (".", ".."):
            return True
        decoded = unquote(value)
        if decoded == value:
            return False
        value = decoded
    return True  # still decoding after four rounds: nobody names a project like that
