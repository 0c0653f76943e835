"""The clause parser: shapes of filters and order_by entries before any entity's rules."""

from __future__ import annotations

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.parser import (
    RawClause,
    RawOrderBy,
    RawValue,
    parse_clauses,
    parse_order_by_clause,
    split_clauses,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a = 'x'", [RawClause("a", "=", RawValue("string", "'x'"))]),
        ("a like 1", [RawClause("a", "LIKE", RawValue("number", "1"))]),
        ("a = b", [RawClause("a", "=", RawValue("bare", "b"))]),
        ("a = NULL", [RawClause("a", "=", RawValue("other", "NULL"))]),
        (
            "a IN ('x', 'y')",
            [
                RawClause(
                    "a",
                    "IN",
                    RawValue(
                        "list",
                        "('x', 'y')",
                        (RawValue("string", "'x'"), RawValue("string", "'y'")),
                    ),
                )
            ],
        ),
        ("a not in ()", [RawClause("a", "NOT IN", RawValue("list", "()", ()))]),
        ("a IN ('x' 'y')", [RawClause("a", "IN", RawValue("list", "('x' 'y')", None))]),
        ("a IN (,)", [RawClause("a", "IN", RawValue("list", "(,)", None))]),
        ("a is null", [RawClause("a", "IS NULL", None)]),
        (
            "a IS NOT NULL AND b > 2",
            [
                RawClause("a", "IS NOT NULL", None),
                RawClause("b", ">", RawValue("number", "2")),
            ],
        ),
        ("a = 1;", [RawClause("a", "=", RawValue("number", "1"))]),
        ("", []),
    ],
)
def test_clauses(text: str, expected: list[RawClause]) -> None:
    assert parse_clauses(text) == expected


@pytest.mark.parametrize(
    ("text", "clauses", "invalid"),
    [
        ("a = 1 OR b = 2", 2, ["OR"]),
        ("(a = 1)", 1, ["(", ")"]),
        ("a IN ('x'", 0, ["a", "IN", "(", "'x'"]),
        ("a = 1 b", 1, ["b"]),
        ("AND AND a = 1", 1, []),
    ],
)
def test_stray_tokens_are_collected(text: str, clauses: int, invalid: list[str]) -> None:
    found, stray = split_clauses(text)
    assert (len(found), stray) == (clauses, invalid)


def test_several_statements() -> None:
    with pytest.raises(InvalidParameterValue, match="contained multiple expression"):
        parse_clauses("a = 1; b = 2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.a", RawOrderBy("metrics.a", True)),
        ("metrics.a DESC", RawOrderBy("metrics.a", False)),
        ("metrics.a asc", RawOrderBy("metrics.a", True)),
        ("tags.`x y` Desc", RawOrderBy("tags.`x y`", False)),
    ],
)
def test_order_by(text: str, expected: RawOrderBy) -> None:
    assert parse_order_by_clause(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Invalid order_by clause ''. Could not be parsed."),
        ("a b c", "Invalid order_by clause 'a b c'. Could not be parsed."),
        ("a = b", "Invalid order_by clause 'a = b'. Could not be parsed."),
        ("a up", "Invalid ordering key in order_by clause 'a up'."),
    ],
)
def test_invalid_order_by(text: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        parse_order_by_clause(text)
    assert info.value.message == message
