"""The search AST and the rules that turn raw clauses into it, one ``Grammar`` per entity kind.

``Grammar`` holds the rules of ``runs/search``; the other endpoints subclass it and change the
prefixes, attribute keys, accepted comparators and error wording, so every endpoint shares one
tokenizer and one parser and differs only in validation. Error messages follow MLflow's
wording, because clients and users match on them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.parser import (
    RawClause,
    RawValue,
    parse_order_by_clause,
    split_clauses,
)

__all__ = [
    "LIST_COMPARATORS",
    "NULL_COMPARATORS",
    "NUMERIC_COMPARATORS",
    "STRING_COMPARATORS",
    "Comparison",
    "Grammar",
    "Kind",
    "OrderKey",
    "Value",
    "set_repr",
    "unquote",
]


class Kind(enum.StrEnum):
    """What a clause's identifier names; the values are MLflow's canonical prefixes."""

    METRIC = "metric"
    PARAM = "parameter"
    TAG = "tag"
    ATTRIBUTE = "attribute"
    DATASET = "dataset"


Value = str | int | float | tuple[str, ...] | None


@dataclass(frozen=True)
class Comparison:
    """One validated filter clause: ``<kind>.<key> <comparator> <value>``.

    ``comparator`` is upper-case (``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=``, ``LIKE``,
    ``ILIKE``, ``IN``, ``NOT IN``, ``IS NULL``, ``IS NOT NULL``); ``value`` is a float for
    metrics, an int or float for numeric attributes, a tuple for ``IN`` lists, None for
    ``IS [NOT] NULL`` and a string otherwise. Attribute aliases are already resolved.
    """

    kind: Kind
    key: str
    comparator: str
    value: Value


@dataclass(frozen=True)
class OrderKey:
    """One validated ``order_by`` entry."""

    kind: Kind
    key: str
    ascending: bool


NUMERIC_COMPARATORS = frozenset({"=", "!=", ">", ">=", "<", "<="})
STRING_COMPARATORS = frozenset({"=", "!=", "LIKE", "ILIKE"})
LIST_COMPARATORS = frozenset({"IN", "NOT IN"})
NULL_COMPARATORS = frozenset({"IS NULL", "IS NOT NULL"})


def set_repr(values: Iterable[str]) -> str:
    """A Python-set-looking rendering with a stable order, for error messages."""
    return "{" + ", ".join(repr(v) for v in sorted(values)) + "}"


def _is_quoted(text: str, quote: str) -> bool:
    return len(text) >= 2 and text.startswith(quote) and text.endswith(quote)


def unquote(text: str) -> str:
    """Strip one pair of surrounding single or double quotes, then one pair of backticks."""
    if _is_quoted(text, "'") or _is_quoted(text, '"'):
        text = text[1:-1]
    if _is_quoted(text, "`"):
        text = text[1:-1]
    return text


def _trim_backticks(text: str) -> str:
    return text[1:-1] if _is_quoted(text, "`") else text


class Grammar:
    """Validation rules of one search endpoint; this base class holds those of runs."""

    prefixes: Mapping[str, Kind] = {
        "metric": Kind.METRIC,
        "metrics": Kind.METRIC,
        "parameter": Kind.PARAM,
        "parameters": Kind.PARAM,
        "param": Kind.PARAM,
        "params": Kind.PARAM,
        "tag": Kind.TAG,
        "tags": Kind.TAG,
        "attribute": Kind.ATTRIBUTE,
        "attributes": Kind.ATTRIBUTE,
        "attr": Kind.ATTRIBUTE,
        "run": Kind.ATTRIBUTE,
        "dataset": Kind.DATASET,
        "datasets": Kind.DATASET,
    }
    key_aliases: Mapping[str, str] = {
        "created": "start_time",
        "Created": "start_time",
        "run name": "run_name",
        "Run name": "run_name",
        "Run Name": "run_name",
    }
    string_attributes: frozenset[str] = frozenset(
        {"run_id", "run_name", "status", "user_id", "artifact_uri"}
    )
    numeric_attributes: frozenset[str] = frozenset({"start_time", "end_time"})
    list_keys: frozenset[str] = frozenset({"run_id"})
    dataset_keys: frozenset[str] = frozenset({"name", "digest", "context"})

    @property
    def search_keys(self) -> frozenset[str]:
        """Attribute keys a filter may name, aliases included."""
        return self.string_attributes | self.numeric_attributes | frozenset(self.key_aliases)

    @property
    def order_by_keys(self) -> frozenset[str]:
        """Attribute keys an order_by entry may name, aliases included."""
        return (
            self.string_attributes
            | self.numeric_attributes
            | frozenset(k for k, v in self.key_aliases.items() if v in self.numeric_attributes)
        )

    # --- entry points -----------------------------------------------------------------------

    def parse_filter(self, filter_string: str | None) -> list[Comparison]:
        """Parse and validate a filter; None or "" means no clauses.

        Raises:
            InvalidParameterValue: with MLflow's message for the first problem found.
        """
        if not filter_string:
            return []
        if not filter_string.strip():
            raise InvalidParameterValue(f"Invalid filter '{filter_string}'. Could not be parsed.")
        clauses, invalid = split_clauses(filter_string)
        if invalid:
            raise self.invalid_clauses(filter_string, invalid)
        return [self.comparison(raw) for raw in clauses]

    def parse_order_by(self, order_by: Sequence[str] | None) -> list[OrderKey]:
        """Parse and validate ``order_by`` strings; the same field twice is an error."""
        keys: list[OrderKey] = []
        seen: set[tuple[Kind, str]] = set()
        for clause in order_by or ():
            key = self.order_key(clause)
            if (key.kind, key.key) in seen:
                raise InvalidParameterValue(
                    f"`order_by` contains duplicate fields: {list(order_by or ())}"
                )
            seen.add((key.kind, key.key))
            keys.append(key)
        return keys

    # --- pieces subclasses adjust ------------------------------------------------------------

    def unknown_prefix(self, prefix: str) -> InvalidParameterValue:
        return InvalidParameterValue(
            f"Invalid entity type '{prefix}'. "
            "Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"
        )

    def invalid_clauses(self, filter_string: str, pieces: Sequence[str]) -> InvalidParameterValue:
        """The error for tokens that belong to no clause (``OR``, parentheses, leftovers)."""
        listed = ", ".join(f"'{piece}'" for piece in pieces)
        return InvalidParameterValue(f"Invalid clause(s) in filter string: {listed}")

    def identifier(self, text: str, valid_attributes: frozenset[str]) -> tuple[Kind, str]:
        """Split ``prefix.key`` at the first dot and check the prefix and attribute key."""
        prefix, dot, rest = text.partition(".")
        if dot:
            kind = self.prefixes.get(_trim_backticks(prefix))
            if kind is None:
                raise self.unknown_prefix(_trim_backticks(prefix))
            key = unquote(rest)
        else:
            kind, key = Kind.ATTRIBUTE, unquote(text)
        if kind is Kind.ATTRIBUTE and key not in valid_attributes:
            raise InvalidParameterValue(
                f"Invalid attribute key '{key}' specified. "
                f"Valid keys are '{set_repr(valid_attributes)}'"
            )
        if kind is Kind.DATASET and key not in self.dataset_keys:
            raise InvalidParameterValue(
                f"Invalid dataset key '{key}' specified. "
                f"Valid keys are '{set_repr(self.dataset_keys)}'"
            )
        return kind, key

    def comparison(self, raw: RawClause) -> Comparison:
        kind, key = self.identifier(raw.identifier, self.search_keys)
        if raw.value is None:
            self.check_null(kind, key, raw.comparator)
            return Comparison(kind, self.canonical(kind, key), raw.comparator, None)
        value = self.value(kind, key, raw.value)
        key = self.canonical(kind, key)
        value = self.check_comparator(kind, key, raw.comparator, value)
        return Comparison(kind, key, raw.comparator, value)

    def canonical(self, kind: Kind, key: str) -> str:
        return self.key_aliases.get(key, key) if kind is Kind.ATTRIBUTE else key

    def is_numeric(self, kind: Kind, key: str) -> bool:
        if kind is Kind.METRIC:
            return True
        return kind is Kind.ATTRIBUTE and self.canonical(kind, key) in self.numeric_attributes

    def check_null(self, kind: Kind, key: str, comparator: str) -> None:
        if kind not in (Kind.TAG, Kind.PARAM):
            raise InvalidParameterValue(
                "IS NULL / IS NOT NULL is only supported for tags and params, "
                f"not for '{kind.value}' '{key}'"
            )

    def value(self, kind: Kind, key: str, raw: RawValue) -> Value:
        """Convert a raw value to the type the clause's identifier needs."""
        if kind is Kind.METRIC:
            if raw.kind != "number":
                raise InvalidParameterValue(
                    f"Expected numeric value type for metric. Found {raw.text}"
                )
            return float(raw.text)
        if kind in (Kind.PARAM, Kind.TAG):
            if raw.kind in ("string", "bare"):
                return quoted_string(raw)
            raise InvalidParameterValue(
                f"Expected a quoted string value for {kind.value} (e.g. 'my-value'). "
                f"Got value {raw.text}"
            )
        if kind is Kind.DATASET:
            if raw.kind in ("string", "bare"):
                return quoted_string(raw)
            if raw.kind == "list":
                return string_list(raw)
            raise InvalidParameterValue(
                f"Expected a quoted string value for dataset attributes. Got value {raw.text}"
            )
        if self.is_numeric(kind, key):
            if raw.kind != "number":
                raise InvalidParameterValue(
                    f"Expected numeric value type for numeric attribute: {key}. Found {raw.text}"
                )
            return number(raw.text)
        if raw.kind in ("string", "bare"):
            return quoted_string(raw)
        if raw.kind == "list":
            self.check_list_supported(key)
            return string_list(raw)
        raise InvalidParameterValue(
            f"Expected a quoted string value for attributes. Got value {raw.text}"
        )

    def check_list_supported(self, key: str) -> None:
        if key not in self.list_keys:
            raise InvalidParameterValue(
                f"Only {sorted(self.list_keys)} attributes support comparison with a list of "
                "quoted string values."
            )

    def allowed_comparators(self, kind: Kind, key: str) -> frozenset[str]:
        if self.is_numeric(kind, key):
            return NUMERIC_COMPARATORS
        if kind in (Kind.PARAM, Kind.TAG):
            return STRING_COMPARATORS | NULL_COMPARATORS
        return STRING_COMPARATORS | LIST_COMPARATORS

    def check_comparator(self, kind: Kind, key: str, comparator: str, value: Value) -> Value:
        """Reject a comparator the identifier does not support; may normalise ``value``."""
        allowed = self.allowed_comparators(kind, key)
        if comparator in allowed and isinstance(value, tuple) == (comparator in LIST_COMPARATORS):
            return value
        # MLflow's wording, quirks included: the numeric-attribute message lists the string
        # comparators, and only params and string attributes close the quote.
        listed = STRING_COMPARATORS | LIST_COMPARATORS if kind is Kind.ATTRIBUTE else allowed
        string_attribute = kind is Kind.ATTRIBUTE and not self.is_numeric(kind, key)
        closing = "'" if kind is Kind.PARAM or string_attribute else ""
        raise InvalidParameterValue(
            f"Invalid comparator '{comparator}' not one of '{set_repr(listed)}{closing}"
        )

    def order_key(self, clause: str) -> OrderKey:
        raw = parse_order_by_clause(clause)
        kind, key = self.identifier(raw.identifier, self.order_by_keys)
        if kind is Kind.DATASET:
            raise InvalidParameterValue(f"Invalid identifier type '{kind.value}'")
        return OrderKey(kind, self.canonical(kind, key), raw.ascending)


def quoted_string(raw: RawValue) -> str:
    """The text of a quoted string value; an unquoted word is an error, as in MLflow."""
    if raw.kind == "string":
        return raw.text[1:-1]
    raise InvalidParameterValue(
        "Parameter value is either not quoted or unidentified quote types used for string "
        f"value {raw.text}. Use either single or double quotes."
    )


def number(text: str) -> int | float:
    """An integer literal as int, anything else as float."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def string_list(raw: RawValue) -> tuple[str, ...]:
    """The strings of a parenthesised list; it must be non-empty and hold only strings."""
    if raw.items is None or any(item.kind == "bare" for item in raw.items):
        raise InvalidParameterValue(
            "While parsing a list in the query, expected a non-empty list of string values, "
            "but got ill-formed list."
        )
    if not raw.items:
        raise InvalidParameterValue(
            "While parsing a list in the query, expected a non-empty list of string values, "
            "but got empty list"
        )
    values: list[str | int | float] = []
    for item in raw.items:
        if item.kind == "string":
            values.append(item.text[1:-1])
        elif item.kind == "number":
            values.append(number(item.text))
        else:
            values.append(item.text)
    if any(item.kind != "string" for item in raw.items):
        raise InvalidParameterValue(
            "While parsing a list in the query, expected string value, punctuation, or "
            f"whitespace, but got different type in list: {tuple(values)}"
        )
    return tuple(str(v) for v in values)
