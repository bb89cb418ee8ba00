"""The secret rule: which field names name a secret, and where one hides in a nested value.

A name is split into lowercase words at ``_ - . :`` spaces, other punctuation, digits and
camelCase boundaries (``openAIApiKey`` -> ``open ai api key``). It names a secret when

1. a word is a secret word (``secret``, ``password``, ``passwd``, ``pwd``, ``credentials``,
   ``authorization``, ``bearer``, ...), or ends in a fused one (``apikey``, ``dbpassword``,
   ``clientsecret``, ``authtoken``, ...);
2. two adjacent words form a secret pair: ``api|access|private|secret|ssh|signing|encryption|
   master|auth|session key(s)`` or ``api|access|auth|refresh|session|bearer|oauth|private
   token(s)``;
3. the last word is ``token`` (singular) and the word before it is not a vocabulary role or a
   count (``pad_token``, ``eos_token``, ``max_token`` are not secrets; ``hf_token`` and
   ``token`` are);

unless the last word says where a secret is kept rather than holding it (``file``, ``path``,
``dir``, ``env``, ``var``, ``name``: ``credentials_file``, ``api_key_env``).

So ``api_key``, ``auth_token``, ``access_token``, ``WANDB_API_KEY`` are secret names, while
``monkey``, ``keyboard_layout``, ``tokenizer``, ``max_tokens``, ``key_frames`` and
``config_exclude_keys`` are not. A secret-named field only counts when its value holds
something: ``None``, booleans and empty values are allowed (``use_auth_token=True``).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = [
    "find_secret",
    "is_secret_name",
    "iter_fields",
    "looks_like_secret_value",
    "secret_reason",
    "spell_path",
]

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")

_SECRET_WORDS = frozenset(
    {"pwd", "creds", "credential", "credentials", "authorization", "bearer", "passphrase"}
)
# Whole words, or the end of a fused word ("dbpassword", "wandbapikey", "clientsecret").
_SECRET_ENDINGS = (
    "secret",
    "secrets",
    "password",
    "passwords",
    "passwd",
    "apikey",
    "apikeys",
    "accesskey",
    "privatekey",
    "secretkey",
    "authtoken",
    "accesstoken",
    "refreshtoken",
    "apitoken",
)
_KEY_QUALIFIERS = frozenset(
    {"api", "access", "private", "secret", "ssh", "signing", "encryption", "master", "auth", "session"}
)
_TOKEN_QUALIFIERS = frozenset({"api", "access", "auth", "refresh", "session", "bearer", "oauth", "private"})
# Words before a final "token" that make it a model's vocabulary token or a count, not a credential.
_VOCAB_TOKEN_WORDS = frozenset(
    {
        *("pad", "padding", "eos", "bos", "sos", "eot", "eom", "unk", "unknown", "mask", "cls", "sep"),
        *("special", "start", "end", "stop", "begin", "image", "img", "audio", "video", "vision"),
        *("boi", "eoi", "placeholder", "sentinel", "decoder", "encoder", "think", "tool", "new"),
        *("max", "min", "num", "nb", "n", "total", "per", "first", "last", "next", "prev"),
    }
)
_REFERENCE_WORDS = frozenset({"file", "path", "dir", "env", "var", "name"})

# Shapes of well-known credentials, so that an error never echoes one even under an innocent name.
_SECRET_VALUE = re.compile(
    r"(?:local-)?[0-9a-f]{40}"  # W&B API key
    r"|(?:sk|pk|rk)-[A-Za-z0-9_-]{8,}.*"  # OpenAI/Anthropic/Stripe style
    r"|(?:ghp|gho|ghs|ghu|ghr|github_pat|glpat|hf|xox[abprs])[_-][A-Za-z0-9_-]{8,}.*"
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\..*"  # JWT
    r"|(?i:bearer|basic)\s+\S{8,}",
    re.DOTALL,
)


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def secret_reason(name: str) -> str | None:
    """Why ``name`` names a secret (the words that matched), or ``None`` when it does not."""
    # Configs repeat the same few names many times; long (hostile) names are not cached.
    return _cached_reason(name) if len(name) <= 100 else _reason(name)


@functools.lru_cache(maxsize=4096)
def _cached_reason(name: str) -> str | None:
    return _reason(name)


def _reason(name: str) -> str | None:
    words = _words(name)
    if not words or words[-1] in _REFERENCE_WORDS:
        return None
    for word in words:
        if word in _SECRET_WORDS or word.endswith(_SECRET_ENDINGS):
            return repr(word)
    for first, second in itertools.pairwise(words):
        if (first in _KEY_QUALIFIERS and second in ("key", "keys")) or (
            first in _TOKEN_QUALIFIERS and second in ("token", "tokens")
        ):
            return repr(f"{first} {second}")
    if words[-1] == "token" and (len(words) == 1 or words[-2] not in _VOCAB_TOKEN_WORDS):
        return repr(" ".join(words[-2:]))
    return None


def is_secret_name(name: str) -> bool:
    """True when a field called ``name`` would hold a secret (the rule in this module's docs)."""
    return secret_reason(name) is not None


def looks_like_secret_value(text: str) -> bool:
    """True for strings shaped like a well-known credential (W&B key, ``sk-...``, ``hf_...``)."""
    return _SECRET_VALUE.fullmatch(text.strip()) is not None


_LEAVES = (str, bytes, int, float, type(None))


def iter_fields(value: Any) -> Iterator[tuple[Any, Any]]:
    """The (key, value) pairs or (index, item) pairs directly inside ``value``: mappings,
    lists/tuples/sets, dataclasses and pydantic-style objects (``model_dump()``, such as
    ``wandb.Settings``). Nothing for a leaf."""
    if isinstance(value, _LEAVES):
        return
    if isinstance(value, Mapping):
        yield from value.items()
    elif isinstance(value, (list, tuple, set, frozenset)):
        yield from enumerate(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield f.name, getattr(value, f.name, None)
    else:
        dump = getattr(value, "model_dump", None)
        if not callable(dump):
            return
        try:
            dumped = dump()
        except Exception:  # an object we cannot look inside is refused as non-JSON instead
            return
        if isinstance(dumped, Mapping):
            yield from dumped.items()


def _holds_something(value: Any) -> bool:
    """False for values that cannot carry a secret: None, booleans, blank strings, and
    containers of only those."""
    stack: list[Any] = [value]
    seen: dict[int, Any] = {}  # holds each visited object, so its id is never reused meanwhile
    while stack:
        item = stack.pop()
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, (str, bytes)):
            if item.strip():
                return True
            continue
        if isinstance(item, (int, float)):
            return True
        if id(item) in seen:
            continue
        seen[id(item)] = item
        children = list(iter_fields(item))
        if not children and not isinstance(item, (Mapping, list, tuple, set, frozenset)):
            return True  # an opaque object: assume it may hold the secret
        stack.extend(child for _, child in children)
    return False


def find_secret(value: Any) -> tuple[tuple[Any, ...], str] | None:
    """The path to the first secret-named field holding something, at any depth of ``value``,
    and why the name is a secret; ``None`` when there is none. Cycles are visited once."""
    # A path is kept as (parent link, key) pairs and spelled out only when reported, so a
    # deeply nested value costs linear time.
    stack: list[tuple[Any, Any]] = [(None, value)]
    seen: dict[int, Any] = {}  # holds each visited object, so its id is never reused meanwhile
    while stack:
        link, item = stack.pop()
        if isinstance(item, _LEAVES) or id(item) in seen:
            continue
        seen[id(item)] = item
        if isinstance(item, dict):  # the common shapes first: iter_fields is the general case
            children: Iterable[tuple[Any, Any]] = item.items()
        elif isinstance(item, list):
            children = enumerate(item)
        else:
            children = iter_fields(item)
        for key, child in children:
            if isinstance(key, str):
                reason = secret_reason(key)
                if reason is not None and _holds_something(child):
                    return spell_path((link, key)), reason
            if not isinstance(child, _LEAVES):
                stack.append(((link, key), child))
    return None


def spell_path(link: Any) -> tuple[Any, ...]:
    """``(((None, 'a'), 0), 'b')`` -> ``('a', 0, 'b')``."""
    keys: list[Any] = []
    while link is not None:
        link, key = link
        keys.append(key)
    return tuple(reversed(keys))
