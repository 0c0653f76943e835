"""Shared SQL building blocks: comparisons evaluated by the real backends."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, Integer, column, literal, select

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.sql import compare, missing_last, parse_experiment_ids


def evaluate(engine: Engine, expression: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(expression)).scalar_one()


@pytest.mark.parametrize(
    ("left", "comparator", "right", "expected"),
    [
        ("Adam", "=", "Adam", True),
        ("Adam", "=", "adam", False),
        ("Adam", "!=", "adam", True),
        ("Adam", "LIKE", "Ad%", True),
        ("Adam", "LIKE", "ad%", False),
        ("Adam", "LIKE", "A_am", True),
        ("Adam", "ILIKE", "ad%", True),
        ("Adam", "ILIKE", "%DAM", True),
        ("Adam", "IN", ("Adam", "sgd"), True),
        ("Adam", "NOT IN", ("adam",), True),
        (2, ">", 1, True),
        (2, ">=", 2, True),
        (2, "<", 2, False),
        (2, "<=", 2, True),
    ],
)
def test_comparisons_behave_alike_on_both_backends(
    engine: Engine, left: Any, comparator: str, right: Any, expected: bool
) -> None:
    assert bool(evaluate(engine, compare(literal(left), comparator, right))) is expected


def test_missing_last(engine: Engine) -> None:
    assert evaluate(engine, missing_last(literal(None, Integer))) == 1
    assert evaluate(engine, missing_last(literal(3, Integer))) == 0


def test_unvalidated_comparator_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unvalidated"):
        compare(column("x"), "IS NULL", None)


def test_experiment_ids() -> None:
    assert parse_experiment_ids(["0", "12", 3]) == [0, 12, 3]
    with pytest.raises(InvalidParameterValue) as info:
        parse_experiment_ids(["1", "abc"])
    assert info.value.message == (
        "Invalid experiment ID 'abc'. Experiment ID must be a valid integer."
    )
