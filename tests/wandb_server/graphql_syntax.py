"""GraphQL syntax: the tokenizer, the parsed document's shapes, and the parser.

Covers what the wandb SDK sends: named/anonymous operations with variable definitions and
defaults, aliases, arguments (variables, literals, lists, input objects), fragments (named
and inline), directives and comments.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"(?P<skip>[\s,\ufeff]+|#[^\n]*)"
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

    def name(self) -> str:
        if self.pos < len(self.tokens) and self.tokens[self.pos][0] == "name":
            return self.take()
        got = self.tokens[self.pos][1] if self.pos < len(self.tokens) else "end of document"
        raise GraphQLError(f"Syntax error: expected a name, got {got!r}")

    def document(self) -> Document:
        operations: list[Operation] = []
        fragments: dict[str, tuple[str, list[Selection]]] = {}
        while self.peek():
            if self.peek("{"):
                operations.append(Operation("query", None, {}, self.selection_set()))
            elif self.peek("fragment"):
                self.take()
                name = self.name()
                self.take("on")
                type_name = self.name()
                self.directives()
                fragments[name] = (type_name, self.selection_set())
            else:
                operations.append(self.operation())
        return Document(operations, fragments)

    def operation(self) -> Operation:
        kind = self.take()
        if kind not in ("query", "mutation", "subscription"):
            raise GraphQLError(f"Syntax error: unexpected {kind!r}")
        name = None if self.peek("(") or self.peek("{") or self.peek("@") else self.name()
        defaults: dict[str, Any] = {}
        if self.peek("("):
            self.take("(")
            while not self.peek(")"):
                self.take("$")
                var = self.name()
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
            self.name()
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
                type_name = self.name()
                directives = self.directives()
                return InlineFragment(type_name, self.selection_set(), directives)
            if self.peek("{") or self.peek("@"):
                directives = self.directives()
                return InlineFragment(None, self.selection_set(), directives)
            name = self.name()
            return FragmentSpread(name, self.directives())
        alias = name = self.name()
        if self.peek(":"):
            self.take()
            name = self.name()
        args = self.arguments()
        directives = self.directives()
        selections = self.selection_set() if self.peek("{") else []
        return Field(name, alias, args, selections, directives)

    def arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.peek("("):
            self.take()
            while not self.peek(")"):
                key = self.name()
                self.take(":")
                args[key] = self.value()
            self.take(")")
        return args

    def directives(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        while self.peek("@"):
            self.take()
            name = self.name()
            found[name] = self.arguments()
        return found

    def value(self) -> Any:
        if self.pos >= len(self.tokens):
            raise GraphQLError("Syntax error: expected a value, got end of document")
        kind, token = self.tokens[self.pos]
        if token == "$":
            self.take()
            return Variable(self.name())
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
                key = self.name()
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        self.pos += 1
        if kind == "string":
            return json.loads(token)
        if kind == "block":
            return token[3:-3]
        if kind == "number":
            return float(token) if any(c in token for c in ".eE") else int(token)
        return {"true": True, "false": False, "null": None}.get(token, token)


def parse(source: str) -> Document:
    return _Parser(source).document()
