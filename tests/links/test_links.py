"""Wandb / WandbSweep links for every row of the DESIGN tables, and hostile input."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import flyte
import pytest

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import hosts
from flyteplugins.wandb_links import Wandb, WandbSweep

DEFAULT_HOST = hosts.DEFAULT_HOST


def render(link: flyte.Link, context: dict[str, str] | None = None, action: str = "a0") -> str:
    return link.get_link(
        run_name="rn",
        project="flyteproj",
        domain="development",
        context=context or {},
        parent_action_name="parent",
        action_name=action,
        pod_name="pod",
    )


CTX = dict(wandb_config(project="proj", entity="team"))
PARENT = {**CTX, "_wandb_run_id": "parent-run"}


@pytest.mark.parametrize(
    ("run_mode", "context", "expected"),
    [
        ("auto", CTX, "https://wandb.ai/team/proj/runs/rn-a0"),
        ("auto", PARENT, "https://wandb.ai/team/proj/runs/parent-run"),
        ("new", CTX, "https://wandb.ai/team/proj/runs/rn-a0"),
        ("new", PARENT, "https://wandb.ai/team/proj/runs/rn-a0"),
        ("shared", PARENT, "https://wandb.ai/team/proj/runs/parent-run"),
        ("shared", CTX, "https://wandb.ai/team/proj"),
    ],
)
def test_run_mode_rows(run_mode: str, context: dict[str, str], expected: str) -> None:
    assert render(Wandb(run_mode=run_mode), context) == expected  # type: ignore[arg-type]


def test_given_id_is_used_unless_a_parent_run_is_shared() -> None:
    assert render(Wandb(id="mine"), CTX).endswith("/runs/mine")
    assert render(Wandb(), {**CTX, "wandb_id": "ctx-id"}).endswith("/runs/ctx-id")
    assert render(Wandb(id="mine"), {**CTX, "wandb_id": "ctx-id"}).endswith("/runs/mine")
    assert render(Wandb(id="mine"), PARENT).endswith("/runs/parent-run")
    assert render(Wandb(id="mine", run_mode="new"), PARENT).endswith("/runs/mine")


def test_decorator_values_beat_context() -> None:
    url = render(
        Wandb(project="dp", entity="de", host="https://self.hosted"), {**CTX, "wandb_host": "https://x.io"}
    )
    assert url == "https://self.hosted/de/dp/runs/rn-a0"


def test_context_host_overrides_default() -> None:
    assert render(Wandb(), {**CTX, "wandb_host": "https://wandb.corp.example/"}) == (
        "https://wandb.corp.example/team/proj/runs/rn-a0"
    )


@pytest.mark.parametrize("context", [{}, {"wandb_project": "p"}, {"wandb_entity": "e"}])
def test_host_alone_without_entity_or_project(context: dict[str, str]) -> None:
    assert render(Wandb(), context) == DEFAULT_HOST
    assert render(WandbSweep(), context) == DEFAULT_HOST


# DESIGN distributed table: (run_mode, rank_scope, multi-node worker index) -> link target
@pytest.mark.parametrize(
    ("run_mode", "rank_scope", "worker", "expected_tail"),
    [
        ("auto", "global", None, "runs/rn-a0"),
        ("auto", "worker", None, "runs/rn-a0"),  # single node: worker scope behaves as global
        ("auto", "global", 1, "runs/rn-a0"),
        ("auto", "worker", 1, "runs/rn-a0-worker-1"),
        ("shared", "global", 0, "runs/rn-a0"),
        ("shared", "worker", 0, "runs/rn-a0-worker-0"),
        ("new", "global", None, "groups/rn-a0"),
        ("new", "global", 1, "groups/rn-a0"),
        ("new", "worker", 1, "groups/rn-a0-worker-1"),
    ],
)
def test_distributed_rows(run_mode: str, rank_scope: str, worker: int | None, expected_tail: str) -> None:
    link = Wandb(run_mode=run_mode, rank_scope=rank_scope, distributed=True, worker_index=worker)  # type: ignore[arg-type]
    assert render(link, PARENT) == f"https://wandb.ai/team/proj/{expected_tail}"


def test_sweep_links() -> None:
    assert render(WandbSweep(), CTX) == "https://wandb.ai/team/proj/sweeps"
    assert (
        render(WandbSweep(), {**CTX, "_wandb_sweep_id": "abc123"})
        == "https://wandb.ai/team/proj/sweeps/abc123"
    )
    assert render(WandbSweep(id="mine"), {**CTX, "_wandb_sweep_id": "abc123"}).endswith("/sweeps/mine")
    sweep_ctx = {**CTX, "wandb_sweep_project": "sp", "wandb_sweep_entity": "se"}
    assert render(WandbSweep(), sweep_ctx) == "https://wandb.ai/se/sp/sweeps"
    assert render(WandbSweep(project="dp", entity="de"), sweep_ctx) == "https://wandb.ai/de/dp/sweeps"


@pytest.mark.parametrize(
    "host",
    [
        "javascript:alert(1)",
        "JAVASCRIPT://evil.com/%0aalert(1)",
        "data:text/html,<script>",
        "file:///etc/passwd",
        "ftp://files.example.com",
        "/relative/path",
        "wandb.ai",
        "https://",
        "http:///nohost",
        "https://ev il.com",
        "",
    ],
)
def test_unsafe_hosts_fall_back_to_default(host: str) -> None:
    """In a context (written by someone else) a bad host falls back; given to a link it raises."""
    assert render(Wandb(), {**CTX, "wandb_host": host}).startswith("https://wandb.ai/team/proj/")
    assert render(WandbSweep(), {**CTX, "wandb_host": host}).startswith("https://wandb.ai/team/proj/")
    if host:
        with pytest.raises(ValueError, match=r"WandbSweep\(host="):
            WandbSweep(host=host)


def test_host_keeps_path_prefix_and_port() -> None:
    url = render(Wandb(host="http://10.0.0.5:8080/wandb//"), CTX)
    assert url == "http://10.0.0.5:8080/wandb/team/proj/runs/rn-a0"
    with_query = {**CTX, "wandb_host": "http://10.0.0.5:8080/wandb/?next=x#frag"}
    assert render(Wandb(), with_query) == "https://wandb.ai/team/proj/runs/rn-a0"


@pytest.mark.parametrize("value", ["a/b", "a?b", "a#b", "a b", "ünï code", "../..", "%2F", "x&y=z"])
def test_hostile_segments_are_percent_encoded(value: str) -> None:
    context = {"wandb_project": value, "wandb_entity": value, "_wandb_run_id": value}
    url = render(Wandb(), context)
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "wandb.ai"
    assert not parts.query and not parts.fragment
    segments = parts.path.split("/")
    assert len(segments) == 5  # "", entity, project, "runs", id
    assert segments[3] == "runs"
    sweep = urlsplit(render(WandbSweep(), {**context, "_wandb_sweep_id": value}))
    assert len(sweep.path.split("/")) == 5 and not sweep.query and not sweep.fragment


def test_flyte_remote_placeholders_survive() -> None:
    """Remote serialization passes ``{{.actionName}}`` for the backend to fill in."""
    assert (
        render(Wandb(), CTX, action="{{.actionName}}") == "https://wandb.ai/team/proj/runs/rn-{{.actionName}}"
    )


def test_links_attach_to_a_task_and_render_through_flyte_serialization() -> None:
    from flyte._internal.runtime.task_serde import translate_task_to_wire
    from flyte.models import ActionID, RawDataPath, SerializationContext, TaskContext
    from flyte.report import Report

    env = flyte.TaskEnvironment(name="links_serde")

    @env.task
    async def t() -> None:
        return None

    task = t.override(links=(Wandb(project="proj", entity="team"), WandbSweep()))
    tctx = TaskContext(
        action=ActionID(name="a1", run_name="run9", project="fp", domain="dev"),
        version="v",
        raw_data_path=RawDataPath(path="/tmp"),
        output_path="/tmp",
        run_base_dir="/tmp",
        report=Report(name="r"),
        custom_context={**CTX, "_wandb_sweep_id": "sw1"},
    )
    sctx = SerializationContext(
        version="v", project="fp", domain="dev", org="o", image_cache=None, root_dir=Path(__file__).parent
    )
    spec = translate_task_to_wire(task, sctx, task_context=tctx)
    uris = [link.uri for link in _log_links(spec)]
    assert uris == [
        "https://wandb.ai/team/proj/runs/run9-{{.actionName}}",
        "https://wandb.ai/team/proj/sweeps/sw1",
    ]


def _log_links(spec):  # the wire spec nests task logs under the template's metadata
    for candidate in (
        getattr(getattr(spec, "task_template", None), "metadata", None),
        getattr(spec, "task_template", None),
        spec,
    ):
        links = getattr(candidate, "log_links", None)
        if links is not None and len(links):
            return list(links)
    raise AssertionError(f"no log links found in {type(spec).__name__}")


def test_context_run_mode_applies_when_the_decorator_gave_none() -> None:
    new_by_context = {**PARENT, "wandb_run_mode": "new"}
    assert render(Wandb(), new_by_context) == "https://wandb.ai/team/proj/runs/rn-a0"
    assert render(Wandb(run_mode="auto"), new_by_context) == "https://wandb.ai/team/proj/runs/parent-run"
    assert render(Wandb(), {**CTX, "wandb_run_mode": "shared"}) == "https://wandb.ai/team/proj"


def test_context_id_that_names_the_parent_run_is_not_taken_by_a_new_run() -> None:
    inherited = {**CTX, "wandb_id": "parent-run", "_wandb_run_id": "parent-run"}
    assert render(Wandb(run_mode="new"), inherited) == "https://wandb.ai/team/proj/runs/rn-a0"
    assert render(Wandb(), inherited) == "https://wandb.ai/team/proj/runs/parent-run"
    assert render(Wandb(run_mode="new", id="parent-run"), inherited).endswith("/runs/parent-run")


def test_context_rank_scope_applies_to_distributed_links() -> None:
    link = Wandb(distributed=True, worker_index=1)
    assert render(link, {**CTX, "wandb_rank_scope": "worker"}).endswith("/runs/rn-a0-worker-1")
    assert render(link, CTX).endswith("/runs/rn-a0")


def test_url_caches_stay_bounded_and_correct_past_their_size() -> None:
    from flyteplugins.wandb_links.internal import URL_CACHES

    largest = max(cache.cache_info().maxsize or 0 for cache in URL_CACHES)
    new_run, parent_run = Wandb(run_mode="new"), Wandb()
    for i in range(largest + 50):  # more hosts than the host cache holds, more URLs than the others
        host = f"https://h{i % 300}.example"
        ctx = {**CTX, "wandb_host": host + "/", "_wandb_run_id": f"p{i}"}
        assert render(new_run, ctx, action=f"a{i}") == f"{host}/team/proj/runs/rn-a{i}"
        assert render(parent_run, ctx) == f"{host}/team/proj/runs/p{i}"
    for cache in URL_CACHES:
        info = cache.cache_info()
        assert info.maxsize is not None and info.currsize <= info.maxsize
    assert render(Wandb(), {}) == DEFAULT_HOST
    assert render(Wandb(host=""), {**CTX, "wandb_host": ""}) == "https://wandb.ai/team/proj/runs/rn-a0"


def test_default_run_ids_and_given_ids_do_not_share_cache_entries() -> None:
    # (run_name, action_name) = ("runs", x) must not be read as the given id x, and vice versa
    given = Wandb(id="a0")
    default = Wandb()
    run_name_runs = default.get_link("runs", "p", "d", CTX, "parent", "a0", "pod")
    assert render(given, CTX) == "https://wandb.ai/team/proj/runs/a0"
    assert run_name_runs == "https://wandb.ai/team/proj/runs/runs-a0"
    assert render(given, CTX) == "https://wandb.ai/team/proj/runs/a0"


def test_the_package_exports_only_the_documented_links() -> None:
    import flyteplugins.wandb_links as links
    from flyteplugins.wandb_links import internal

    assert sorted(links.__all__) == ["Wandb", "WandbSweep", "__version__"]
    for name in ("build_url", "safe_host", "default_run_id", "DEFAULT_HOST"):
        assert not hasattr(links, name), f"{name} is not part of the links API"
    assert internal.__all__ == ["URL_CACHES"]


def test_both_links_render_through_one_resolver_and_the_contexts_default_run_id() -> None:
    from flyteplugins.wandb_context.internal import default_run_id

    assert Wandb.get_link.__code__ is WandbSweep.get_link.__code__
    assert render(Wandb(run_mode="new"), CTX).endswith("/runs/" + default_run_id("rn", "a0"))
