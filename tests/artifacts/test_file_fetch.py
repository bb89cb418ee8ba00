"""Run files fetched straight from the API server, the key sent nowhere else, and the SDK as the
fallback for everything the direct path does not serve."""

from __future__ import annotations

from pathlib import Path

import pytest

from flyteplugins.wandb_artifacts import download_run
from flyteplugins.wandb_artifacts._file_fetch import USER_AGENT, FileFetcher
from wandb_server import WandbServer, seed_run

PROJECT = "fetch"
FILES = {"a.txt": b"A" * 10, "nested/dir/b.bin": bytes(range(256)) * 40, "empty": b""}


def _file_gets(server: WandbServer) -> int:
    return sum(
        1 for method, path, _ in server.requests if method == "GET" and path.startswith("/storage/files/")
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://api.wandb.ai/files/e/p/r/a.txt", True),
        ("https://API.wandb.ai:443/files/x", True),
        ("http://api.wandb.ai/files/x", False),  # same host, no TLS
        ("https://api.wandb.ai:8443/files/x", False),
        ("https://api.wandb.ai.evil.example/files/x", False),
        ("https://storage.googleapis.com/bucket/x?sig=1", False),
        ("s3://bucket/x", False),
        ("", False),
    ],
)
def test_the_key_goes_only_to_the_api_servers_origin(url: str, sent: bool, monkeypatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert FileFetcher("https://api.wandb.ai", "key").sends_key_to(url) is sent
    assert FileFetcher("https://api.wandb.ai", None).sends_key_to(url) is False
    assert FileFetcher(None, "key").sends_key_to(url) is False


def test_a_proxy_for_the_api_host_leaves_the_fetch_to_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    fetcher = FileFetcher("https://api.wandb.ai", "key")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert not fetcher.fetches_directly("https://api.wandb.ai/files/x")
    monkeypatch.setenv("NO_PROXY", "api.wandb.ai")
    assert fetcher.fetches_directly("https://api.wandb.ai/files/x")


def test_files_come_straight_from_the_api_server(server: WandbServer, tmp_path: Path) -> None:
    seed_run(server, PROJECT, "direct", steps=3, files=FILES)
    before = server.file_downloads()

    report = download_run("direct", tmp_path / "out", project=PROJECT)

    got = _tree(tmp_path / "out")
    assert {name: got[name] for name in FILES} == FILES
    assert set(FILES) <= set(report.downloaded) and not report.failed
    assert server.file_downloads() - before == len(report.downloaded)  # one request per file


def test_files_the_server_refuses_to_us_come_through_the_sdk(server: WandbServer, tmp_path: Path) -> None:
    seed_run(server, PROJECT, "refused", steps=3, files=FILES)
    server.faults.refuse_files_to_agents = (USER_AGENT,)
    before = server.file_downloads()

    report = download_run("refused", tmp_path / "out", project=PROJECT, file_workers=1)

    got = _tree(tmp_path / "out")
    assert {name: got[name] for name in FILES} == FILES
    assert set(FILES) <= set(report.downloaded) and not report.failed and report.retries == 0
    # the first file was refused directly, then every file came through the SDK
    assert server.file_downloads() - before == 1 + len(report.downloaded)


def test_cloud_style_urls_send_the_key_to_the_api_and_follow_the_redirect_without_it(
    server: WandbServer, tmp_path: Path
) -> None:
    """As on W&B cloud: the file URL is on the API server (401 without the key) and redirects
    to a signed URL on another origin, which refuses credentials (as S3 does)."""
    seed_run(server, PROJECT, "cloud", steps=3, files=FILES)
    server.file_urls_on_api = True
    server.faults.refuse_authorized_storage = True
    before = len(server.requests)

    report = download_run("cloud", tmp_path / "out", project=PROJECT)

    got = _tree(tmp_path / "out")
    assert {name: got[name] for name in FILES} == FILES
    assert set(FILES) <= set(report.downloaded) and not report.failed and report.retries == 0
    gets = [path for method, path, _ in server.requests[before:] if method == "GET"]
    n = len(report.downloaded)
    # each file once on the API (redirected) and once on storage: nothing fell back to the SDK
    assert sum(p.startswith("/files/") for p in gets) == n
    assert sum(p.startswith("/storage/files/") for p in gets) == n


def test_what_is_fetched_directly_and_what_by_the_sdk(server: WandbServer) -> None:
    fetcher = FileFetcher(server.base_url, server.api_key)
    assert fetcher.fetches_directly(f"{server.base_url}/files/x")
    assert fetcher.fetches_directly("https://storage.example/bucket/x?sig=1")  # no key sent there
    assert not FileFetcher(server.base_url, None).fetches_directly(f"{server.base_url}/files/x")
    assert not fetcher.fetches_directly("s3://bucket/x")
