"""Lineage: Flyte File/Dir outputs become W&B reference artifacts (read back from the offline
record log, or from the test server), and inputs an upstream task logged are recorded as used."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path

import pytest
import runs_lineage_tasks as tasks
from flyte.io import Dir, File
from runs_support import run_dirs, run_local, wait_written

from flyteplugins.wandb_artifacts.records import RecordedArtifact, read_artifacts, read_run_dir
from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import wandb_init
from flyteplugins.wandb_runs._lineage_refs import artifact_name

env = tasks.env
W_AND_B_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "flyte-data"
    monkeypatch.setenv("LINEAGE_DATA_ROOT", str(root))
    return root


def logged(wandb_dir: Path) -> dict[str, list[RecordedArtifact]]:
    """run id -> the artifacts its record log holds, for every local run."""
    dirs = run_dirs(wandb_dir)
    wait_written(dirs)
    return {read_run_dir(d, load_history=False).run_id: read_artifacts(d) for d in dirs}


def only_artifacts(wandb_dir: Path) -> list[RecordedArtifact]:
    return [a for arts in logged(wandb_dir).values() for a in arts]


def md5_b64(path: Path) -> str:
    return base64.b64encode(hashlib.md5(path.read_bytes()).digest()).decode()


# --- outputs -------------------------------------------------------------------------------


def test_file_and_dir_outputs_are_logged_as_references_with_their_flyte_origin(
    offline: Path, data_root: Path
) -> None:
    consumer_id, data_path, images_path = run_local(
        tasks.pair_pipeline, custom_context=wandb_config(project="lin")
    )
    by_run = logged(offline)
    (producer_id,) = [run_id for run_id, arts in by_run.items() if arts]
    assert by_run[consumer_id] == []
    data, images = sorted(by_run[producer_id], key=lambda a: a.metadata["flyte"]["output"])

    data_uri, images_uri = Path(data_path).as_uri(), Path(images_path).as_uri()
    assert (data.name, data.type, data.aliases) == (artifact_name(data_uri), "dataset", ["latest"])
    assert (images.name, images.type) == (artifact_name(images_uri), "model")
    assert sorted(images.aliases) == ["best", "candidate", "latest"]

    run_name, action = producer_id.rsplit("-", 1)
    origin = data.metadata["flyte"]
    assert (origin["run_name"], origin["action_name"], origin["attempt"]) == (run_name, action, 0)
    assert {"project", "domain"} <= set(origin)
    assert (origin["task"], origin["output"], origin["uri"]) == ("runs_lineage.produce_pair", "o0", data_uri)
    assert images.metadata["flyte"]["output"] == "o1"
    assert data.metadata["reference"] == {"kind": "File", "checksum": "content", "objects": 1}
    assert images.metadata["reference"] == {"kind": "Dir", "checksum": "content", "objects": 5}
    assert "'o0'" in data.description and "runs_lineage.produce_pair" in data.description

    # references, checksummed: each entry points at Flyte's copy and carries the content's MD5
    assert data.references == [data_uri]
    assert data.entries[0].digest == md5_b64(Path(data_path))
    files = sorted(p for p in Path(images_path).rglob("*") if p.is_file())
    assert sorted(images.references) == sorted(p.as_uri() for p in files)
    assert {e.ref: e.digest for e in images.entries} == {p.as_uri(): md5_b64(p) for p in files}


def test_no_byte_of_the_data_is_copied_into_w_and_b_directories(
    offline: Path, data_root: Path, tmp_path: Path
) -> None:
    run_local(tasks.pair_pipeline, custom_context=wandb_config(project="lin"))
    assert len(only_artifacts(offline)) == 2
    written = [p for p in tmp_path.rglob("*") if p.is_file() and data_root not in p.parents]
    assert written, "W&B wrote nothing at all?"
    assert [p for p in written if tasks.MARKER in p.read_bytes()] == []


def test_named_tuple_outputs_are_named_by_their_fields(offline: Path, data_root: Path) -> None:
    run_local(tasks.produce_split, custom_context=wandb_config(project="lin"))
    outputs = {a.metadata["flyte"]["output"]: a for a in only_artifacts(offline)}
    assert sorted(outputs) == ["test", "train"]
    assert outputs["train"].references == [(data_root / "split/train.csv").as_uri()]


def test_dataclass_fields_are_found_and_can_be_typed_by_their_path(offline: Path, data_root: Path) -> None:
    run_local(tasks.produce_trained, custom_context=wandb_config(project="lin"))
    outputs = {a.metadata["flyte"]["output"]: a for a in only_artifacts(offline)}
    assert sorted(outputs) == ["o0.logs", "o0.weights"]
    assert (outputs["o0.weights"].type, outputs["o0.logs"].type) == ("model", "dataset")
    assert outputs["o0.logs"].metadata["reference"]["objects"] == 3


@wandb_init(run_mode="new", artifacts=False)
@env.task
async def produce_nothing_logged(data: File) -> File:
    return await File.from_local(str(tasks.write_file("off/out.txt")))


@wandb_init(run_mode="new", artifacts={"o0": False})
@env.task
async def produce_second_only() -> tuple[File, File]:
    first = await File.from_local(str(tasks.write_file("some/first.txt")))
    return first, await File.from_local(str(tasks.write_file("some/second.txt")))


@wandb_init(run_mode="new")
@env.task
async def produce_by_context() -> File:
    return await File.from_local(str(tasks.write_file("ctx/out.txt")))


def test_the_switch_turns_outputs_and_inputs_off(offline: Path, data_root: Path) -> None:
    some_input = File(path=str(tasks.write_file("off/in.txt")))
    out = run_local(produce_nothing_logged, some_input, custom_context=wandb_config(project="lin"))
    assert Path(out.path).name == "out.txt"
    (run_dir,) = run_dirs(offline)
    wait_written([run_dir])
    assert read_artifacts(run_dir) == []
    assert "flyte_inputs" not in read_run_dir(run_dir).config


def test_the_switch_skips_one_output(offline: Path, data_root: Path) -> None:
    run_local(produce_second_only, custom_context=wandb_config(project="lin"))
    assert [a.metadata["flyte"]["output"] for a in only_artifacts(offline)] == ["o1"]


def test_the_context_switch_applies_where_the_decorator_says_nothing(offline: Path, data_root: Path) -> None:
    run_local(produce_by_context, custom_context=wandb_config(project="lin", artifacts=False))
    assert only_artifacts(offline) == []
    run_local(produce_by_context, custom_context=wandb_config(project="lin", artifacts={"o0": "model"}))
    assert [a.type for a in only_artifacts(offline)] == ["model"]


# --- inputs --------------------------------------------------------------------------------


def test_offline_inputs_are_listed_in_the_config_under_the_producers_artifact_names(
    offline: Path, data_root: Path
) -> None:
    consumer_id, data_path, images_path = run_local(
        tasks.pair_pipeline, custom_context=wandb_config(project="lin")
    )
    by_run = logged(offline)
    produced = {a.metadata["flyte"]["uri"]: a.name for arts in by_run.values() for a in arts}
    (consumer_dir,) = [d for d in run_dirs(offline) if d.name.endswith(consumer_id)]
    listed = read_run_dir(consumer_dir).config["flyte_inputs"]
    assert listed == [
        {"task": "runs_lineage.consume_pair", "input": name, "uri": uri, "artifact": produced[uri]}
        for name, uri in (("data", Path(data_path).as_uri()), ("images", Path(images_path).as_uri()))
    ]


# --- bounds, failures, hostile input ----------------------------------------------------------


@wandb_init(run_mode="new", artifacts={"o0": {"max_objects": 50}})
@env.task
async def produce_dir(files: int) -> Dir:
    return await Dir.from_local(str(tasks.write_dir(f"dirs/d{files}", files)))


def test_a_dir_at_the_bound_is_checksummed_and_one_over_it_is_referenced_by_uri(
    offline: Path, data_root: Path
) -> None:
    run_local(produce_dir, 50, custom_context=wandb_config(project="lin"))
    run_local(produce_dir, 51, custom_context=wandb_config(project="lin"))
    by_uri = {a.metadata["flyte"]["uri"]: a for a in only_artifacts(offline)}
    at = by_uri[(data_root / "dirs/d50").as_uri()]
    over_uri = (data_root / "dirs/d51").as_uri()
    over = by_uri[over_uri]
    assert len(at.entries) == 50 and at.metadata["reference"]["checksum"] == "content"
    assert over.metadata["reference"] == {"kind": "Dir", "checksum": "uri", "objects": None}
    assert [(e.path, e.ref, e.digest) for e in over.entries] == [("d51", over_uri, over_uri)]


@wandb_init(run_mode="new")
@env.task
async def produce_named(name: str) -> File:
    return await File.from_local(str(tasks.write_file(name)))


@pytest.mark.parametrize(
    "file_name",
    ["we!rd näme (1)?.csv", "x" * 200 + ".bin", "...", "-é-"],
    ids=["punctuation-unicode", "long", "dots-only", "no-ascii-stem"],
)
def test_names_w_and_b_rejects_become_valid_artifact_names(
    offline: Path, data_root: Path, file_name: str
) -> None:
    run_local(produce_named, f"odd/{file_name}", custom_context=wandb_config(project="lin"))
    (artifact,) = only_artifacts(offline)
    assert W_AND_B_NAME.fullmatch(artifact.name), artifact.name
    assert artifact.name.startswith("flyte-") and len(artifact.name) <= 128
    assert artifact.references == [(data_root / "odd" / file_name).as_uri()]


@wandb_init(run_mode="new")
@env.task
async def produce_in_a_store_w_and_b_cannot_list() -> File:
    return File.from_existing_remote("s3://flyte-lineage-test-bucket/no/such/key.csv")


def test_a_store_w_and_b_cannot_read_is_referenced_by_uri_with_a_warning(
    offline: Path, data_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="flyteplugins")
    out = run_local(produce_in_a_store_w_and_b_cannot_list, custom_context=wandb_config(project="lin"))
    assert out.path == "s3://flyte-lineage-test-bucket/no/such/key.csv"
    (artifact,) = only_artifacts(offline)
    assert artifact.references == [out.path]
    assert artifact.metadata["reference"]["checksum"] == "uri"
    assert any("could not checksum" in r.getMessage() and out.path in r.getMessage() for r in caplog.records)


@wandb_init(run_mode="new")
@env.task
async def finish_own_run_then_return() -> File:
    from flyteplugins.wandb_runs import get_wandb_run

    get_wandb_run().finish()  # type: ignore[union-attr]
    return await File.from_local(str(tasks.write_file("late/out.txt")))


def test_a_failing_artifact_log_warns_naming_the_output_and_the_task_succeeds(
    offline: Path, data_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="flyteplugins")
    out = run_local(finish_own_run_then_return, custom_context=wandb_config(project="lin"))
    assert Path(out.path).name == "out.txt"
    (warning,) = [r.getMessage() for r in caplog.records if "Could not log Flyte output" in r.getMessage()]
    assert "'o0'" in warning and "finish_own_run_then_return" in warning and out.path in warning


@env.task
async def returns_a_file() -> File:
    return File(path="unused")


def test_bad_switch_values_are_refused_at_the_call_site_naming_value_and_fix() -> None:
    with pytest.raises(
        ValueError, match=r"artifacts=\{'o0': 'my model'\}.*type 'my model'.*e\.g\. 'dataset'"
    ):
        wandb_init(artifacts={"o0": "my model"})
    with pytest.raises(ValueError, match=r"aliases \['v3'\].*'v<number>'"):
        wandb_config(artifacts={"o0": {"aliases": ["v3"]}})
    with pytest.raises(ValueError, match=r"unknown keys \['name'\].*'type', 'aliases', 'max_objects'"):
        wandb_init(artifacts={"o0": {"name": "x"}})
    with pytest.raises(ValueError, match=r"artifacts='yes' is not valid; use True"):
        wandb_config(artifacts="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"names output 'model'.*has the outputs \['o0'\]"):
        wandb_init(artifacts={"model": "model"})(returns_a_file)


def test_a_hand_written_bad_context_value_fails_the_call_naming_it(offline: Path, data_root: Path) -> None:
    with pytest.raises(Exception, match=r"wandb_config\(artifacts=\{'o0': 7\}\)"):
        run_local(produce_by_context, custom_context={"wandb_artifacts": '{"o0": 7}'})
