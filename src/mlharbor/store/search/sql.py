"""SQL building blocks shared by the per-entity compilers.

Everything here renders the same on SQLite and PostgreSQL:
- ``LIKE`` is case-sensitive (PostgreSQL natively; SQLite connections run
  ``PRAGMA case_sensitive_like=ON``, set by the engine factory);
- ``ILIKE`` is ``lower(x) LIKE lower(pattern)``, which both dialects evaluate alike;
- missing values sort last in both directions through an explicit ``CASE``, never through a
  dialect's default NULL ordering.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Boolean, ColumnElement, case, false, func, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement as _ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "compare",
    "is_false",
    "is_true",
    "missing_last",
    "parse_experiment_ids",
    "unindexed",
    "value_length",
]


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def compare(column: ColumnElement[Any], comparator: str, value: Any) -> ColumnElement[bool]:
    """``column <comparator> value`` for a validated comparator other than ``IS [NOT] NULL``."""
    if comparator in _OPERATORS:
        expression: ColumnElement[bool] = _OPERATORS[comparator](column, value)
        return expression
    if comparator == "LIKE":
        return column.like(value)
    if comparator == "ILIKE":
        return func.lower(column).like(func.lower(value))
    if comparator == "IN":
        return column.in_(value if isinstance(value, tuple) else (value,))
    if comparator == "NOT IN":
        return column.not_in(value if isinstance(value, tuple) else (value,))
    raise ValueError(f"comparator {comparator!r} reached SQL compilation unvalidated")


def is_true(column: ColumnElement[Any]) -> ColumnElement[bool]:
    return column == true()


def is_false(column: ColumnElement[Any]) -> ColumnElement[bool]:
    return column == false()


def missing_last(column: ColumnElement[Any]) -> ColumnElement[int]:
    """0 for rows that have a value, 1 for NULL: sorts missing values last either way."""
    return case((column.is_(None), 1), else_=0)


def parse_experiment_ids(experiment_ids: Iterable[str | int]) -> list[int]:
    """Experiment ids as the integers the tables hold.

    Raises:
        InvalidParameterValue: an id that is not an integer.
    """
    parsed: list[int] = []
    for experiment_id in experiment_ids:
        try:
            parsed.append(int(experiment_id))
        except (TypeError, ValueError):
            raise InvalidParameterValue(
                f"Invalid experiment ID '{experiment_id}'. Experiment ID must be a valid integer."
            ) from None
    return parsed


class _Unindexed(_ColumnElement[Any]):
    """A column SQLite may not look up through an index; other dialects see the column."""

    inherit_cache = True
    # The wrapped column is part of the statement cache key: two wrappers of different
    # columns must never share a compiled statement.
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_Unindexed)
def _plain(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_Unindexed, "sqlite")
def _unary_plus(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's documented way to keep a term from using an index: a unary plus.
    return f"+{compiler.process(element.column, **kw)}"


def unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column``, but SQLite must not use an index for the term it appears in.

    Pins SQLite's join order where table statistics would mislead it; PostgreSQL's planner
    weighs LIMIT itself and gets the plain column.
    """
    return _Unindexed(column)


class _ValueLength(_ColumnElement[bool]):
    """Whether a param or tag value fits PostgreSQL's partial value indexes (or not)."""

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("short", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column: ColumnElement[Any], short: bool) -> None:
        self.column = column
        self.short = short
        self.type = Boolean()


@compiles(_ValueLength)
def _every_value_indexed(element: _ValueLength, compiler: SQLCompiler, **kw: Any) -> str:
    return "1 = 1" if element.short else "1 = 0"


@compiles(_ValueLength, "postgresql")
def _octet_length(element: _ValueLength, compiler: SQLCompiler, **kw: Any) -> str:
    from mlharbor.store.tracking.sql.schema import PG_INDEXED_VALUE_BYTES

    # Written exactly like the indexes' predicate, so the planner can prove it implies it.
    operator = "<=" if element.short else ">"
    column = compiler.process(element.column, **kw)
    return f"octet_length({column}) {operator} {PG_INDEXED_VALUE_BYTES}"


def value_length(column: ColumnElement[Any], *, short: bool) -> ColumnElement[bool]:
    """True for values the ``(key, value)`` index holds (``short``), or for those it leaves out.

    Only PostgreSQL leaves values out (long ones); elsewhere every value is short.
    """
    return _ValueLength(column, short)
