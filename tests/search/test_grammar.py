"""The runs grammar: every valid form of spec §7.1-7.2 and the recorded traffic, and every
invalid one with MLflow's message."""

from __future__ import annotations

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.grammar import Comparison, Kind, OrderKey, set_repr, unquote
from mlharbor.store.search.runs import RUN_GRAMMAR

M, P, T, A, D = Kind.METRIC, Kind.PARAM, Kind.TAG, Kind.ATTRIBUTE, Kind.DATASET


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        (
            "metrics.accuracy > 0.9 AND params.optimizer = 'adam'",
            [Comparison(M, "accuracy", ">", 0.9), Comparison(P, "optimizer", "=", "adam")],
        ),
        ("attributes.status = 'FINISHED'", [Comparison(A, "status", "=", "FINISHED")]),
        ("attributes.run_name = 'tour-adam'", [Comparison(A, "run_name", "=", "tour-adam")]),
        (
            "tags.team = 'mlops' and params.optimizer LIKE 'ad%'",
            [Comparison(T, "team", "=", "mlops"), Comparison(P, "optimizer", "LIKE", "ad%")],
        ),
        (
            "attributes.run_id IN ('fdbce8d7', 'e6bb771f')",
            [Comparison(A, "run_id", "IN", ("fdbce8d7", "e6bb771f"))],
        ),
        (
            "datasets.name = 'train-df' AND datasets.context = 'training'",
            [Comparison(D, "name", "=", "train-df"), Comparison(D, "context", "=", "training")],
        ),
        (
            "metrics.`accuracy` >= 0.9 and tags.`mlflow.runName` ILIKE 'TOUR%'",
            [
                Comparison(M, "accuracy", ">=", 0.9),
                Comparison(T, "mlflow.runName", "ILIKE", "TOUR%"),
            ],
        ),
        ("tags.mlflow.parentRunId = '71a5'", [Comparison(T, "mlflow.parentRunId", "=", "71a5")]),
        ('params.optimizer = "adam"', [Comparison(P, "optimizer", "=", "adam")]),
        ("status = 'FINISHED'", [Comparison(A, "status", "=", "FINISHED")]),
        ("run_name LIKE 'tour%'", [Comparison(A, "run_name", "LIKE", "tour%")]),
        ("`Run name` = 'x'", [Comparison(A, "run_name", "=", "x")]),
        ("created > 5", [Comparison(A, "start_time", ">", 5)]),
        ("attributes.end_time <= 1.5", [Comparison(A, "end_time", "<=", 1.5)]),
        ("metric.a != -1", [Comparison(M, "a", "!=", -1.0)]),
        ("metrics.a > 1e3", [Comparison(M, "a", ">", 1000.0)]),
        ("metrics.a>1", [Comparison(M, "a", ">", 1.0)]),
        ("param.a = 'x'", [Comparison(P, "a", "=", "x")]),
        ("parameter.a = 'x'", [Comparison(P, "a", "=", "x")]),
        ("parameters.a = 'x'", [Comparison(P, "a", "=", "x")]),
        ("tag.a = 'x'", [Comparison(T, "a", "=", "x")]),
        ("attr.user_id = 'x'", [Comparison(A, "user_id", "=", "x")]),
        ("run.artifact_uri = 'x'", [Comparison(A, "artifact_uri", "=", "x")]),
        ("dataset.digest != 'x'", [Comparison(D, "digest", "!=", "x")]),
        ("datasets.name NOT IN ('a', 'b')", [Comparison(D, "name", "NOT IN", ("a", "b"))]),
        ("run_id in ('a',)", [Comparison(A, "run_id", "IN", ("a",))]),
        ("run_id not in ('a')", [Comparison(A, "run_id", "NOT IN", ("a",))]),
        ('params."my key" = "v"', [Comparison(P, "my key", "=", "v")]),
        ("params.'my key' = 'v'", [Comparison(P, "my key", "=", "v")]),
        ("metric.`a b` = 1", [Comparison(M, "a b", "=", 1.0)]),
        ("`metrics`.a = 1", [Comparison(M, "a", "=", 1.0)]),
        ("params.a IS NULL", [Comparison(P, "a", "IS NULL", None)]),
        ("tags.a is not null", [Comparison(T, "a", "IS NOT NULL", None)]),
        ("params.a ilike '%X%'", [Comparison(P, "a", "ILIKE", "%X%")]),
        ("tags.a = 'it''s'", [Comparison(T, "a", "=", "it''s")]),
        ("metrics.a = 5 AND", [Comparison(M, "a", "=", 5.0)]),
        ("", []),
        (None, []),
    ],
)
def test_valid_filters(filter_string: str | None, expected: list[Comparison]) -> None:
    assert RUN_GRAMMAR.parse_filter(filter_string) == expected


_RUN_KEYS = set_repr(
    {
        "run_id",
        "run_name",
        "status",
        "user_id",
        "artifact_uri",
        "start_time",
        "end_time",
        "created",
        "Created",
        "run name",
        "Run name",
        "Run Name",
    }
)


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        (
            "foo.bar = 1",
            "Invalid entity type 'foo'. Valid values are "
            "['metric', 'parameter', 'tag', 'attribute', 'dataset']",
        ),
        ("metrics.a > 1 OR metrics.b < 2", "Invalid clause(s) in filter string: 'OR'"),
        (
            "params.optimizer = adam",
            "Parameter value is either not quoted or unidentified quote types used for string "
            "value adam. Use either single or double quotes.",
        ),
        ("metrics.accuracy = 'high'", "Expected numeric value type for metric. Found 'high'"),
        (
            "status IN ('a')",
            "Only ['run_id'] attributes support comparison with a list of quoted string values.",
        ),
        ("x = 1", f"Invalid attribute key 'x' specified. Valid keys are '{_RUN_KEYS}'"),
        (
            "datasets.foo = 'x'",
            "Invalid dataset key 'foo' specified. Valid keys are '{'context', 'digest', 'name'}'",
        ),
        (
            "metrics.a IS NULL",
            "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'a'",
        ),
        (
            "run_id IS NULL",
            "IS NULL / IS NOT NULL is only supported for tags and params, "
            "not for 'attribute' 'run_id'",
        ),
        ("params.a = 'x", "Invalid clause(s) in filter string: 'params.a', '=', ''', 'x'"),
        ("metrics.a >", "Invalid clause(s) in filter string: 'metrics.a', '>'"),
        ("metrics.a", "Invalid clause(s) in filter string: 'metrics.a'"),
        ("NOT metrics.a > 1", "Invalid clause(s) in filter string: 'NOT'"),
        ("(metrics.a > 1)", "Invalid clause(s) in filter string: '(', ')'"),
        (
            "run_id IN ()",
            "While parsing a list in the query, expected a non-empty list of string values, "
            "but got empty list",
        ),
        (
            "run_id IN ('a', 1)",
            "While parsing a list in the query, expected string value, punctuation, or "
            "whitespace, but got different type in list: ('a', 1)",
        ),
        (
            "run_id IN (a)",
            "While parsing a list in the query, expected a non-empty list of string values, "
            "but got ill-formed list.",
        ),
        (
            "metrics.a = 1; metrics.b = 2",
            "Search filter contained multiple expression 'metrics.a = 1; metrics.b = 2'. "
            "Provide AND-ed expression list.",
        ),
        (
            "start_time = 'x'",
            "Expected numeric value type for numeric attribute: start_time. Found 'x'",
        ),
        ("status = 5", "Expected a quoted string value for attributes. Got value 5"),
        (
            "datasets.name = 5",
            "Expected a quoted string value for dataset attributes. Got value 5",
        ),
        (
            "params.a = 5",
            "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 5",
        ),
        (
            "tags.a IN ('x')",
            "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('x')",
        ),
        ("metrics.a IN (1)", "Expected numeric value type for metric. Found (1)"),
        (
            "metrics.a LIKE 1",
            "Invalid comparator 'LIKE' not one of '{'!=', '<', '<=', '=', '>', '>='}",
        ),
        (
            "params.a < 'x'",
            "Invalid comparator '<' not one of "
            "'{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE'}'",
        ),
        (
            "status > 'x'",
            "Invalid comparator '>' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN'}'",
        ),
        (
            "start_time LIKE 5",
            "Invalid comparator 'LIKE' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN'}",
        ),
        (
            "metrics.a == 1",
            "Invalid comparator '==' not one of '{'!=', '<', '<=', '=', '>', '>='}",
        ),
        ("   ", "Invalid filter '   '. Could not be parsed."),
    ],
)
def test_invalid_filters(filter_string: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        RUN_GRAMMAR.parse_filter(filter_string)
    assert info.value.message == message
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert info.value.get_http_status_code() == 400


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["metrics.accuracy DESC"], [OrderKey(M, "accuracy", False)]),
        (
            ["metrics.accuracy DESC", "attributes.start_time ASC"],
            [OrderKey(M, "accuracy", False), OrderKey(A, "start_time", True)],
        ),
        (["params.optimizer"], [OrderKey(P, "optimizer", True)]),
        (["tags.team desc"], [OrderKey(T, "team", False)]),
        (["run_name"], [OrderKey(A, "run_name", True)]),
        (["created Asc"], [OrderKey(A, "start_time", True)]),
        (["metrics.`my metric` DESC"], [OrderKey(M, "my metric", False)]),
        (["tags.mlflow.runName"], [OrderKey(T, "mlflow.runName", True)]),
        ([], []),
        (None, []),
    ],
)
def test_valid_order_by(order_by: list[str] | None, expected: list[OrderKey]) -> None:
    assert RUN_GRAMMAR.parse_order_by(order_by) == expected


@pytest.mark.parametrize(
    ("order_by", "message"),
    [
        (
            ["metrics.acc SIDEWAYS"],
            "Invalid ordering key in order_by clause 'metrics.acc SIDEWAYS'.",
        ),
        (
            ["metrics.acc", "metrics.acc DESC"],
            "`order_by` contains duplicate fields: ['metrics.acc', 'metrics.acc DESC']",
        ),
        (
            ["start_time", "created DESC"],
            "`order_by` contains duplicate fields: ['start_time', 'created DESC']",
        ),
        (["metrics.a DESC x"], "Invalid order_by clause 'metrics.a DESC x'. Could not be parsed."),
        (["'metrics.a'"], "Invalid order_by clause ''metrics.a''. Could not be parsed."),
        (
            ["foo.a"],
            "Invalid entity type 'foo'. Valid values are "
            "['metric', 'parameter', 'tag', 'attribute', 'dataset']",
        ),
        (["datasets.name"], "Invalid identifier type 'dataset'"),
    ],
)
def test_invalid_order_by(order_by: list[str], message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        RUN_GRAMMAR.parse_order_by(order_by)
    assert info.value.message == message


def test_order_by_rejects_search_only_alias() -> None:
    with pytest.raises(InvalidParameterValue, match="Invalid attribute key 'Run name'"):
        RUN_GRAMMAR.parse_order_by(["`Run name` DESC"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("'a'", "a"), ('"a b"', "a b"), ("`a.b`", "a.b"), ("plain", "plain"), ("'", "'")],
)
def test_unquote(text: str, expected: str) -> None:
    assert unquote(text) == expected
