"""The one rule for "W&B is down" (the context package's ``reach``), against real sockets on 127.0.0.1,
and the ``on_outage`` / ``outage_timeout`` settings where they are given."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import flyte
import pytest
from runs_support import run_local

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import reach
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_outage_rule")


class _Answers:
    status = 200
    seen: list[tuple[str, dict[str, str], bytes]]


@pytest.fixture
def http() -> Iterator[tuple[str, type[_Answers]]]:
    answers = type("Answers", (_Answers,), {"seen": []})

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answers.seen.append((self.path, dict(self.headers), body))
            self.send_response(answers.status)
            if 300 <= answers.status < 400:
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answers
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 302])
def test_any_answer_below_500_but_429_means_up(http: tuple[str, type[_Answers]], status: int) -> None:
    url, answers = http
    answers.status = status
    assert reach.probe(url, 5) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_5xx_and_429_mean_down(http: tuple[str, type[_Answers]], status: int) -> None:
    url, answers = http
    answers.status = status
    assert reach.probe(url, 5) == f"HTTP {status}"


def test_the_probe_carries_no_credentials_and_no_query(
    http: tuple[str, type[_Answers]], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cr3t" * 8
    monkeypatch.setenv("WANDB_API_KEY", secret)
    url, answers = http
    answers.status = 401
    assert reach.probe(url + "/", 5) is None
    ((path, headers, body),) = answers.seen
    assert path == "/graphql" and body == b"{}"
    assert "Authorization" not in headers and "Cookie" not in headers
    assert secret not in repr(headers)


def test_a_refused_a_silent_and_an_unresolvable_server_are_down() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{s.getsockname()[1]}"
    assert "Refused" in (reach.probe(refused, 2) or "")
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        assert reach.probe(f"http://127.0.0.1:{silent.getsockname()[1]}", 0.5) is not None
        assert time.monotonic() - started < 5
    assert reach.probe("http://does-not-exist.invalid", 2) is not None


def test_waiting_stops_at_the_deadline_with_the_last_failure() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{s.getsockname()[1]}"
    started = time.monotonic()
    assert reach.wait_until_reachable(refused, time.monotonic() + 1.5) is not None
    assert 1.4 < time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("kwargs", "shown", "fix"),
    [
        ({"on_outage": "later"}, "on_outage='later'", "use one of 'offline', 'raise', 'disabled'"),
        ({"outage_timeout": 0}, "outage_timeout=0", "must be a number of seconds above 0"),
        ({"outage_timeout": "30"}, "outage_timeout='30'", "must be a number of seconds above 0"),
        ({"outage_timeout": True}, "outage_timeout=True", "must be a number of seconds above 0"),
        ({"outage_timeout": float("inf")}, "outage_timeout=inf", "must be a number of seconds above 0"),
    ],
)
def test_bad_outage_settings_are_refused_where_given(kwargs: dict[str, object], shown: str, fix: str) -> None:
    with pytest.raises(ValueError) as raised:
        wandb_config(**kwargs)  # type: ignore[arg-type]
    assert str(raised.value).startswith(shown) and fix in str(raised.value)
    with pytest.raises(ValueError) as raised:
        wandb_init(**kwargs)  # type: ignore[arg-type]
    assert str(raised.value).startswith(f"@wandb_init({shown})") and fix in str(raised.value)


def test_outage_settings_round_trip_through_the_context() -> None:
    config = wandb_config(on_outage="raise", outage_timeout=5)
    assert dict(config) == {"wandb_on_outage": "raise", "wandb_outage_timeout": "5.0"}
    assert (config.on_outage, config.outage_timeout) == ("raise", 5.0)
    assert (wandb_config().on_outage, wandb_config().outage_timeout) == ("offline", 30.0)


@wandb_init
@env.task
async def logs_once() -> str:
    run = get_wandb_run()
    assert run is not None
    return run.id


def test_a_hand_written_bad_context_value_fails_the_task_naming_it(wandb_offline: Path) -> None:
    context = {**wandb_config(project="p"), "wandb_outage_timeout": "soon"}
    with pytest.raises(Exception, match=r"outage_timeout='soon'"):
        run_local(logs_once, custom_context=context)
