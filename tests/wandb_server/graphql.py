"""A small GraphQL executor: answers what the wandb SDK sends from resolver objects.

There is no schema. A selection is answered by looking each field up on the current value:
a resolver object's method of the same name (called with the field's arguments), a dict key,
or an attribute. Unknown fields answer null and are reported through ``on_unknown`` so that
a newcomer sees what the SDK asked for that the server does not know yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .graphql_syntax import (
    Document,
    Field,
    FragmentSpread,
    GraphQLError,
    Operation,
    Selection,
    Variable,
    parse,
)

__all__ = ["Document", "GraphQLError", "Operation", "execute", "parse", "pick_operation"]


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
    return "include" not in directives or bool(_substitute(directives["include"].get("if"), ctx.variables))


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
    elif not fld.name.startswith("_"):  # resolvers keep their own state in _attributes
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
