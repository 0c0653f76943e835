"""Registry search: filter clauses and order_by from the shared parser, compiled to SQL.

Registered models filter on ``name`` and ``tags.<key>``; model versions on ``name``,
``run_id``, ``source_path``, ``version_number`` and ``tags.<key>``. Each page is one SQL query
with OFFSET/LIMIT; the page token is MLflow's (base64 of ``{"offset": N}``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, exists, func, not_, select

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.registry.protocol import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_LIMIT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_LIMIT,
)
from mlharbor.store.registry.sql.schema import (
    model_version_tags,
    model_versions,
    registered_model_tags,
    registered_models,
)
from mlharbor.store.search.parser import RawClause, RawValue, parse_clauses, parse_order_by_clause

__all__ = ["model_version_page", "registered_model_page"]

PROMPT_TAG = "mlflow.prompt.is_prompt"

_STRING_COMPARATORS = ("=", "!=", "LIKE", "ILIKE")
_LIST_COMPARATORS = ("IN", "NOT IN")
_NUMERIC_COMPARATORS = ("=", "!=", ">", ">=", "<", "<=")
_ENTITY_TYPES = ("attribute", "tag", "tags")


@dataclass(frozen=True)
class _Clause:
    is_tag: bool
    key: str
    comparator: str
    value: Any


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1]
    return text


def _split(identifier: str, attributes: Sequence[str]) -> tuple[bool, str]:
    entity, dot, key = identifier.partition(".")
    if not dot or entity[:1] in "'\"`":
        key, is_tag = identifier, False
    else:
        if entity not in _ENTITY_TYPES:
            raise InvalidParameterValue(
                f"Invalid entity type '{entity}'. Valid entity types are {_ENTITY_TYPES}"
            )
        is_tag = entity != "attribute"
    key = _unquote(key)
    if not is_tag and key not in attributes:
        raise InvalidParameterValue(
            f"Invalid attribute key '{key}' specified. Valid keys are '{set(attributes)}'"
        )
    return is_tag, key


def _string(value: RawValue | None, what: str) -> str:
    if value is None or value.kind != "string":
        shown = "" if value is None else value.text
        raise InvalidParameterValue(
            f"Expected a quoted string value for {what} (e.g. 'my-value'). Got value {shown}"
        )
    return _unquote(value.text)


def _compile_clauses(
    filter_string: str | None,
    attributes: Sequence[str],
    numeric: Sequence[str],
    list_keys: Sequence[str],
) -> list[_Clause]:
    if not filter_string or not filter_string.strip():
        return []
    clauses: list[_Clause] = []
    raw: RawClause
    for raw in parse_clauses(filter_string):
        is_tag, key = _split(raw.identifier, attributes)
        comparator = raw.comparator
        if is_tag:
            if comparator not in _STRING_COMPARATORS:
                raise InvalidParameterValue(
                    f"Invalid comparator '{comparator}' not one of '{set(_STRING_COMPARATORS)}'"
                )
            clauses.append(_Clause(True, key, comparator, _string(raw.value, "tag")))
        elif key in numeric:
            if comparator not in _NUMERIC_COMPARATORS or raw.value is None:
                raise InvalidParameterValue(f"Invalid comparator for attribute: {comparator}")
            text = _unquote(raw.value.text)
            try:
                number = int(text)
            except ValueError:
                raise InvalidParameterValue(
                    f"Expected numeric value type for numeric attribute: {key}. "
                    f"Found {raw.value.text}"
                ) from None
            clauses.append(_Clause(False, key, comparator, number))
        elif comparator in _LIST_COMPARATORS:
            if key not in list_keys:
                raise InvalidParameterValue(
                    f"Only {sorted(list_keys)} attributes support comparison with a list of "
                    "quoted string values."
                )
            value = raw.value
            if value is None or value.items is None or not value.items:
                raise InvalidParameterValue(
                    "While parsing a list in the query, expected a non-empty list of string "
                    f"values, but got {'' if value is None else value.text}"
                )
            items = [_string(item, "attributes") for item in value.items]
            clauses.append(_Clause(False, key, comparator, items))
        elif comparator in _STRING_COMPARATORS:
            clauses.append(_Clause(False, key, comparator, _string(raw.value, "attributes")))
        else:
            raise InvalidParameterValue(f"Invalid comparator for attribute: {comparator}")
    return clauses


def _compare(column: Any, comparator: str, value: Any) -> Any:
    if comparator == "=":
        return column == value
    if comparator == "!=":
        return column != value
    if comparator == "LIKE":
        return column.like(value)
    if comparator == "ILIKE":
        return func.lower(column).like(func.lower(value))
    if comparator == "IN":
        return column.in_(value)
    if comparator == "NOT IN":
        return column.not_in(value)
    if comparator == ">":
        return column > value
    if comparator == ">=":
        return column >= value
    if comparator == "<":
        return column < value
    return column <= value


def _tag_condition(tag_table: Any, owner: list[Any], clause: _Clause) -> Any:
    key_match = and_(*owner, tag_table.c.key == clause.key)
    if clause.key == PROMPT_TAG and clause.comparator == "!=":
        # "not a prompt" must also hold for models that never had the tag
        return not_(exists().where(key_match, tag_table.c.value == clause.value))
    return exists().where(key_match, _compare(tag_table.c.value, clause.comparator, clause.value))


def encode_offset_token(offset: int) -> str:
    """MLflow's page token: base64 of ``{"offset": N}``."""
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(page_token: str | None) -> int:
    if not page_token:
        return 0
    try:
        decoded = json.loads(base64.b64decode(page_token, validate=True))
    except (binascii.Error, ValueError):
        raise InvalidParameterValue("Invalid page token, could not base64-decode") from None
    offset = decoded.get("offset") if isinstance(decoded, dict) else None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidParameterValue(f"Invalid page token, decoded value={decoded}")
    return offset


def _check_max_results(max_results: int, limit: int) -> None:
    if max_results < 0 or max_results > limit:
        raise InvalidParameterValue(
            "Invalid value for request parameter max_results. "
            f"It must be at most {limit}, but got value {max_results}"
        )


def _order_terms(
    order_by: Sequence[str] | None, columns: dict[str, Any], valid_message: str
) -> tuple[list[Any], set[str]]:
    terms: list[Any] = []
    seen: set[str] = set()
    for text in order_by or ():
        parsed = parse_order_by_clause(text)
        key = parsed.identifier.removeprefix("attribute.")
        column = columns.get(key)
        if column is None:
            raise InvalidParameterValue(
                f"Invalid order by key '{key}' specified. Valid keys are '{valid_message}'"
            )
        if column.key in seen:
            raise InvalidParameterValue(
                f"`order_by` contains duplicate fields: {list(order_by or ())}"
            )
        seen.add(column.key)
        terms.append(column.asc() if parsed.ascending else column.desc())
    return terms, seen


def _page(rows: list[Any], offset: int, max_results: int) -> tuple[list[Any], str | None]:
    if len(rows) > max_results:
        return rows[:max_results], encode_offset_token(offset + max_results)
    return rows, None


def registered_model_page(
    conn: Connection,
    filter_string: str | None,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> tuple[list[str], str | None]:
    """Names of the registered models on the requested page, and the next page's token."""
    _check_max_results(max_results, SEARCH_REGISTERED_MODEL_MAX_RESULTS_LIMIT)
    rm = registered_models
    tags = registered_model_tags
    conditions = []
    for clause in _compile_clauses(filter_string, ("name",), (), ("name",)):
        if clause.is_tag:
            conditions.append(_tag_condition(tags, [tags.c.name == rm.c.name], clause))
        else:
            conditions.append(_compare(rm.c.name, clause.comparator, clause.value))
    columns = {
        "name": rm.c.name,
        "timestamp": rm.c.last_updated_time,
        "last_updated_timestamp": rm.c.last_updated_time,
    }
    terms, seen = _order_terms(order_by, columns, "{'name', 'timestamp'}")
    if "name" not in seen:
        terms.append(rm.c.name.asc())
    offset = _offset(page_token)
    query = select(rm.c.name).where(*conditions).order_by(*terms)
    rows = [r.name for r in conn.execute(query.offset(offset).limit(max_results + 1))]
    return _page(rows, offset, max_results)


def model_version_page(
    conn: Connection,
    filter_string: str | None,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> tuple[list[tuple[str, int]], str | None]:
    """(name, version) keys of the live versions on the requested page, and the next token."""
    _check_max_results(max_results, SEARCH_MODEL_VERSION_MAX_RESULTS_LIMIT)
    mv = model_versions
    tags = model_version_tags
    attribute_columns = {
        "name": mv.c.name,
        "run_id": mv.c.run_id,
        "source_path": mv.c.source,
        "version_number": mv.c.version,
    }
    conditions: list[Any] = [mv.c.deleted_time.is_(None)]
    mentions_prompt = False
    clauses = _compile_clauses(
        filter_string, tuple(attribute_columns), ("version_number",), ("name", "run_id")
    )
    for clause in clauses:
        if clause.is_tag:
            mentions_prompt = mentions_prompt or clause.key == PROMPT_TAG
            owner = [tags.c.name == mv.c.name, tags.c.version == mv.c.version]
            conditions.append(_tag_condition(tags, owner, clause))
        else:
            column = attribute_columns[clause.key]
            conditions.append(_compare(column, clause.comparator, clause.value))
    if not mentions_prompt:
        rm_tags = registered_model_tags
        conditions.append(
            not_(
                exists().where(
                    rm_tags.c.name == mv.c.name,
                    rm_tags.c.key == PROMPT_TAG,
                    rm_tags.c.value == "true",
                )
            )
        )
    columns = {
        "name": mv.c.name,
        "version_number": mv.c.version,
        "creation_timestamp": mv.c.creation_time,
        "last_updated_timestamp": mv.c.last_updated_time,
    }
    terms, seen = _order_terms(
        order_by,
        columns,
        "{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}",
    )
    if "name" not in seen:
        terms.append(mv.c.name.asc())
    if "version" not in seen:
        terms.append(mv.c.version.desc())
    offset = _offset(page_token)
    query = select(mv.c.name, mv.c.version).where(*conditions).order_by(*terms)
    rows = [
        (r.name, int(r.version)) for r in conn.execute(query.offset(offset).limit(max_results + 1))
    ]
    return _page(rows, offset, max_results)
