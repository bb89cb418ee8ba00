"""The GraphQL executor on its own: the query shapes the wandb SDK relies on."""

from __future__ import annotations

from typing import Any

import pytest

from wandb_server import graphql


class _Run:
    typename = "Run"

    def __init__(self, name: str) -> None:
        self.name = name

    def history(self, samples: int = 500, **_: Any) -> list[int]:
        return list(range(samples))


class _Root:
    typename = "Query"

    def project(self, name: str, entityName: str | None = None, **_: Any) -> dict[str, Any]:
        return {"__typename": "Project", "name": name, "entity": {"name": entityName}, "run": _Run("r1")}


def _run(query: str, variables: dict[str, Any] | None = None, name: str | None = None):
    unknown: list[tuple[str, str]] = []
    doc = graphql.parse(query)
    op = graphql.pick_operation(doc, name)
    data = graphql.execute(doc, op, _Root(), variables, lambda t, f: unknown.append((t, f)))
    return data, unknown


def test_variables_defaults_aliases_and_arguments() -> None:
    data, unknown = _run(
        """#graphql
        query Q($p: String!, $e: String, $n: Int = 3) {
            project(name: $p, entityName: $e) { name first: run { history(samples: $n) }
                other: run { history(samples: 2) } }
        }""",
        {"p": "proj", "e": "ent"},
    )
    assert data == {
        "project": {"name": "proj", "first": {"history": [0, 1, 2]}, "other": {"history": [0, 1]}}
    }
    assert unknown == []


def test_fragments_apply_by_type_condition() -> None:
    data, _ = _run(
        """
        query { project(name: "p") { ...P ... on Run { never } ... on Project { entity { name } } } }
        fragment P on Project { name run { ...R } }
        fragment R on Run { name __typename }
        """
    )
    assert data == {
        "project": {"name": "p", "run": {"name": "r1", "__typename": "Run"}, "entity": {"name": None}}
    }


def test_skip_and_include_directives() -> None:
    data, _ = _run(
        'query Q($yes: Boolean!) { project(name: "p") {'
        " name @skip(if: $yes) entity @include(if: $yes) { name } } }",
        {"yes": True},
    )
    assert data == {"project": {"entity": {"name": None}}}


def test_unknown_fields_answer_null_and_are_reported() -> None:
    data, unknown = _run('{ project(name: "p") { name mystery run { alsoMystery } } }')
    assert data == {"project": {"name": "p", "mystery": None, "run": {"alsoMystery": None}}}
    assert unknown == [("Project", "mystery"), ("Run", "alsoMystery")]


def test_operation_is_picked_by_name() -> None:
    data, _ = _run(
        'query A { project(name: "a") { name } } query B { project(name: "b") { name } }', name="B"
    )
    assert data == {"project": {"name": "b"}}
    with pytest.raises(graphql.GraphQLError, match="operation name"):
        _run('query A { project(name: "a") { name } } query B { project(name: "b") { name } }')


@pytest.mark.parametrize(
    "bad", ["{ project(name: ", 'query { project(name: "p") { ...Missing } }', "{ a ^ }"]
)
def test_malformed_queries_raise(bad: str) -> None:
    with pytest.raises(graphql.GraphQLError):
        _run(bad)


def test_syntax_errors_raise_our_error_with_the_position() -> None:
    with pytest.raises(graphql.GraphQLError, match=r"^Syntax error: .*line 1, column 5"):
        graphql.parse("{ a ^ }")
    with pytest.raises(graphql.GraphQLError, match=r"^Syntax error"):
        graphql.parse("")
    with pytest.raises(graphql.GraphQLError, match=r"^Syntax error"):
        graphql.parse({"not": "a string"})  # type: ignore[arg-type]


def test_fragments_on_typename_of_dicts_and_objects() -> None:
    data, unknown = _run(
        """
        { project(name: "p") {
            ... on Run { never }
            ... { name }
            ...OnlyRun
            run { ... on Run { name } ... on Project { never } ...OnlyRun }
        } }
        fragment OnlyRun on Run { kind: __typename }
        """
    )
    assert data == {"project": {"name": "p", "run": {"name": "r1", "kind": "Run"}}}
    assert unknown == []


def test_aliases_name_results_and_same_field_selections_merge() -> None:
    data, _ = _run(
        '{ a: project(name: "a") { n: name t: __typename } b: project(name: "b") { name }'
        ' a: project(name: "a") { entity { name } } }'
    )
    assert data == {
        "a": {"n": "a", "t": "Project", "entity": {"name": None}},
        "b": {"name": "b"},
    }


@pytest.mark.parametrize(
    ("variables", "name", "samples"),
    [
        (None, "dflt", [0, 1]),
        ({"p": "sent", "n": 3}, "sent", [0, 1, 2]),
        ({"p": None, "unused": 1}, None, [0, 1]),  # an explicit null is not replaced by the default
    ],
)
def test_variable_defaults_apply_unless_a_value_is_sent(
    variables: dict[str, Any] | None, name: str | None, samples: list[int]
) -> None:
    data, _ = _run(
        'query Q($p: String = "dflt", $n: Int = 2, $e: String) {'
        " project(name: $p, entityName: $e) { name entity { name } run { history(samples: $n) } } }",
        variables,
    )
    assert data == {"project": {"name": name, "entity": {"name": None}, "run": {"history": samples}}}


def test_skip_and_include_with_literals_variables_and_on_fragments() -> None:
    data, _ = _run(
        """query Q($no: Boolean = false) { project(name: "p") {
            name @include(if: false) entity @skip(if: $no) { name }
            ... on Project @skip(if: true) { gone: name }
            ...F @include(if: $no)
            run @skip(if: false) @include(if: true) { name }
        } }
        fragment F on Project { alsoGone: name }"""
    )
    assert data == {"project": {"entity": {"name": None}, "run": {"name": "r1"}}}


def test_graphql_core_is_not_shadowed_by_this_module() -> None:
    import graphql as graphql_core

    assert graphql.__name__ == "wandb_server.graphql"
    assert graphql_core.__name__ == "graphql" and hasattr(graphql_core, "GraphQLSyntaxError")
