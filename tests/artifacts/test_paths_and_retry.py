"""Destination checks and the retry policy, on their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from wandb.errors import AuthenticationError, CommError

from flyteplugins.wandb_artifacts._paths import UnsafePathError, check_id, safe_destination
from flyteplugins.wandb_artifacts._retry import RetryPolicy, TransientError, call_with_retry, is_transient

FAST = RetryPolicy(attempts=4, base_delay_s=0.001, max_delay_s=0.002)


@pytest.mark.parametrize(
    "name",
    ["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\b", "", "a/./b", "x" * 256, "a/" + "y" * 300, "nul\x00"],
)
def test_hostile_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_destination(tmp_path, name)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("d/" * 65 + "x", "nested deeper than 64 directories"),
        ("d/" * 1_500 + "x", "nested deeper than 64 directories"),
        (("n" * 200 + "/") * 6 + "x", "name is longer than 1024 bytes"),
        ("\ud800.txt", "not encodable"),
    ],
)
def test_too_deep_too_long_or_unencodable_names_are_refused(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(UnsafePathError, match=reason) as refused:
        safe_destination(tmp_path, name)
    assert len(str(refused.value)) < 600  # the name is shown cut short
    assert safe_destination(tmp_path, "d/" * 64 + "x").is_relative_to(tmp_path.resolve())


@pytest.mark.parametrize(
    "name", ["a.txt", "media/images/x.png", "ünï code?.txt", "..dots..", "a//b", "x" * 255]
)
def test_ordinary_names_land_inside(tmp_path: Path, name: str) -> None:
    dest = safe_destination(tmp_path, name)
    assert dest.resolve().is_relative_to(tmp_path.resolve())


def test_a_symlink_inside_the_target_cannot_lead_outside(tmp_path: Path) -> None:
    target, outside = tmp_path / "t", tmp_path / "outside"
    target.mkdir()
    outside.mkdir()
    (target / "link").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="outside the target"):
        safe_destination(target, "link/x.txt")


def test_ids_must_be_one_path_segment() -> None:
    assert check_id("run_id", "abc-1") == "abc-1"
    for bad in ("", "..", "a/b", "a\\b"):
        with pytest.raises(ValueError, match="run_id"):
            check_id("run_id", bad)


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (
            CommError(
                "GET http://h/storage/files/x giving up after 21 attempt(s): unexpected HTTP status 503"
            ),
            True,
        ),
        (
            CommError(
                'POST http://h/graphql giving up after 21 attempt(s)\nwhile retrying: HTTP 500: {"e": 1}'
            ),
            True,
        ),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (TimeoutError("timed out"), True),
        (TransientError("md5 mismatch"), True),
        (CommError("Could not find run <Run test-entity/p/nope (not found)>"), False),
        (AuthenticationError("HTTP 401: user is not logged in"), False),
        (ValueError("bad value"), False),
    ],
)
def test_transient_failures_are_told_apart(exc: Exception, transient: bool) -> None:
    assert is_transient(exc) is transient


def test_retries_are_bounded_and_only_for_transient_errors() -> None:
    calls: list[int] = []

    def always_reset() -> None:
        calls.append(1)
        raise ConnectionResetError("reset")

    with pytest.raises(ConnectionResetError):
        call_with_retry(always_reset, FAST)
    assert len(calls) == 4

    calls.clear()

    def not_found() -> None:
        calls.append(1)
        raise CommError("Could not find run x")

    with pytest.raises(CommError):
        call_with_retry(not_found, FAST)
    assert len(calls) == 1

    outcomes = iter([TimeoutError("slow"), TimeoutError("slow"), "ok"])

    def flaky() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    retried: list[int] = []
    assert call_with_retry(flaky, FAST, lambda attempt, _exc: retried.append(attempt)) == "ok"
    assert retried == [1, 2]


def test_backoff_grows_exponentially_with_jitter_under_a_cap() -> None:
    policy = RetryPolicy(attempts=8, base_delay_s=0.1, max_delay_s=1.0)
    for attempt in range(8):
        delays = [policy.delay(attempt) for _ in range(200)]
        cap = min(1.0, 0.1 * 2**attempt)
        assert all(cap / 2 <= d <= cap for d in delays)  # never less than half: outages get waited out
        assert max(delays) - min(delays) > cap / 4  # jittered, not a constant
