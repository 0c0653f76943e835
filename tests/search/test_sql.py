"""Shared SQL building blocks: comparisons evaluated by the real backends."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, Integer, column, literal, select

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.sql import (
    compare,
    missing_last,
    parse_experiment_ids,
    unindexed,
    value_length,
)


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


@pytest.mark.parametrize(
    ("value", "short"), [("x", True), ("x" * 1500, True), ("é" * 751, False), ("x" * 6000, False)]
)
def test_value_length_matches_the_index_predicate(engine: Engine, value: str, short: bool) -> None:
    """Short values are every value on SQLite; on PostgreSQL those of at most 1500 bytes."""
    text_value = literal(value)
    fits = short or engine.dialect.name != "postgresql"
    assert evaluate(engine, value_length(text_value, short=True)) == fits
    assert evaluate(engine, value_length(text_value, short=False)) == (not fits)


def test_unindexed_keeps_the_value(engine: Engine) -> None:
    assert evaluate(engine, unindexed(literal(7, Integer)) + 1) == 8
    assert evaluate(engine, unindexed(literal("k")) == "k") in (True, 1)
