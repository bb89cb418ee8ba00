"""Canaries for the parts of wandb this package relies on that are not its public API (one test
per touch listed in ``_compat``). Each fails, naming what changed in the SDK, when a wandb
release changes the shape we read; the runtime raises ``SdkChangedError`` with the same words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flyteplugins.wandb_artifacts import _compat, records
from flyteplugins.wandb_artifacts._errors import SdkChangedError
from flyteplugins.wandb_artifacts._logfile import iter_record_payloads
from flyteplugins.wandb_artifacts.cli import wandb_group


def test_record_messages_hold_every_field_the_reader_reads() -> None:
    """Touch 1 (messages): ``wandb.proto.wandb_internal_pb2.Record`` and the fields we decode."""
    try:
        record = _compat.record_class()
    except SdkChangedError as exc:
        pytest.fail(f"wandb's private record messages changed: {exc}")
    # the check itself is not vacuous: a message lacking our fields is reported, naming them
    from wandb.proto import wandb_internal_pb2

    problems = _compat.record_schema_changes(wandb_internal_pb2.HistoryRecord)
    assert "Record.record_type has no 'history'" in problems
    assert "Record.exit.exit_code: HistoryRecord has no field 'exit'" in problems
    assert _compat.record_schema_changes(record) == []


def test_record_log_format_and_layout_are_the_ones_the_reader_reads(offline_run: Any) -> None:
    """Touch 1 (file): where wandb-core puts an offline run's log, its header and its layout."""
    logged = offline_run("canary1", [{"loss": 0.5, "nested": {"acc": 1}}, {"loss": 0.25}], config={"lr": 3})
    run_dir: Path = logged.run_dir
    where = f"wandb wrote the offline run to {str(run_dir)!r}"
    assert run_dir.parent == records.default_wandb_dir(), f"{where}, not under $WANDB_DIR/wandb"
    assert re.fullmatch(r"offline-run-\d{8}_\d{6}-canary1", run_dir.name), f"{where}: a new naming"
    assert records.find_offline_run_dirs("canary1") == [run_dir.resolve()]
    log = records.record_log_path(run_dir)
    assert log.name == "run-canary1.wandb", f"{where}: its record log is named {log.name!r}"
    head = log.read_bytes()[:7]
    assert (
        head[:4] == _compat.RECORD_LOG_IDENT
        and int.from_bytes(head[4:6], "little") == _compat.RECORD_LOG_MAGIC
    ), f"wandb-core's record log no longer starts with ':W&B' and magic 0xBEE1: {head!r}"
    assert head[6] in _compat.RECORD_LOG_VERSIONS, f"wandb-core writes record log format version {head[6]}"

    recorded = records.read_run("canary1")
    assert recorded.partial is None, (
        f"the reader found damage in a log wandb-core just wrote: {recorded.partial}"
    )
    assert recorded.history == logged.expected_history()
    assert (recorded.config, recorded.exit_code, recorded.project) == ({"lr": 3}, 0, "artifacts-tests")


def test_an_unknown_record_log_version_is_refused_naming_it(tmp_path: Path, art: Any) -> None:
    data = bytearray(art.encode_log([b""]))
    data[6] = 7
    run_dir = art.log_copy(tmp_path, "v7", bytes(data), "future")
    with pytest.raises(SdkChangedError, match=r"wandb changed the record log format: .* is format version 7"):
        list(iter_record_payloads(records.record_log_path(run_dir)))
    with pytest.raises(SdkChangedError, match="format version 7"):
        records.read_run_dir(run_dir, settle_timeout_s=0)
    result = CliRunner().invoke(wandb_group, ["export-offline", str(run_dir), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        "wandb changed the record log format" in result.output
        and "range the plugin supports" in result.output
    )
    assert not (tmp_path / "o").exists()


def test_api_settings_name_the_server_it_talks_to(server: Any) -> None:
    """Touch 2: ``wandb.Api().settings["base_url"]``, the server an Api resolved."""
    import wandb

    named = wandb.Api(overrides={"base_url": server.base_url})
    from_env = wandb.Api()  # the server fixture sets WANDB_BASE_URL
    for api in (named, from_env):
        assert _compat.api_base_url_of(api) == server.base_url.rstrip("/"), (
            "wandb.Api().settings no longer holds the resolved 'base_url' "
            f"(settings: {getattr(api, 'settings', '<gone>')!r}): find where this wandb keeps it"
        )
    assert _compat.api_base_url_of(object()) is None  # the fallback when the SDK stops saying


def test_an_offline_run_records_its_artifacts_with_the_fields_read_artifacts_reads(
    wandb_offline: Path, tmp_path: Path
) -> None:
    """Touch 1 (messages): artifact records, decoded by ``records.read_artifacts``."""
    import wandb

    data = tmp_path / "data.csv"
    data.write_bytes(b"a,b\n")
    run = wandb.init(project="artifacts-tests", id="canary-art")
    artifact = wandb.Artifact("canary-ref", type="model", description="d", metadata={"k": 1})
    artifact.add_reference(data.as_uri())
    run.log_artifact(artifact, aliases=["latest", "best"])
    run.finish()
    (run_dir,) = records.find_offline_run_dirs("canary-art")
    (found,) = records.read_artifacts(run_dir)
    assert (found.name, found.type, found.description) == ("canary-ref", "model", "d")
    assert (found.metadata, found.run_id) == ({"k": 1}, "canary-art")
    assert sorted(found.aliases) == ["best", "latest"]
    assert [(e.path, e.ref, e.size) for e in found.entries] == [("data.csv", data.as_uri(), 4)], (
        "wandb-core records artifact manifests differently: update wandb_artifacts._artifact_records"
    )


def test_flyte_keeps_a_tasks_report_in_output_path_report_html() -> None:
    from flyte._internal.runtime import io as flyte_io

    from flyteplugins.wandb_artifacts._tab.report_file import report_path

    assert flyte_io.report_path("/base/out") == report_path("/base/out") == "/base/out/report.html", (
        "Flyte moved a task's report file: update wandb_artifacts._tab.report_file (the live report tab "
        "would write where the UI does not look)"
    )


def test_the_sdk_artifact_cache_keeps_a_stored_file_where_eviction_finds_it(
    server: Any, tmp_path: Path
) -> None:
    """Touch 3: the SDK's artifact file cache finds a stored file's copy by its MD5, and an entry
    download is served from that copy (``evict_cached_artifact_file`` removes it)."""
    import wandb

    (tmp_path / "a.bin").write_bytes(b"cached bytes")
    run = wandb.init(project="canary")
    logged = wandb.Artifact("cached", type="dataset")
    logged.add_file(str(tmp_path / "a.bin"))
    run.log_artifact(logged).wait()
    run.finish()
    entry = wandb.Api().artifact(f"{server.entity}/canary/cached:latest").get_entry("a.bin")

    def fetched() -> int:
        return sum(1 for method, path, _ in server.requests if method == "GET" and "/artifactsV2/" in path)

    entry.download(str(tmp_path / "first"))  # the upload left a cached copy: served from there
    assert fetched() == 0, "the SDK no longer serves an entry download from its artifact cache"
    assert _compat.evict_cached_artifact_file(entry.digest, entry.size), (
        "no cached copy where the SDK's artifact file cache says a file with this MD5 lives: "
        "find how this wandb lays out its cache (wandb.sdk.artifacts.artifact_file_cache)"
    )
    assert not _compat.evict_cached_artifact_file(entry.digest, entry.size)
    entry.download(str(tmp_path / "second"))
    assert fetched() == 1 and (tmp_path / "second" / "a.bin").read_bytes() == b"cached bytes"
