"""A small GraphQL executor: answers what the wandb SDK sends from resolver objects.

graphql-core parses; there is no schema. A selection is answered by looking each field up on
the current value: a resolver object's method of the same name (called with the field's
arguments), a dict key, or an attribute. Unknown fields answer null and are reported through
``on_unknown`` so that a newcomer sees what the SDK asked for that the server does not know yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Absolute imports: this module is ``wandb_server.graphql``, the package below is graphql-core.
from graphql import GraphQLSyntaxError
from graphql.language import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
)
from graphql.language import parse as _parse
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

__all__ = ["DocumentNode", "GraphQLError", "Operation", "execute", "parse", "pick_operation"]


class GraphQLError(Exception):
    """A query the executor cannot parse or answer; becomes an entry of ``errors``."""


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" | "mutation" | "subscription"
    name: str | None
    node: OperationDefinitionNode


@dataclass
class _Context:
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    on_unknown: Callable[[str, str], None]


def parse(source: str) -> DocumentNode:
    if not isinstance(source, str):
        raise GraphQLError(f"Syntax error: the query must be a string, not {type(source).__name__}")
    try:
        return _parse(source, no_location=True)
    except GraphQLSyntaxError as exc:
        where = "".join(f" at line {loc.line}, column {loc.column}" for loc in exc.locations or ())
        raise GraphQLError(f"Syntax error: {exc.description}{where}") from None


def _defined(value: Any) -> Any:
    """An unset variable (graphql-core's ``Undefined``) answers None, as a null would."""
    if value is Undefined:
        return None
    if isinstance(value, list):
        return [_defined(v) for v in value]
    if isinstance(value, dict):
        return {k: _defined(v) for k, v in value.items()}
    return value


def _arguments(nodes: Sequence[ArgumentNode] | None, ctx: _Context) -> dict[str, Any]:
    return {a.name.value: _defined(value_from_ast_untyped(a.value, ctx.variables)) for a in nodes or ()}


def _typename(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        return obj.get("__typename")
    return getattr(obj, "typename", None)


def _interfaces(obj: Any) -> tuple[str, ...]:
    """The interfaces a resolver object implements (``interfaces``), for fragments on them:
    ``... on ArtifactCollection`` applies to an ``ArtifactSequence``."""
    return tuple(getattr(obj, "interfaces", ()))


def _included(node: SelectionNode, ctx: _Context) -> bool:
    for directive in node.directives or ():
        name = directive.name.value
        if name in ("skip", "include"):
            condition = bool(_arguments(directive.arguments, ctx).get("if"))
            if condition == (name == "skip"):
                return False
    return True


def _collect(obj: Any, selection_set: SelectionSetNode, ctx: _Context, out: list[FieldNode]) -> None:
    """Flattens fragments into the list of fields that apply to ``obj``."""
    for sel in selection_set.selections:
        if not _included(sel, ctx):
            continue
        if isinstance(sel, FieldNode):
            out.append(sel)
            continue
        if isinstance(sel, FragmentSpreadNode):
            fragment = ctx.fragments.get(sel.name.value)
            if fragment is None:
                raise GraphQLError(f"Unknown fragment {sel.name.value!r}")
            condition, sub = fragment.type_condition, fragment.selection_set
        elif isinstance(sel, InlineFragmentNode):
            condition, sub = sel.type_condition, sel.selection_set
        else:  # pragma: no cover - graphql-core has no other selection kinds
            continue
        actual = _typename(obj)
        if condition is None or actual is None or condition.name.value in (actual, *_interfaces(obj)):
            _collect(obj, sub, ctx, out)


def _resolve_field(obj: Any, fld: FieldNode, ctx: _Context) -> Any:
    name = fld.name.value
    if name == "__typename":
        return _typename(obj)
    if isinstance(obj, Mapping):
        if name in obj:
            return obj[name]
    elif not name.startswith("_"):  # resolvers keep their own state in _attributes
        attr = getattr(obj, name, None)
        if callable(attr):
            return attr(**_arguments(fld.arguments, ctx))
        if attr is not None or hasattr(obj, name):
            return attr
    ctx.on_unknown(_typename(obj) or type(obj).__name__, name)
    return None


def _complete(value: Any, selection_set: SelectionSetNode | None, ctx: _Context) -> Any:
    if value is None or selection_set is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_complete(v, selection_set, ctx) for v in value]
    fields: list[FieldNode] = []
    _collect(value, selection_set, ctx, fields)
    result: dict[str, Any] = {}
    for fld in fields:
        key = (fld.alias or fld.name).value
        resolved = _complete(_resolve_field(value, fld, ctx), fld.selection_set, ctx)
        if key in result and isinstance(result[key], dict) and isinstance(resolved, dict):
            result[key].update(resolved)
        else:
            result[key] = resolved
    return result


def pick_operation(doc: DocumentNode, name: str | None) -> Operation:
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        ops = [op for op in ops if op.name is not None and op.name.value == name]
        if not ops:
            raise GraphQLError(f"Unknown operation named {name!r}")
    elif len(ops) != 1:
        raise GraphQLError("Must provide operation name if query contains multiple operations")
    node = ops[0]
    return Operation(node.operation.value, node.name.value if node.name else None, node)


def execute(
    doc: DocumentNode,
    operation: Operation,
    root: Any,
    variables: Mapping[str, Any] | None,
    on_unknown: Callable[[str, str], None],
) -> dict[str, Any]:
    """Runs ``operation`` against ``root`` (resolvers for ``query`` or ``mutation``)."""
    merged = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.node.variable_definitions or ()
        if d.default_value is not None
    }
    merged.update(variables or {})
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    return _complete(root, operation.node.selection_set, _Context(fragments, merged, on_unknown))
