"""How a run file's bytes reach the staging area: over plain HTTP when the file's URL allows
it, else through the SDK.

The SDK's ``File.download`` hands every file to its service process, which in our measurements
moves at most ~10 files at a time however many threads ask (280 small files: 0.61 s with 16,
32 or 64 threads). Files are fetched here instead over a keep-alive connection per thread and
origin (0.35 s for the same files). A file on the API server (W&B's ``/files/...`` URLs) gets
the API key, HTTP basic auth with user ``api``; a redirect from there (to a signed bucket URL)
is followed without it, and so is a file URL on any other origin: the key is only ever sent to
the API server's own origin. Everything else goes through the SDK as before: non-HTTP URLs,
an HTTP(S) proxy set for the host, TLS errors, refusals (401/403/404), too many redirects, and
files on the API server when there is no API key to send (identity-token auth). After a TLS
error or a 401/403 from an origin, the fetcher stops trying that origin directly.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import threading
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from ._retry import TransientError
from ._version import __version__

USER_AGENT = f"flyteplugins-wandb-artifacts/{__version__}"
_CHUNK = 1 << 20
_TIMEOUT_S = 120
_MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

Origin = tuple[str, str, int]


class NotServedDirectly(Exception):
    """The server would not hand this file out directly; the SDK should fetch it."""


class OriginRefused(NotServedDirectly):
    """Nothing from this origin will be served directly (TLS failure, 401/403): later files
    from it go straight to the SDK instead of failing here first, one by one."""

    def __init__(self, refused: Origin, message: str) -> None:
        super().__init__(message)
        self.origin = refused


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, default ports made explicit; else ``None``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def _proxied(target: Origin) -> bool:
    scheme, host, _ = target
    return scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(host)


class FileFetcher:
    """Fetches run files for one ``wandb.Api``; safe to share between threads."""

    def __init__(self, api_base_url: str | None, api_key: str | None) -> None:
        self._origin = origin(api_base_url) if api_base_url else None
        self._key = api_key or None
        self._local = threading.local()
        self._open: set[http.client.HTTPConnection] = set()  # every thread's, for close()
        self._refused: set[Origin] = set()
        self._lock = threading.Lock()

    @classmethod
    def for_api(cls, api: Any) -> FileFetcher:
        try:
            key = api.api_key
        except Exception:  # other ways to authenticate (identity tokens) have no key to send
            key = None
        return cls(api.settings.get("base_url"), key)

    def sends_key_to(self, url: str) -> bool:
        """Whether a request to ``url`` carries the API key: only on the API server's origin."""
        return self._key is not None and self._origin is not None and origin(url) == self._origin

    def fetches_directly(self, url: str) -> bool:
        """Whether a file at ``url`` is fetched here rather than by the SDK."""
        target = origin(url)
        if target is None or target in self._refused or _proxied(target):
            return False
        return target != self._origin or self._key is not None

    def fetch(self, remote: Any, root: Path) -> Path:
        """``remote`` (a ``wandb.apis.public.File``) written to ``root/{its name}``."""
        path = root.joinpath(*remote.name.split("/"))
        url = remote.url or ""
        if self.fetches_directly(url):
            try:
                self._get(url, path)
                return path
            except OriginRefused as refused:
                with self._lock:
                    self._refused.add(refused.origin)
            except NotServedDirectly:
                pass
        remote.download(root=str(root), replace=True).close()
        return path

    def _get(self, url: str, path: Path) -> None:
        for _ in range(_MAX_REDIRECTS + 1):
            location = self._get_once(url, path)
            if location is None:
                return
            url = urljoin(url, location)
            if not self.fetches_directly(url):
                raise NotServedDirectly(f"redirected to {url}")
        raise NotServedDirectly(f"more than {_MAX_REDIRECTS} redirects")

    def _get_once(self, url: str, path: Path) -> str | None:
        """Writes the file, or returns where a redirect points."""
        target = origin(url)
        assert target is not None
        connection = self._connection(target)
        parts = urlsplit(url)
        request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": USER_AGENT}
        if self.sends_key_to(url):
            headers["Authorization"] = self._auth_header()
        try:
            connection.request("GET", request_target, headers=headers)
            response = connection.getresponse()
        except ssl.SSLError as exc:  # e.g. a private CA the SDK is configured for
            self._drop_connection(target)
            raise OriginRefused(target, f"GET {url}: {exc}") from exc
        except (OSError, http.client.HTTPException) as exc:
            self._drop_connection(target)
            raise TransientError(f"GET {url}: {exc}") from exc
        complete = False
        try:
            status = response.status
            if status == 429 or status >= 500:
                raise TransientError(f"GET {url}: HTTP {status}")
            if status in _REDIRECTS and response.getheader("Location"):
                response.read()  # the (small) body, so the connection can be reused
                complete = True
                return response.getheader("Location")
            if status in (401, 403):
                raise OriginRefused(target, f"GET {url}: HTTP {status}")
            if status != 200:  # e.g. missing: the SDK may know better
                raise NotServedDirectly(f"GET {url}: HTTP {status}")
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                while block := response.read(_CHUNK):
                    fh.write(block)
            complete = True
            return None
        except (OSError, http.client.HTTPException) as exc:  # the connection broke mid-body
            raise TransientError(f"GET {url}: {exc}") from exc
        finally:
            response.close()
            # an unread body would be taken for the next response on this connection
            if not complete or response.will_close:
                self._drop_connection(target)

    def _auth_header(self) -> str:
        token = base64.b64encode(f"api:{self._key}".encode()).decode("ascii")
        return f"Basic {token}"

    def _connection(self, target: Origin) -> http.client.HTTPConnection:
        """This thread's keep-alive connection to ``target``."""
        connections = self._thread_connections()
        connection = connections.get(target)
        if connection is None:
            scheme, host, port = target
            factory = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            connection = connections[target] = factory(host, port, timeout=_TIMEOUT_S)
            with self._lock:
                self._open.add(connection)
        return connection

    def _drop_connection(self, target: Origin) -> None:
        connection = self._thread_connections().pop(target, None)
        if connection is not None:
            connection.close()
            with self._lock:
                self._open.discard(connection)

    def _thread_connections(self) -> dict[Origin, http.client.HTTPConnection]:
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        return connections

    def close(self) -> None:
        """Close every thread's connection (call once no fetch is running)."""
        with self._lock:
            open_now, self._open = self._open, set()
        for connection in open_now:
            connection.close()

    def __enter__(self) -> FileFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
