"""The one rule for "W&B is down", shared by runs (``on_outage``) and ``flyte wandb sync``.

W&B is down when its API does not answer an HTTP request (refused, reset, timed out, no DNS)
or answers 5xx or 429. Any other answer, a 401 or 403 included, means the server is there.
The question is an empty, unauthenticated ``POST /graphql``: it carries no credentials and no
query, so it never leaks the API key and never depends on W&B's schema.
"""

from __future__ import annotations

import functools
import time
from typing import Any

PROBE_TIMEOUT_S = 5.0
_FIRST_RETRY_S, _MAX_RETRY_S = 0.5, 8.0


@functools.cache
def _opener() -> Any:
    # Imported here: the links package imports this package in UI-only installs, and ssl and
    # urllib cost ~15 ms there.
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a redirect answer already says the server is up

    return urllib.request.build_opener(NoRedirect)


def probe(api_url: str, timeout: float) -> str | None:
    """``None`` when W&B's API at ``api_url`` answers; else what failed, for a message.

    An empty, unauthenticated POST to ``/graphql``: a healthy server refuses it (4xx). No
    credentials are sent, so a probe never leaks the API key to anyone.
    """
    import http.client
    import ssl
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        api_url.rstrip("/") + "/graphql",
        data=b"{}",
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "flyteplugins-wandb-probe"},
    )
    try:
        with _opener().open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLError):
            return None  # something answers TLS; a certificate problem is for the SDK to report
        return f"{type(exc.reason).__name__}: {exc.reason}"
    except (OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if status >= 500 or status == 429:
        return f"HTTP {status}"
    return None


def wait_until_reachable(api_url: str, deadline: float) -> str | None:
    """Probe with backoff until W&B answers (``None``) or ``deadline`` (monotonic) passes
    (the last failure)."""
    delay = _FIRST_RETRY_S
    while True:
        remaining = deadline - time.monotonic()
        failure = probe(api_url, max(0.1, min(PROBE_TIMEOUT_S, remaining)))
        remaining = deadline - time.monotonic()
        if failure is None or remaining <= 0:
            return failure
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, _MAX_RETRY_S)
