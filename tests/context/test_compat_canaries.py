"""Canaries for the private Flyte API the context package touches (``_flyte_compat``).

Each fails with a message saying what changed in Flyte, so an upgrade that moves these parts
shows up here first, not as a wrong custom_context in a user's task.
"""

from __future__ import annotations

import contextvars
import dataclasses
import inspect

import flyte
import flyte._context as flyte_context
import flyte.models

from flyteplugins.wandb_context.internal import (
    current_custom_context,
    in_trace,
    scoped_task_context,
    task_context,
)

env = flyte.TaskEnvironment(name="ctx_canaries")


def test_flyte_keeps_its_context_in_one_context_variable() -> None:
    assert isinstance(getattr(flyte_context, "root_context_var", None), contextvars.ContextVar), (
        "flyte._context.root_context_var is no longer a ContextVar: Flyte changed how it scopes the "
        "task context; update wandb_context._flyte_compat.scoped_task_context"
    )
    assert callable(getattr(flyte_context, "internal_ctx", None)), (
        "flyte._context.internal_ctx() is gone: update wandb_context._flyte_compat"
    )
    ctx = flyte_context.internal_ctx()
    for name in ("replace_task_context", "is_in_trace"):
        assert callable(getattr(ctx, name, None)), (
            f"flyte's Context lost {name}(): update wandb_context._flyte_compat"
        )
    assert hasattr(ctx.data, "task_context"), (
        "flyte's ContextData lost .task_context: update wandb_context._flyte_compat.task_context"
    )


def test_task_context_is_a_dataclass_with_custom_context_and_data() -> None:
    fields = {f.name for f in dataclasses.fields(flyte.models.TaskContext)}
    missing = {"custom_context", "data", "action"} - fields
    assert not missing, f"flyte.models.TaskContext lost {missing}: update wandb_context._flyte_compat"
    assert "replace" in dict(inspect.getmembers(flyte.models.TaskContext)), (
        "flyte.models.TaskContext.replace() is gone: update wandb_context._flyte_compat"
    )


@env.task
async def _scoped_inside_a_task() -> list[str]:
    seen = [str(task_context() is not None), str(in_trace())]
    before = current_custom_context()
    with scoped_task_context(set_keys={"wandb_project": "inner"}, data={"k": "v"}):
        seen.append(current_custom_context().get("wandb_project", ""))
        seen.append(str(flyte.ctx().data.get("k")))  # type: ignore[union-attr]
    seen.append(str(current_custom_context() == before))
    return seen


def test_the_compat_functions_work_in_a_real_task(local_run) -> None:
    assert task_context() is None and current_custom_context() == {}
    out = local_run(_scoped_inside_a_task, custom_context={"wandb_project": "outer"})
    assert out == ["True", "False", "inner", "v", "True"], (
        f"scoping the task context through Flyte's private API no longer works ({out}): "
        "update wandb_context._flyte_compat"
    )


def test_flyte_builds_action_console_urls_from_its_client() -> None:
    import flyte._initialize as flyte_init
    from flyte.remote._client.controlplane import ClientSet, Console

    assert callable(getattr(flyte_init, "_get_init_config", None)), (
        "flyte._initialize._get_init_config() is gone: update wandb_context._flyte_compat.action_console_url"
    )
    assert "client" in {f.name for f in dataclasses.fields(flyte_init._InitConfig)}, (
        "Flyte's init config has no client field: update wandb_context._flyte_compat.action_console_url"
    )
    assert isinstance(inspect.getattr_static(ClientSet, "console", None), property), (
        "flyte's ClientSet.console is gone: update wandb_context._flyte_compat.action_console_url"
    )
    url = Console("dns:///flyte.example.com").action_url(
        project="proj", domain="development", run_name="r1", action_name="a0"
    )
    assert url == "https://flyte.example.com/v2/domain/development/project/proj/runs/r1?i=a0", (
        f"Flyte's console URL changed shape ({url}): check what action_console_url records"
    )


def test_action_console_url_is_none_without_a_flyte_endpoint() -> None:
    from flyteplugins.wandb_context.internal import action_console_url

    @env.task
    async def url_of_local_action() -> str | None:
        tctx = task_context()
        assert tctx is not None
        return action_console_url(tctx)

    flyte.init()
    assert flyte.with_runcontext(mode="local").run(url_of_local_action).outputs()[0] is None
