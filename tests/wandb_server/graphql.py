"""A small GraphQL executor: parses what the wandb SDK sends and answers it from resolvers.

There is no schema. A selection is answered by looking each field up on the current value:
a resolver object's method of the same name (called with the field's arguments), a dict key,
or an attribute. Unknown fields answer null and are reported through ``on_unknown`` so that
a newcomer sees what the SDK asked for that the server does not know yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r'(?P<skip>[\s,\ufeff]+|#[^\n]*)'
    r'|(?P<block>"""(?:\\"""|[^"]|"(?!""))*""")'
    r'|(?P<string>"(?:\\.|[^"\\])*")'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)"
    r"|(?P<punct>\.\.\.|[!$&()\[\]{}:=@|])"
)


class GraphQLError(Exception):
    """A query the executor cannot parse or answer; becomes an entry of ``errors``."""


@dataclass
class Field:
    name: str
    alias: str
    args: dict[str, Any]
    selections: list[Selection]
    directives: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class FragmentSpread:
    name: str
    directives: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class InlineFragment:
    type_condition: str | None
    selections: list[Selection]
    directives: dict[str, dict[str, Any]] = field(default_factory=dict)


Selection = Field | FragmentSpread | InlineFragment


@dataclass
class Variable:
    name: str


@dataclass
class Operation:
    kind: str  # "query" | "mutation" | "subscription"
    name: str | None
    defaults: dict[str, Any]
    selections: list[Selection]


@dataclass
class Document:
    operations: list[Operation]
    fragments: dict[str, tuple[str, list[Selection]]]


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise GraphQLError(f"Syntax error: unexpected character {source[pos]!r} at {pos}")
        kind = match.lastgroup or ""
        if kind != "skip":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.pos = 0

    def peek(self, value: str | None = None) -> bool:
        if self.pos >= len(self.tokens):
            return False
        return value is None or self.tokens[self.pos][1] == value

    def take(self, value: str | None = None) -> str:
        if self.pos >= len(self.tokens):
            raise GraphQLError(f"Syntax error: expected {value or 'a token'}, got end of document")
        token = self.tokens[self.pos][1]
        if value is not None and token != value:
            raise GraphQLError(f"Syntax error: expected {value!r}, got {token!r}")
        self.pos += 1
        return token

    def document(self) -> Document:
        operations: list[Operation] = []
        fragments: dict[str, tuple[str, list[Selection]]] = {}
        while self.peek():
            if self.peek("{"):
                operations.append(Operation("query", None, {}, self.selection_set()))
            elif self.peek("fragment"):
                self.take()
                name = self.take()
                self.take("on")
                type_name = self.take()
                self.directives()
                fragments[name] = (type_name, self.selection_set())
            else:
                operations.append(self.operation())
        return Document(operations, fragments)

    def operation(self) -> Operation:
        kind = self.take()
        if kind not in ("query", "mutation", "subscription"):
            raise GraphQLError(f"Syntax error: unexpected {kind!r}")
        name = None if self.peek("(") or self.peek("{") or self.peek("@") else self.take()
        defaults: dict[str, Any] = {}
        if self.peek("("):
            self.take("(")
            while not self.peek(")"):
                self.take("$")
                var = self.take()
                self.take(":")
                self.type_ref()
                if self.peek("="):
                    self.take()
                    defaults[var] = self.value()
                self.directives()
            self.take(")")
        self.directives()
        return Operation(kind, name, defaults, self.selection_set())

    def type_ref(self) -> None:
        if self.peek("["):
            self.take()
            self.type_ref()
            self.take("]")
        else:
            self.take()
        if self.peek("!"):
            self.take()

    def selection_set(self) -> list[Selection]:
        self.take("{")
        selections: list[Selection] = []
        while not self.peek("}"):
            selections.append(self.selection())
        self.take("}")
        return selections

    def selection(self) -> Selection:
        if self.peek("..."):
            self.take()
            if self.peek("on"):
                self.take()
                type_name = self.take()
                directives = self.directives()
                return InlineFragment(type_name, self.selection_set(), directives)
            if self.peek("{") or self.peek("@"):
                directives = self.directives()
                return InlineFragment(None, self.selection_set(), directives)
            name = self.take()
            return FragmentSpread(name, self.directives())
        alias = name = self.take()
        if self.peek(":"):
            self.take()
            name = self.take()
        args = self.arguments()
        directives = self.directives()
        selections = self.selection_set() if self.peek("{") else []
        return Field(name, alias, args, selections, directives)

    def arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.peek("("):
            self.take()
            while not self.peek(")"):
                key = self.take()
                self.take(":")
                args[key] = self.value()
            self.take(")")
        return args

    def directives(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        while self.peek("@"):
            self.take()
            found[self.take()] = self.arguments()
        return found

    def value(self) -> Any:
        kind, token = self.tokens[self.pos]
        if token == "$":
            self.take()
            return Variable(self.take())
        if token == "[":
            self.take()
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if token == "{":
            self.take()
            obj = {}
            while not self.peek("}"):
                key = self.take()
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        self.pos += 1
        if kind == "string":
            import json

            return json.loads(token)
        if kind == "block":
            return token[3:-3]
        if kind == "number":
            return float(token) if any(c in token for c in ".eE") else int(token)
        return {"true": True, "false": False, "null": None}.get(token, token)


def parse(source: str) -> Document:
    return _Parser(source).document()


@dataclass
class _Context:
    fragments: dict[str, tuple[str, list[Selection]]]
    variables: dict[str, Any]
    on_unknown: Callable[[str, str], None]


def _substitute(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, Variable):
        return variables.get(value.name)
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    return value


def _typename(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        return obj.get("__typename")
    return getattr(obj, "typename", None)


def _included(directives: dict[str, dict[str, Any]], ctx: _Context) -> bool:
    if "skip" in directives and _substitute(directives["skip"].get("if"), ctx.variables):
        return False
    if "include" in directives and not _substitute(directives["include"].get("if"), ctx.variables):
        return False
    return True


def _collect(obj: Any, selections: list[Selection], ctx: _Context, out: list[Field]) -> None:
    """Flattens fragments into the list of fields that apply to ``obj``."""
    for sel in selections:
        if not _included(sel.directives, ctx):
            continue
        if isinstance(sel, Field):
            out.append(sel)
            continue
        if isinstance(sel, FragmentSpread):
            if sel.name not in ctx.fragments:
                raise GraphQLError(f"Unknown fragment {sel.name!r}")
            type_condition, sub = ctx.fragments[sel.name]
        else:
            type_condition, sub = sel.type_condition, sel.selections
        actual = _typename(obj)
        if type_condition is None or actual is None or actual == type_condition:
            _collect(obj, sub, ctx, out)


def _resolve_field(obj: Any, fld: Field, ctx: _Context) -> Any:
    if fld.name == "__typename":
        return _typename(obj)
    args = {k: _substitute(v, ctx.variables) for k, v in fld.args.items()}
    if isinstance(obj, Mapping):
        if fld.name in obj:
            return obj[fld.name]
    else:
        attr = getattr(obj, fld.name, None)
        if callable(attr):
            return attr(**args)
        if attr is not None or hasattr(obj, fld.name):
            return attr
    ctx.on_unknown(_typename(obj) or type(obj).__name__, fld.name)
    return None


def _complete(value: Any, selections: list[Selection], ctx: _Context) -> Any:
    if value is None or not selections:
        return value
    if isinstance(value, (list, tuple)):
        return [_complete(v, selections, ctx) for v in value]
    fields: list[Field] = []
    _collect(value, selections, ctx, fields)
    result: dict[str, Any] = {}
    for fld in fields:
        resolved = _complete(_resolve_field(value, fld, ctx), fld.selections, ctx)
        if fld.alias in result and isinstance(result[fld.alias], dict) and isinstance(resolved, dict):
            result[fld.alias].update(resolved)
        else:
            result[fld.alias] = resolved
    return result


def pick_operation(doc: Document, name: str | None) -> Operation:
    if name:
        for op in doc.operations:
            if op.name == name:
                return op
        raise GraphQLError(f"Unknown operation named {name!r}")
    if len(doc.operations) != 1:
        raise GraphQLError("Must provide operation name if query contains multiple operations")
    return doc.operations[0]


def execute(
    doc: Document,
    operation: Operation,
    root: Any,
    variables: Mapping[str, Any] | None,
    on_unknown: Callable[[str, str], None],
) -> dict[str, Any]:
    """Runs ``operation`` against ``root`` (resolvers for ``query`` or ``mutation``)."""
    merged = dict(operation.defaults)
    merged.update(variables or {})
    ctx = _Context(doc.fragments, merged, on_unknown)
    return _complete(root, operation.selections, ctx)
