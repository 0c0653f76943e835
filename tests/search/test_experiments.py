"""The experiments grammar and ``experiment_search_select`` on real rows, on both backends."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import Engine

from mlharbor.entities.enums import ViewType
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.experiments import EXPERIMENT_GRAMMAR, experiment_search_select
from mlharbor.store.search.grammar import Comparison, Kind, OrderKey
from tests.search.data import add_experiment

A, T = Kind.ATTRIBUTE, Kind.TAG


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name LIKE 'MLflow%'", [Comparison(A, "name", "LIKE", "MLflow%")]),
        ("name = 'Default'", [Comparison(A, "name", "=", "Default")]),
        ("attribute.name ILIKE '%x%'", [Comparison(A, "name", "ILIKE", "%x%")]),
        ("attributes.name != 'x'", [Comparison(A, "name", "!=", "x")]),
        ("experiment_id IN ('1', '2')", [Comparison(A, "experiment_id", "IN", ("1", "2"))]),
        ("experiment_id = '3'", [Comparison(A, "experiment_id", "=", "3")]),
        ("creation_time > 100", [Comparison(A, "creation_time", ">", 100)]),
        ("last_update_time <= 5", [Comparison(A, "last_update_time", "<=", 5)]),
        ("tags.team = 'a'", [Comparison(T, "team", "=", "a")]),
        ("tag.`a b` IS NULL", [Comparison(T, "a b", "IS NULL", None)]),
        ("tags.team IS NOT NULL", [Comparison(T, "team", "IS NOT NULL", None)]),
    ],
)
def test_valid_filters(filter_string: str, expected: list[Comparison]) -> None:
    assert EXPERIMENT_GRAMMAR.parse_filter(filter_string) == expected


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        (
            "name IN ('a')",
            "Only ['experiment_id'] attributes support comparison with a list of quoted "
            "string values.",
        ),
        (
            "metrics.a > 1",
            "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')",
        ),
        (
            "foo = 'x'",
            "Invalid attribute key 'foo' specified. Valid keys are "
            "'{'creation_time', 'experiment_id', 'last_update_time', 'name'}'",
        ),
        (
            "name IS NULL",
            "IS NULL / IS NOT NULL is only supported for tags, not for attribute 'name'",
        ),
        ("name > 'x'", "Invalid comparator for string attribute: >"),
        ("experiment_id > '1'", "Invalid comparator for experiment_id: >"),
        (
            "experiment_id = 'abc'",
            "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.",
        ),
        ("creation_time LIKE 5", "Invalid comparator for numeric attribute: LIKE"),
        ("creation_time > 1.5", "Invalid value for numeric attribute 'creation_time': '1.5'"),
        (
            "creation_time > 'x'",
            "Expected numeric value type for numeric attribute: creation_time. Found 'x'",
        ),
        ("tags.a < 'x'", "Invalid comparator for tag: <"),
        ("name = 'a' OR name = 'b'", "Invalid clause(s) in filter string: OR"),
    ],
)
def test_invalid_filters(filter_string: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        EXPERIMENT_GRAMMAR.parse_filter(filter_string)
    assert info.value.message == message


def test_order_by_rules() -> None:
    assert EXPERIMENT_GRAMMAR.parse_order_by(["name ASC", "creation_time DESC"]) == [
        OrderKey(A, "name", True),
        OrderKey(A, "creation_time", False),
    ]
    with pytest.raises(InvalidParameterValue, match="Invalid order_by entity: tag"):
        EXPERIMENT_GRAMMAR.parse_order_by(["tags.team"])
    with pytest.raises(InvalidParameterValue, match="duplicate fields"):
        EXPERIMENT_GRAMMAR.parse_order_by(["name", "name DESC"])


@pytest.fixture(scope="module")
def catalog(engine: Engine) -> Engine:
    with engine.begin() as conn:
        add_experiment(conn, 0, "Default", stage="deleted", created=10)
        add_experiment(conn, 1, "MLflow Quickstart", created=20, updated=50, tags={"team": "a"})
        add_experiment(conn, 2, "mlflow-lower", created=30, tags={"team": "B"})
        add_experiment(conn, 3, "iris", created=30)
    return engine


def search(
    engine: Engine,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    view: ViewType = ViewType.ACTIVE_ONLY,
    offset: int = 0,
    limit: int = 1000,
) -> list[int]:
    query = experiment_search_select(view, filter_string, order_by, offset, limit)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def test_default_order_and_view_types(catalog: Engine) -> None:
    assert search(catalog) == [2, 3, 1]
    assert search(catalog, view=ViewType.ALL) == [2, 3, 1, 0]
    assert search(catalog, view=ViewType.DELETED_ONLY) == [0]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name LIKE 'MLflow%'", [1]),
        ("name ILIKE 'MLflow%'", [2, 1]),
        ("name = 'iris'", [3]),
        ("name != 'iris'", [2, 1]),
        ("experiment_id IN ('1', '3')", [3, 1]),
        ("experiment_id NOT IN ('1')", [2, 3]),
        ("experiment_id = '2'", [2]),
        ("creation_time >= 30", [2, 3]),
        ("last_update_time > 40", [1]),
        ("tags.team = 'a'", [1]),
        ("tags.team ILIKE 'b'", [2]),
        ("tags.team != 'a'", [2]),
        ("tags.team IS NULL", [3]),
        ("tags.team IS NOT NULL AND creation_time < 25", [1]),
    ],
)
def test_filters(catalog: Engine, filter_string: str, expected: list[int]) -> None:
    assert search(catalog, filter_string) == expected


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["name ASC"], [1, 3, 2]),
        (["name DESC"], [2, 3, 1]),
        (["creation_time ASC"], [1, 3, 2]),
        (["creation_time ASC", "experiment_id ASC"], [1, 2, 3]),
        (["last_update_time DESC"], [1, 3, 2]),
    ],
)
def test_order_by(catalog: Engine, order_by: list[str], expected: list[int]) -> None:
    assert search(catalog, None, order_by) == expected


def test_paging(catalog: Engine) -> None:
    assert search(catalog, limit=2) == [2, 3]
    assert search(catalog, offset=2, limit=2) == [1]
