"""Retries of transient W&B failures (5xx, dropped connections, timeouts) with exponential
backoff and equal jitter, a bounded number of times."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# The SDK reports HTTP failures as text inside wandb.errors.CommError (or its own
# WandbApiFailedError); these markers are how a transient one reads.
_TRANSIENT_TEXT = re.compile(
    r"\b(5\d\d|429)\b|timed? ?out|timeout|deadline|connection (reset|refused|aborted|closed)"
    r"|reset by peer|broken pipe|\beof\b|remote end closed|temporar|unavailable|bad gateway"
    r"|server error|try again|giving up after|incomplete",
    re.IGNORECASE,
)
_PERMANENT_TEXT = re.compile(
    r"\b(401|403|404)\b|unauthori[sz]ed|forbidden|permission|not found|could not find|api key",
    re.IGNORECASE,
)


class TransientError(Exception):
    """A failure worth retrying that the SDK did not raise itself (e.g. a checksum mismatch)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0

    def delay(self, attempt: int) -> float:
        """Equal jitter: half of ``min(max, base * 2**attempt)`` plus a random part up to the
        other half, so the attempts together always wait out an outage of a few seconds
        (at least 3.1 s over the default six) while concurrent clients still spread out."""
        cap = min(self.max_delay_s, self.base_delay_s * (2**attempt))
        return cap / 2 + random.uniform(0.0, cap / 2)


DEFAULT_POLICY = RetryPolicy()


def is_transient(exc: BaseException) -> bool:
    """True for failures that a later attempt may not hit: 5xx/429 answers, connection
    resets, timeouts. Authentication and not-found errors are never transient."""
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    text = " ".join(str(e) for e in _chain(exc))
    if _PERMANENT_TEXT.search(text):
        return False
    return bool(_TRANSIENT_TEXT.search(text))


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy = DEFAULT_POLICY,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Call ``fn`` until it succeeds, a non-transient error occurs, or attempts run out
    (then the last error propagates)."""
    for attempt in range(policy.attempts):
        try:
            return fn()
        except Exception as exc:
            if attempt + 1 >= policy.attempts or not is_transient(exc):
                raise
            if on_retry is not None:
                on_retry(attempt + 1, exc)
            time.sleep(policy.delay(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
