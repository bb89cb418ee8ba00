"""The one host rule (``wandb_context.hosts``): what is accepted, its normal form, the refusals."""

from __future__ import annotations

import pytest

from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import hosts


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("https://wandb.ai", "https://wandb.ai"),
        ("https://wandb.ai/", "https://wandb.ai"),
        ("HTTPS://WandB.Example.COM//", "https://wandb.example.com"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://localhost:08080/", "http://localhost:8080"),
        ("http://10.0.0.5:8080/wandb//", "http://10.0.0.5:8080/wandb"),
        ("https://[::1]:8443/", "https://[::1]:8443"),
        ("https://[2001:DB8:0:0::1]", "https://[2001:db8::1]"),
        ("https://münchen.example", "https://xn--mnchen-3ya.example"),
        ("https://xn--mnchen-3ya.example", "https://xn--mnchen-3ya.example"),
        ("https://wandb.example.com/w%26b/api/", "https://wandb.example.com/w%26b/api"),
        ("https://wandb.example.com/w&b/ü", "https://wandb.example.com/w%26b/%C3%BC"),
        ("https://a-b.c-d.example:65535", "https://a-b.c-d.example:65535"),
        (None, None),
        ("", None),
    ],
)
def test_valid_hosts_in_normal_form(given: str | None, normal: str | None) -> None:
    assert hosts.normalize_host(given) == normal


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("javascript:alert(1)", "http(s)://hostname"),
        ("ftp://files.example.com", "scheme must be http or https"),
        ("wandb.ai", "http(s)://hostname"),
        ("//wandb.ai", "http(s)://hostname"),
        ("https:/wandb.ai", "http(s)://hostname"),
        ("https://", "no hostname"),
        ("http:///nohost", "no hostname"),
        ("https://wandb.ai\n.evil.com", "whitespace, a control character"),
        ("https://wandb.ai\t", "whitespace, a control character"),
        ("https://wandb.ai\r", "whitespace, a control character"),
        (" https://wandb.ai", "whitespace, a control character"),
        ("https://wan\x00db.ai", "whitespace, a control character"),
        ("https://wan\u200bdb.ai", "whitespace, a control character"),  # zero-width space
        ("https://wandb.ai\u202e", "whitespace, a control character"),  # bidi override
        ("https://wandb\u3000ai", "whitespace, a control character"),
        ("https://wandb.ai\x85", "whitespace, a control character"),
        ('https://wandb.ai/"x', "a quote"),
        ("https://wandb.ai/'x", "a quote"),
        ("https://wandb.ai/<script>", "angle bracket"),
        ("https://evil.com\\@wandb.ai", "backslash"),
        ("https://user:pw@wandb.example.com", "user:password@"),
        ("https://user@wandb.example.com", "user:password@"),
        ("https://wandb.example.com?next=x", "query or fragment"),
        ("https://wandb.example.com/#x", "query or fragment"),
        ("https://wandb.example.com:0", "port"),
        ("https://wandb.example.com:65536", "port"),
        ("https://wandb.example.com:+80", "port"),
        ("https://wandb.example.com:8\u0668", "port"),  # an Arabic-Indic digit
        ("https://wandb.example.com:", "port"),
        ("https://wandb.example.com:80:80", "port"),
        ("https://-wandb.example.com", "labels"),
        ("https://wandb-.example.com", "labels"),
        ("https://wandb..example.com", "labels"),
        ("https://wandb.example.com.", "labels"),
        ("https://under_score.example", "labels"),
        ("https://" + "a" * 64 + ".example", "labels"),
        ("https://wandb%2eexample.com", "labels"),
        ("https://xn--abc.example", "IDNA"),
        ("http://2130706433", "IPv4"),
        ("http://0x7f.1", "IPv4"),
        ("http://127.1", "IPv4"),
        ("http://010.0.0.1", "IPv4"),
        ("http://[::1", "brackets"),
        ("http://[fe80::1%25eth0]", "IPv6"),
        ("http://[::1]x", "after the IPv6"),
        ("https://wandb.example.com/..", "'..' segment"),
        ("https://wandb.example.com/a/%2e%2E/b", "'..' segment"),
        ("https://wandb.example.com/.%2e", "'..' segment"),
        ("https://wandb.example.com/%252e", "'..' segment"),
        ("https://wandb.example.com/./x", "'..' segment"),
        ("https://" + "a." * 1100 + "com", "longer than"),
    ],
)
def test_invalid_hosts_are_refused_naming_the_value_and_the_fix(given: str, reason: str) -> None:
    with pytest.raises(ValueError) as raised:
        hosts.normalize_host(given)
    message = str(raised.value)
    assert reason in message
    assert "https://wandb.example.com'" in message  # the fix
    if "@" not in given and "?" not in given and "#" not in given and len(given) < 200:
        assert repr(given) in message


@pytest.mark.parametrize(
    "given",
    [
        "https://user:hunter2@wandb.example.com",
        "https://:hunter2@wandb.example.com",
        "https://u:hun@ter2@wandb.example.com",
        "https://u:hunter2/x@wandb.example.com",
        "user:hunter2@wandb.example.com",
        "ftp://u:hunter2@files.example.com",
        "https://wandb.example.com/?token=hunter2",
        "https://wandb.example.com/#hunter2",
        "https://u:hunter2@wandb.example.com\n",
    ],
)
def test_messages_never_echo_a_password_or_query(given: str) -> None:
    for call in (
        lambda: hosts.normalize_host(given),
        lambda: hosts.check_host(given, "@wandb_init"),
        lambda: hosts.api_base_url(given),
        lambda: wandb_config(host=given),
    ):
        with pytest.raises(ValueError) as raised:
            call()
        assert "hunter" not in str(raised.value) and "ter2" not in str(raised.value)


def test_the_call_site_is_named() -> None:
    with pytest.raises(ValueError, match=r"^@wandb_init\(host='ftp://x'\) is not a valid W&B host"):
        hosts.check_host("ftp://x", "@wandb_init")
    with pytest.raises(ValueError, match=r"^wandb_config\(host='ftp://x'\)"):
        wandb_config(host="ftp://x")
    with pytest.raises(ValueError, match="must be a string"):
        hosts.check_host(42, "Wandb")
    hosts.check_host(None, "Wandb")
    hosts.check_host("", "Wandb")
    assert dict(wandb_config(host="https://wandb.example.com"))["wandb_host"] == "https://wandb.example.com"


@pytest.mark.parametrize(
    ("given", "api"),
    [
        (None, None),
        ("", None),
        ("https://wandb.ai", None),  # the public UI: the SDK's default API (api.wandb.ai)
        ("https://www.wandb.ai/", None),
        ("https://api.wandb.ai", None),
        ("https://WANDB.AI", None),
        ("https://wandb.example.com/", "https://wandb.example.com"),
        ("http://localhost:8080/prefix/", "http://localhost:8080/prefix"),
        ("https://wandb.ai.evil.example", "https://wandb.ai.evil.example"),
    ],
)
def test_api_base_url(given: str | None, api: str | None) -> None:
    assert hosts.api_base_url(given) == api


@pytest.mark.parametrize(
    "given", ["ftp://wandb.ai", "https://u:p@wandb.ai", "wandb.ai", "https://wandb.ai?x"]
)
def test_a_bad_host_never_means_the_cloud(given: str) -> None:
    with pytest.raises(ValueError):
        hosts.api_base_url(given)


@pytest.mark.parametrize(
    ("value", "dot"),
    [
        (".", True),
        ("..", True),
        ("%2e", True),
        ("%2E%2e", True),
        (".%2E", True),
        ("%2e.", True),
        ("%252e%252E", True),
        ("...", False),
        (".a", False),
        ("a.", False),
        ("%2e%2e%2e", False),
        ("%2f", False),
        ("", False),
    ],
)
def test_dot_segments_in_any_spelling(value: str, dot: bool) -> None:
    assert hosts.is_dot_segment(value) is dot
