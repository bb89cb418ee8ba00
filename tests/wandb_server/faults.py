"""Per-test fault injection: latency, 5xx answers, dropped connections, rejected auth, an
outage window (``unavailable_for``: every request answered 503 until a deadline), and bad
file bodies (``body_faults``: a file served truncated, cut off mid-transfer, or corrupted).

Faults hit *reads* (GraphQL queries other than the handful ``wandb.init`` itself sends, and
file downloads) so that seeding a run stays reliable; ``include_writes=True`` extends them
to everything (mutations, file stream, uploads, init's own queries).
"""

from __future__ import annotations

import random
import threading
import time
from enum import Enum

BODY_FAULTS = ("truncate", "cut", "corrupt")


class Verdict(Enum):
    PASS = "pass"
    ERROR = "error"  # answer HTTP 500 or 503
    DROP = "drop"  # close the connection without any response
    UNAUTHORIZED = "unauthorized"
    UNAVAILABLE = "unavailable"  # answer HTTP 503: the service is down (``unavailable_until``)


class Faults:
    """Settable per test; assigning ``seed`` restarts the random sequence (same seed, same faults)."""

    _rng: random.Random

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.injected: list[tuple[str, str]] = []  # (request, verdict) of every injected fault
        self.reset()

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if name == "seed":
            super().__setattr__("_rng", random.Random(value))  # type: ignore[arg-type]

    def reset(self) -> None:
        self.latency_s = 0.0
        self.error_rate = 0.0  # fraction of requests answered 500/503
        self.drop_rate = 0.0  # fraction of requests whose connection is closed unanswered
        self.reject_auth = False  # 401 for everything
        self.include_writes = False
        # run file name -> how its downloads go wrong, every time until removed:
        #   "truncate": a complete answer whose body is the first half of the file
        #   "cut": Content-Length of the whole file, half of it sent, then the connection closes
        #   "corrupt": the right length, but bytes in the middle flipped
        self.body_faults: dict[str, str] = {}
        self.retry_after_s: float | None = 0.0  # Retry-After on 5xx; None lets the SDK back off
        # time.monotonic() deadline: until then every request (any path, any client, before
        # auth) is answered 503; see unavailable_for()
        self.unavailable_until: float | None = None
        self.seed: int | None = None
        self.injected.clear()

    def unavailable_for(self, seconds: float) -> None:
        """Answers every request 503 (``Retry-After: retry_after_s``) for ``seconds`` from now."""
        self.unavailable_until = time.monotonic() + seconds

    @property
    def unavailable(self) -> bool:
        until = self.unavailable_until
        return until is not None and time.monotonic() < until

    def decide(self, what: str, *, is_write: bool) -> Verdict:
        """The fate of one request; ``what`` names it in ``injected`` for assertions."""
        if self.unavailable:
            return self._record(what, Verdict.UNAVAILABLE)
        if self.reject_auth:
            return self._record(what, Verdict.UNAUTHORIZED)
        if is_write and not self.include_writes:
            return Verdict.PASS
        if not (self.error_rate or self.drop_rate):
            return Verdict.PASS
        with self._lock:
            draw = self._rng.random()
        if draw < self.drop_rate:
            return self._record(what, Verdict.DROP)
        if draw < self.drop_rate + self.error_rate:
            return self._record(what, Verdict.ERROR)
        return Verdict.PASS

    def body_fault(self, name: str) -> str | None:
        """How the download of run file ``name`` goes wrong (recorded in ``injected``), if at all."""
        fault = self.body_faults.get(name)
        if fault is not None:
            if fault not in BODY_FAULTS:
                raise ValueError(f"unknown body fault {fault!r} for {name!r}; use one of {BODY_FAULTS}")
            with self._lock:
                self.injected.append((f"GET {name}", fault))
        return fault

    def error_status(self) -> int:
        with self._lock:
            return 503 if self._rng.random() < 0.5 else 500

    def _record(self, what: str, verdict: Verdict) -> Verdict:
        with self._lock:
            self.injected.append((what, verdict.value))
        return verdict
