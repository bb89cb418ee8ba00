"""The server itself: fast start, env wiring, raw protocol answers, seeding at scale."""

from __future__ import annotations

import base64
import http.client
import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import wandb

from wandb_server import WandbServer, default_row, seed_run


def _post(server: WandbServer, path: str, body: Any, *, key: str | None = None) -> tuple[int, dict[str, Any]]:
    auth = base64.b64encode(f"api:{key or server.api_key}".encode()).decode()
    request = urllib.request.Request(
        f"{server.base_url}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _post_graphql(server: WandbServer, query: str, *, key: str | None = None) -> tuple[int, dict[str, Any]]:
    return _post(server, "/graphql", {"query": query}, key=key)


def test_starts_fast_and_stops_cleanly(tmp_path: Path) -> None:
    started = time.perf_counter()
    server = WandbServer(storage_dir=tmp_path / "s").start()
    elapsed = time.perf_counter() - started
    url = server.base_url
    assert elapsed < 0.5, f"server start took {elapsed:.3f}s"
    assert _post_graphql(server, "{ viewer { entity } }") == (
        200,
        {"data": {"viewer": {"entity": "test-entity"}}},
    )
    server.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/graphql", timeout=2)


def test_use_points_the_sdk_at_the_server(wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch) -> None:
    wandb_server.use(monkeypatch)
    assert os.environ["WANDB_BASE_URL"] == wandb_server.base_url.rstrip("/")
    assert os.environ["WANDB_API_KEY"] == wandb_server.api_key and len(wandb_server.api_key) >= 40
    assert os.environ["WANDB_MODE"] == "online"
    assert os.environ["WANDB_ENTITY"] == wandb_server.entity == "test-entity"
    assert wandb.Api().default_entity == wandb_server.entity


def test_raw_protocol_answers(wandb_server: WandbServer) -> None:
    status, reply = _post_graphql(wandb_server, '{ project(name: "p") { name oddField } }')
    assert (status, reply) == (200, {"data": {"project": {"name": "p", "oddField": None}}})
    assert ("Project", "oddField") in wandb_server.unknown_fields
    status, reply = _post_graphql(wandb_server, "{ project(name: ")
    assert status == 200 and "Syntax error" in reply["errors"][0]["message"]
    assert _post_graphql(wandb_server, "{ viewer { id } }", key="wrong" * 10)[0] == 401
    assert _post(wandb_server, "/no/such/route", {})[0] == 404


def test_signed_upload_urls_accept_chunked_bodies(wandb_server: WandbServer) -> None:
    run, _ = wandb_server.storage.upsert_run("e", "p", "r")
    token = wandb_server.storage.upload_token(run, "x.bin")
    connection = http.client.HTTPConnection(*wandb_server.base_url.removeprefix("http://").split(":"))
    connection.request(
        "PUT", f"/storage/upload/{token}", body=iter([b"hello ", b"world"]), encode_chunked=True
    )
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"{}")
    assert run.files["x.bin"].path.read_bytes() == b"hello world"
    connection.request("PUT", "/storage/upload/forged", body=b"x")
    assert connection.getresponse().status == 403


def test_seeding_10k_steps_through_the_sdk(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wandb_server.use(monkeypatch)
    started = time.perf_counter()
    rows = seed_run(wandb_server, "proj", "tenk", steps=10_000, summary={"best": 1}, config={"lr": 0.1})
    seeded_s = time.perf_counter() - started
    started = time.perf_counter()
    scanned = list(wandb.Api().run(f"{wandb_server.entity}/proj/tenk").scan_history())
    scan_s = time.perf_counter() - started
    print(f"\nseed_run 10k steps: {seeded_s:.2f}s; scan_history 10k rows: {scan_s:.2f}s")
    assert [{k: r[k] for k in rows[0]} for r in scanned] == rows
    assert rows[123] == {**default_row(123), "_step": 123}


def test_scan_history_of_100k_planted_rows(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wandb_server.use(monkeypatch)
    rows = [{"loss": 1 / (i + 1), "epoch": i // 1000} for i in range(100_000)]
    started = time.perf_counter()
    wandb_server.add_run("proj", "big", history=rows, summary={"loss": rows[-1]["loss"]})
    planted_s = time.perf_counter() - started
    started = time.perf_counter()
    scanned = list(wandb.Api().run(f"{wandb_server.entity}/proj/big").scan_history())
    scan_s = time.perf_counter() - started
    print(f"\nadd_run 100k rows: {planted_s:.2f}s; scan_history 100k rows: {scan_s:.2f}s")
    assert scanned == [{**row, "_step": i} for i, row in enumerate(rows)]


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("WANDB_SERVER_SEED_100K"),
    reason="takes 20-30 s; set WANDB_SERVER_SEED_100K=1 to measure",
)
def test_seeding_100k_steps_through_the_sdk(
    wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wandb_server.use(monkeypatch)
    started = time.perf_counter()
    seed_run(wandb_server, "proj", "hundredk", steps=100_000)
    print(f"\nseed_run 100k steps: {time.perf_counter() - started:.2f}s")
    recorded = wandb_server.get_run("proj", "hundredk")
    assert recorded is not None and len(recorded.history.lines) == 100_000
    assert recorded.state == "finished"
