"""Hostile values in every place a link reads one: the URL keeps its shape (audit items 3, 4).

Every produced URL starts with the http(s) host that was named (in normal form) or the default
host, has no query or fragment, no whitespace or control character, no ``javascript:``, and no
path segment that is ``.``/``..`` after percent-decoding it (once, or again).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

import pytest

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import hosts
from flyteplugins.wandb_links import Wandb, WandbSweep

DEFAULT_HOST = hosts.DEFAULT_HOST

DOT_SPELLINGS = [
    ".",
    "..",
    "%2e",
    "%2E",
    "%2e%2e",
    ".%2E",
    "%2e.",
    "%2E%2e",
    "%252e%252e",
    ".%252E",
    "%25252e",
]

HOSTILE_VALUES = [
    *DOT_SPELLINGS,
    "...",
    "..%2f",
    "../..",
    "a/../b",
    "/",
    "?x=1",
    "#frag",
    "javascript:alert(1)",
    " ",
    "\t",
    "a\nb",
    "\r\n..",
    "\x00",
    "\x7f",
    "\u2028",
    "\u00a0..",
    "\u200b..",
    "\uff0e\uff0e",  # fullwidth dots
    "%",
    "%%2e",
    "\\..",
    "ü",
    "{{.actionName}}",
    "{{ .actionName }}",
    "{{\t.actionName}}",
    "{{.actionName\n}}",
    "{{\u3000.actionName}}",
    "{{\u00a0.actionName }}",
    "{{\x0b.actionName}}",
    "..{{.actionName}}",
    "{{.a}}/{{.b}}",
]

# host as written in the context -> the host every URL must start with
HOSTS = {
    None: DEFAULT_HOST,
    "https://wandb.ai": DEFAULT_HOST,
    "https://wandb.corp.example/": "https://wandb.corp.example",
    "HTTP://10.0.0.5:8080/wandb//": "http://10.0.0.5:8080/wandb",
    "https://münchen.example": "https://xn--mnchen-3ya.example",
    "https://[::1]:8443": "https://[::1]:8443",
    "javascript:alert(1)": DEFAULT_HOST,
    "https://wandb.ai\n.evil.com": DEFAULT_HOST,
    "https://wandb.ai\t": DEFAULT_HOST,
    " https://wandb.ai": DEFAULT_HOST,
    "https://evil.com\\@wandb.ai": DEFAULT_HOST,
    "https://user:pw@evil.com": DEFAULT_HOST,
    "ftp://files.example.com": DEFAULT_HOST,
    "https://h.example/%2e%2e": DEFAULT_HOST,
    "https://h.example/a/.%2E/b": DEFAULT_HOST,
    "https://h.example:99999": DEFAULT_HOST,
    "https://h.example:": DEFAULT_HOST,
    "https://h.example?next=x": DEFAULT_HOST,
    "https://h.example#x": DEFAULT_HOST,
    "http://2130706433": DEFAULT_HOST,
    "https://wan\u200bdb.ai": DEFAULT_HOST,
    'https://h.example/"><script>': DEFAULT_HOST,
}

# crossed with every hostile value (the whole table has its own test below)
HOSTS_SAMPLE = [
    None,
    "HTTP://10.0.0.5:8080/wandb//",
    "https://münchen.example",
    "https://wandb.ai\n.evil.com",
]

LINKS = [
    Wandb(),
    Wandb(run_mode="new"),
    Wandb(run_mode="shared"),
    Wandb(distributed=True, worker_index=1, rank_scope="worker"),
    Wandb(distributed=True, run_mode="new"),
    WandbSweep(),
]


def render(link, context: dict[str, str], run_name: str = "rn", action: str = "a0") -> str:
    return link.get_link(run_name, "fp", "development", context, "parent", action, "pod")


# Flyte fills these in later; only this exact form may reach the URL unescaped.
PLACEHOLDER = re.compile(r"\{\{ *\.[A-Za-z][A-Za-z0-9_]* *\}\}")


def assert_safe(url: str, host: str) -> None:
    assert url == host or url.startswith(host + "/"), (url, host)
    assert "javascript:" not in url.lower()
    assert "?" not in url and "#" not in url
    outside_placeholders = PLACEHOLDER.sub("", url)
    for char in outside_placeholders:
        assert unicodedata.category(char)[0] not in "CZ" and not char.isspace(), (url, char)
        assert char not in "\"'<>\\`{}", (url, char)
    for segment in url[len(host) :].split("/")[1:]:
        value = segment
        for _ in range(4):  # decoded once (a browser) or again (a server that decodes)
            assert value not in (".", ".."), (url, segment)
            value = unquote(value)


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_context_values_never_break_the_url(value: str) -> None:
    places = ["wandb_entity", "wandb_project", "wandb_id", "_wandb_run_id", "_wandb_sweep_id", "wandb_host"]
    for written_host in HOSTS_SAMPLE:
        expected_host = HOSTS[written_host]
        base = {"wandb_entity": "team", "wandb_project": "proj"}
        if written_host is not None:
            base["wandb_host"] = written_host
        for place in places:
            context = {**base, place: value}
            host = DEFAULT_HOST if place == "wandb_host" else expected_host
            for link in LINKS:
                assert_safe(render(link, context), host)
                assert_safe(render(link, context, run_name=value, action=value), host)


@pytest.mark.parametrize("written", [k for k in HOSTS if k is not None])
def test_each_host_renders_as_named_or_falls_back(written: str) -> None:
    context = {"wandb_entity": "team", "wandb_project": "proj", "wandb_host": written}
    assert render(Wandb(), context) == f"{HOSTS[written]}/team/proj/runs/rn-a0"
    assert render(Wandb(), {"wandb_host": written}) == HOSTS[written]


@pytest.mark.parametrize("value", DOT_SPELLINGS)
def test_dot_segments_fall_back_to_the_project_page_or_the_host(value: str) -> None:
    ctx = {"wandb_entity": "team", "wandb_project": "proj"}
    project_page = "https://wandb.ai/team/proj"
    assert render(Wandb(), {**ctx, "wandb_id": value}) == project_page
    assert render(Wandb(), {**ctx, "_wandb_run_id": value}) == project_page
    assert render(WandbSweep(), {**ctx, "_wandb_sweep_id": value}) == project_page
    assert render(Wandb(), {**ctx, "wandb_entity": value}) == DEFAULT_HOST
    assert render(WandbSweep(), {**ctx, "wandb_project": value}) == DEFAULT_HOST


@pytest.mark.parametrize("value", DOT_SPELLINGS)
def test_dot_segments_given_to_a_link_are_refused(value: str) -> None:
    for field_name in ("project", "entity", "id"):
        with pytest.raises(ValueError, match=rf"Wandb\({field_name}="):
            Wandb(**{field_name: value})
        with pytest.raises(ValueError, match=rf"WandbSweep\({field_name}="):
            WandbSweep(**{field_name: value})


@pytest.mark.parametrize("value", ["...", "..%2f", ".hidden", "a.b", "{{.actionName}}"])
def test_names_with_dots_that_are_not_dot_segments_are_kept(value: str) -> None:
    url = render(Wandb(project="proj", entity="team", id=value), {})
    assert url.startswith("https://wandb.ai/team/proj/runs/") and url.count("/") == 6


def test_placeholders_pass_only_in_their_exact_form() -> None:
    ctx = dict(wandb_config(project="proj", entity="team"))
    for exact in ("{{.actionName}}", "{{ .actionName }}", "{{  .actionName  }}"):
        assert render(Wandb(), ctx, action=exact).endswith(f"/runs/rn-{exact}")
    for padding in ("\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u2003", "\u3000", "\x00", "\x85"):
        for hostile in (f"{{{{{padding}.actionName}}}}", f"{{{{.actionName{padding}}}}}"):
            url = render(Wandb(), ctx, action=hostile)
            assert "{" not in url and "}" not in url and padding not in url, repr(url)


@pytest.mark.parametrize(
    "host",
    [
        "ftp://x.example",
        "https://wandb.ai\n.evil.com",
        "https://u:hunter2@h.example",
        "wandb.ai",
        "https://h:0",
    ],
)
def test_bad_hosts_given_to_a_link_are_refused_without_echoing_a_password(host: str) -> None:
    for link_type in (Wandb, WandbSweep):
        with pytest.raises(ValueError, match=rf"{link_type.__name__}\(host=") as raised:
            link_type(host=host)
        assert "hunter2" not in str(raised.value)
