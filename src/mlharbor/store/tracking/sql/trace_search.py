"""The trace filter grammar (MLflow 3's ``search_traces``) compiled to one SQL query.

Supported keys: ``trace.status`` (also ``status``, ``attributes.status``, ``trace.state``),
``trace.timestamp_ms`` / ``timestamp``, ``trace.execution_time_ms`` / ``execution_time``,
``trace.name``, ``trace.client_request_id``, ``run_id``, ``tags.<key>`` / ``tag.<key>``,
``metadata.<key>`` / ``request_metadata.<key>``, and per span ``span.name``, ``span.type``,
``span.status``, ``span.attributes.<key>`` (a trace matches when one of its spans does).
Order by ``timestamp_ms``, ``execution_time_ms`` or ``status``; default newest first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.parser import (
    RawClause,
    RawValue,
    parse_clauses,
    parse_order_by_clause,
)
from mlharbor.store.tracking.sql import schema

__all__ = ["trace_query"]

_T = schema.traces
_STATE_KEYS = {"status", "state"}
_TIME_KEYS = {"timestamp_ms", "timestamp"}
_DURATION_KEYS = {"execution_time_ms", "execution_time"}
_TRACE_PREFIXES = {"trace", "attributes", "attribute", ""}
_TAG_PREFIXES = {"tags", "tag"}
_META_PREFIXES = {"metadata", "request_metadata"}
_NUMERIC_OPS = {"=", "!=", ">", ">=", "<", "<="}
_STRING_OPS = {"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"}


def _split(identifier: str) -> tuple[str, str]:
    head, dot, rest = identifier.partition(".")
    if not dot:
        return "", _strip(head)
    return head.lower(), _strip(rest)


def _strip(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "`\"'":
        return text[1:-1]
    return text


def _string(raw: RawValue | None, key: str) -> str | tuple[str, ...]:
    if raw is None:
        raise InvalidParameterValue(f"Missing value for '{key}' in the trace filter")
    if raw.kind == "list":
        return tuple(_string(item, key) for item in raw.items or ())  # type: ignore[misc]
    if raw.kind in ("string", "number"):
        return _strip(raw.text)
    raise InvalidParameterValue(
        f"Invalid value {raw.text!r} for '{key}' in the trace filter: expected a quoted string"
    )


def _number(raw: RawValue | None, key: str) -> int:
    try:
        return int(float(_strip(raw.text))) if raw is not None else int("")
    except ValueError:
        raise InvalidParameterValue(
            f"Invalid value for '{key}' in the trace filter: expected a number"
        ) from None


def _compare(column: Any, op: str, raw: RawValue | None, key: str) -> ColumnElement[bool]:
    if op not in _STRING_OPS:
        raise InvalidParameterValue(f"Invalid comparator '{op}' for '{key}' in the trace filter")
    value = _string(raw, key)
    if op in ("IN", "NOT IN"):
        values = list(value) if isinstance(value, tuple) else [value]
        return column.in_(values) if op == "IN" else column.not_in(values)  # type: ignore[no-any-return]
    if isinstance(value, tuple):
        raise InvalidParameterValue(f"A list value for '{key}' needs IN or NOT IN")
    if op == "=":
        return column == value  # type: ignore[no-any-return]
    if op == "!=":
        return column != value  # type: ignore[no-any-return]
    if op == "LIKE":
        return column.like(value)  # type: ignore[no-any-return]
    return column.ilike(value)  # type: ignore[no-any-return]


def _numeric(column: Any, op: str, raw: RawValue | None, key: str) -> ColumnElement[bool]:
    if op not in _NUMERIC_OPS:
        raise InvalidParameterValue(f"Invalid comparator '{op}' for '{key}' in the trace filter")
    value = _number(raw, key)
    return {  # type: ignore[no-any-return]
        "=": column == value,
        "!=": column != value,
        ">": column > value,
        ">=": column >= value,
        "<": column < value,
        "<=": column <= value,
    }[op]


def _pair_exists(table: Any, key: str, op: str, raw: RawValue | None) -> ColumnElement[bool]:
    return exists().where(
        and_(
            table.c.trace_id == _T.c.trace_id,
            table.c.key == key,
            _compare(table.c.value, op, raw, key),
        )
    )


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _span_attribute(name: str, op: str, raw: RawValue | None) -> ColumnElement[bool]:
    """A span attribute compared with a string, matched in the span's stored OTLP text, which
    writes each attribute as ``{"key":K,"value":{"stringValue":V}}``.

    ``=`` / ``!=`` take the value as written or JSON-encoded (as MLflow stores attributes);
    ``LIKE`` / ``ILIKE`` apply the pattern to the stored text of the value, as MLflow does.
    """
    if not name:
        raise InvalidParameterValue("Span attribute name cannot be empty after 'attributes.'")
    if op not in ("=", "!=", "LIKE", "ILIKE"):
        raise InvalidParameterValue(
            f"Invalid comparator '{op}' for span.attributes.{name}: use =, !=, LIKE or ILIKE"
        )
    value = _string(raw, name)
    if isinstance(value, tuple):
        raise InvalidParameterValue(f"A list value for span.attributes.{name} needs IN")
    spans = schema.spans
    head = f'"key":{json.dumps(name)},"value":{{"stringValue":'
    condition: ColumnElement[bool]
    if op in ("LIKE", "ILIKE"):
        pattern = "%" + _like_literal(head + '"') + value + _like_literal('"}') + "%"
        compare = spans.c.content.like if op == "LIKE" else spans.c.content.ilike
        condition = compare(pattern, escape="\\")
    else:
        condition = or_(
            *(
                spans.c.content.like(
                    "%" + _like_literal(head + json.dumps(text) + "}") + "%", escape="\\"
                )
                for text in (value, json.dumps(value))
            )
        )
    found = exists().where(and_(spans.c.trace_id == _T.c.trace_id, condition))
    return found if op != "!=" else ~found


def _condition(clause: RawClause) -> ColumnElement[bool]:
    prefix, key = _split(clause.identifier)
    op, raw = clause.comparator, clause.value
    if prefix in _TAG_PREFIXES:
        return _pair_exists(schema.trace_tags, key, op, raw)
    if prefix in _META_PREFIXES:
        return _pair_exists(schema.trace_metadata, key, op, raw)
    if prefix == "span" and key.startswith("attributes."):
        return _span_attribute(_strip(key[len("attributes.") :]), op, raw)
    if prefix == "span":
        spans = schema.spans
        columns = {"name": spans.c.name, "type": spans.c.span_type, "status": spans.c.status}
        if key not in columns:
            raise InvalidParameterValue(f"Invalid span key '{key}' in the trace filter")
        return exists().where(
            and_(spans.c.trace_id == _T.c.trace_id, _compare(columns[key], op, raw, key))
        )
    if prefix in _TRACE_PREFIXES:
        key = key.lower()
        if key in _STATE_KEYS:
            return _compare(_T.c.state, op, raw, key)
        if key in _TIME_KEYS:
            return _numeric(_T.c.request_time, op, raw, key)
        if key in _DURATION_KEYS:
            return _numeric(_T.c.execution_duration, op, raw, key)
        if key == "name":
            return _pair_exists(schema.trace_tags, "mlflow.traceName", op, raw)
        if key == "client_request_id":
            return _compare(_T.c.client_request_id, op, raw, key)
        if key == "run_id":
            if op != "=":
                raise InvalidParameterValue("'run_id' in the trace filter supports only '='")
            tags = schema.trace_tags
            linked = exists().where(
                and_(
                    tags.c.trace_id == _T.c.trace_id,
                    tags.c.key == f"mlflow.linkedRun.{_string(raw, key)}",
                )
            )
            return or_(_pair_exists(schema.trace_metadata, "mlflow.sourceRun", op, raw), linked)
    raise InvalidParameterValue(f"Invalid attribute key '{clause.identifier}' in the trace filter")


def _order(order_by: Sequence[str] | None) -> list[Any]:
    columns = {
        "timestamp_ms": _T.c.request_time,
        "timestamp": _T.c.request_time,
        "execution_time_ms": _T.c.execution_duration,
        "execution_time": _T.c.execution_duration,
        "status": _T.c.state,
        "state": _T.c.state,
    }
    out: list[Any] = []
    for clause in order_by or ():
        parsed = parse_order_by_clause(clause)
        _, key = _split(parsed.identifier)
        column = columns.get(key.lower())
        if column is None:
            raise InvalidParameterValue(f"Invalid order_by key '{parsed.identifier}' for traces")
        out.append(column.asc() if parsed.ascending else column.desc())
    if not out:
        out.append(_T.c.request_time.desc())
    out.append(_T.c.trace_id.desc())
    return out


def trace_query(
    experiment_keys: Sequence[int], filter_string: str | None, order_by: Sequence[str] | None
) -> Select[Any]:
    """The ordered ids of the traces in ``experiment_keys`` that match ``filter_string``."""
    conditions: list[ColumnElement[bool]] = [
        _T.c.experiment_id.in_(list(experiment_keys)) if experiment_keys else false()
    ]
    if filter_string and filter_string.strip():
        conditions.extend(_condition(clause) for clause in parse_clauses(filter_string))
    return select(_T.c.trace_id).where(*conditions).order_by(*_order(order_by))
