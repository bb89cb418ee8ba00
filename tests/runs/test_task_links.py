"""``@wandb_init`` adds a W&B link to the task, keeps the task's own links, and changes the task
in place (its TaskEnvironment, and so deployment, sees the decorated task)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flyte

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import keys
from flyteplugins.wandb_links import Wandb
from flyteplugins.wandb_runs import wandb_init

env = flyte.TaskEnvironment("runs_task_links")


@dataclass
class Dashboard(flyte.Link):
    name: str = "Dashboard"

    def get_link(self, run_name: str, project: str, domain: str, context: dict[str, str],
                 parent_action_name: str, action_name: str, pod_name: str, **kwargs: Any) -> str:  # fmt: skip
        return f"https://dashboard.example.com/{run_name}"


def body(name: str) -> Any:
    """A fresh task body per test (task names come from the function name)."""

    async def fn() -> None:
        return None

    fn.__name__ = fn.__qualname__ = name
    return fn


def _render(link: flyte.Link, context: dict[str, str]) -> str:
    return link.get_link(
        run_name="run1", project="p", domain="d", context=context,
        parent_action_name="a0", action_name="act", pod_name="pod",
    )  # fmt: skip


def test_link_is_added_after_the_task_s_own_links() -> None:
    task = env.task(links=(Dashboard(),))(body("with_dashboard"))
    decorated = wandb_init(project="proj", entity="team", id="fixed")(task)
    assert decorated is task and env.tasks[task.name] is decorated
    own, wandb_link = decorated.links
    assert isinstance(own, Dashboard) and isinstance(wandb_link, Wandb)
    assert (wandb_link.project, wandb_link.entity, wandb_link.id) == ("proj", "team", "fixed")
    assert _render(wandb_link, {}) == "https://wandb.ai/team/proj/runs/fixed"


def test_link_follows_run_mode_and_context() -> None:
    new = wandb_init(run_mode="new")(env.task(body("new_mode")))
    [link] = new.links
    context = dict(wandb_config(project="proj", entity="team", host="https://wandb.example.com"))
    parent = {**context, keys.RUN_ID_KEY: "parent-run"}
    assert _render(link, parent) == "https://wandb.example.com/team/proj/runs/run1-act"
    auto = wandb_init(env.task(body("auto_mode")))
    assert _render(auto.links[0], parent) == "https://wandb.example.com/team/proj/runs/parent-run"
    assert _render(auto.links[0], context) == "https://wandb.example.com/team/proj/runs/run1-act"


def test_override_keeps_the_decorated_body_and_links() -> None:
    task = wandb_init(env.task(body("overridden")))
    copy = task.override(retries=2)
    assert copy.func is task.func and copy.links == task.links
