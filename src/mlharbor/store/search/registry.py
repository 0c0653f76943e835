"""``registered-models/search`` and ``model-versions/search`` compiled to SQL (spec §7.4-7.5).

Both searches hide prompts unless the filter asks for them, as MLflow does: the client always
appends ``tag.`mlflow.prompt.is_prompt` != 'true'``, which must match models that do not have
the tag at all. So a clause on that tag is not compiled as a plain tag comparison: unless it
selects prompts (``= 'true'`` or ``!= 'false'``), it is replaced by "has no
``mlflow.prompt.is_prompt = 'true'`` tag", i.e. missing or different.

The compilers take the registry tables as keyword arguments (defaulting to
``mlharbor.store.registry.sql.schema``) and only rely on their column names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, exists, select

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.registry.sql import schema as registry_schema
from mlharbor.store.search.grammar import (
    LIST_COMPARATORS,
    NUMERIC_COMPARATORS,
    STRING_COMPARATORS,
    Comparison,
    Grammar,
    Kind,
    OrderKey,
    Value,
    quoted_string,
    set_repr,
    string_list,
    unquote,
)
from mlharbor.store.search.parser import RawValue, parse_order_by_clause
from mlharbor.store.search.sql import compare

__all__ = [
    "MODEL_VERSION_GRAMMAR",
    "PROMPT_TAG",
    "REGISTERED_MODEL_GRAMMAR",
    "ModelVersionGrammar",
    "RegisteredModelGrammar",
    "model_version_search_select",
    "registered_model_search_select",
]

PROMPT_TAG = "mlflow.prompt.is_prompt"


class RegisteredModelGrammar(Grammar):
    """Attribute ``name`` (with ``IN`` lists) and tags; no ``IS NULL``."""

    prefixes: Mapping[str, Kind] = {
        "attribute": Kind.ATTRIBUTE,
        "attributes": Kind.ATTRIBUTE,
        "tag": Kind.TAG,
        "tags": Kind.TAG,
    }
    key_aliases: Mapping[str, str] = {}
    string_attributes = frozenset({"name"})
    numeric_attributes: frozenset[str] = frozenset()
    list_keys = frozenset({"name"})
    order_keys: Mapping[str, str] = {
        "name": "name",
        "timestamp": "last_updated_timestamp",
        "last_updated_timestamp": "last_updated_timestamp",
    }

    def unknown_prefix(self, prefix: str) -> InvalidParameterValue:
        return InvalidParameterValue(
            f"Invalid entity type '{prefix}'. Valid entity types are ('attribute', 'tag', 'tags')"
        )

    def invalid_clauses(self, filter_string: str, pieces: Sequence[str]) -> InvalidParameterValue:
        return InvalidParameterValue(f"Invalid clause(s) in filter string: {', '.join(pieces)}")

    def check_null(self, kind: Kind, key: str, comparator: str) -> None:
        raise InvalidParameterValue(f"Invalid comparator for {kind.value}: {comparator}")

    def value(self, kind: Kind, key: str, raw: RawValue) -> Value:
        if raw.kind in ("string", "bare"):
            return quoted_string(raw)
        if kind is Kind.TAG:
            raise InvalidParameterValue(
                f"Expected a quoted string value for tag (e.g. 'my-value'). Got value {raw.text}"
            )
        if raw.kind == "list":
            self.check_list_supported(key)
            return string_list(raw)
        if raw.kind == "number" and key in self.numeric_attributes:
            return self.numeric_value(key, raw)
        raise InvalidParameterValue(
            "Expected a quoted string value or a list of quoted string values for attributes. "
            f"Got value {raw.text}"
        )

    def numeric_value(self, key: str, raw: RawValue) -> Value:
        raise InvalidParameterValue(
            f"Only the '{set_repr(self.numeric_attributes)}' attributes support comparison "
            "with numeric values."
        )

    def check_comparator(self, kind: Kind, key: str, comparator: str, value: Value) -> Value:
        if kind is Kind.TAG:
            if comparator not in STRING_COMPARATORS:
                raise InvalidParameterValue(f"Invalid comparator for tag: {comparator}")
            return value
        if comparator not in STRING_COMPARATORS | LIST_COMPARATORS or isinstance(value, tuple) != (
            comparator in LIST_COMPARATORS
        ):
            raise InvalidParameterValue(f"Invalid comparator for attribute: {comparator}")
        return value

    def order_key(self, clause: str) -> OrderKey:
        raw = parse_order_by_clause(clause)
        key = raw.identifier.strip()
        if key not in self.order_keys:
            raise InvalidParameterValue(
                f"Invalid order by key '{key}' specified. Valid keys are '{{'name', 'timestamp'}}'"
            )
        return OrderKey(Kind.ATTRIBUTE, self.order_keys[key], raw.ascending)


class ModelVersionGrammar(RegisteredModelGrammar):
    """Attributes ``name``, ``run_id``, ``source_path`` and numeric ``version_number``; tags."""

    string_attributes = frozenset({"name", "run_id", "source_path"})
    numeric_attributes = frozenset({"version_number"})
    list_keys = frozenset({"name", "run_id"})
    order_keys: Mapping[str, str] = {
        key: key
        for key in ("name", "version_number", "creation_timestamp", "last_updated_timestamp")
    }
    # MLflow's message lists every numeric model-version field, searchable or not.
    _numeric_fields = frozenset({"version_number", "creation_timestamp", "last_updated_timestamp"})

    def numeric_value(self, key: str, raw: RawValue) -> Value:
        text = raw.text
        try:
            return int(text)
        except ValueError:
            return float(text)

    def value(self, kind: Kind, key: str, raw: RawValue) -> Value:
        if kind is Kind.ATTRIBUTE and raw.kind == "number" and key not in self.numeric_attributes:
            raise InvalidParameterValue(
                f"Only the '{set_repr(self._numeric_fields)}' attributes support comparison "
                "with numeric values."
            )
        return super().value(kind, key, raw)

    def check_comparator(self, kind: Kind, key: str, comparator: str, value: Value) -> Value:
        if kind is Kind.ATTRIBUTE and key in self.numeric_attributes:
            if comparator not in NUMERIC_COMPARATORS:
                raise InvalidParameterValue(f"Invalid comparator for attribute {key}: {comparator}")
            if isinstance(value, str):
                try:
                    return int(value)
                except ValueError:
                    pass
            if not isinstance(value, int):
                raise InvalidParameterValue(
                    f"Invalid value for numeric attribute '{key}': {value!r}"
                )
            return value
        if kind is Kind.ATTRIBUTE and comparator in LIST_COMPARATORS and key not in self.list_keys:
            raise InvalidParameterValue(f"Invalid comparator for attribute: {comparator}")
        return super().check_comparator(kind, key, comparator, value)

    def order_key(self, clause: str) -> OrderKey:
        raw = parse_order_by_clause(clause)
        prefix, dot, rest = raw.identifier.partition(".")
        key = unquote(rest if dot and prefix in ("attribute", "attributes") else raw.identifier)
        if key not in self.order_keys:
            raise InvalidParameterValue(
                f"Invalid order by key '{key}' specified. "
                f"Valid keys are {set_repr(self.order_keys)}"
            )
        return OrderKey(Kind.ATTRIBUTE, key, raw.ascending)


REGISTERED_MODEL_GRAMMAR = RegisteredModelGrammar()
MODEL_VERSION_GRAMMAR = ModelVersionGrammar()


def _queries_prompts(comparisons: Sequence[Comparison]) -> bool:
    """Whether the first clause on the prompt tag selects prompts rather than excluding them."""
    for c in comparisons:
        if c.kind is Kind.TAG and c.key == PROMPT_TAG:
            value = str(c.value).lower()
            return (c.comparator == "=" and value == "true") or (
                c.comparator == "!=" and value == "false"
            )
    return False


def _tag_conditions(
    comparisons: Sequence[Comparison], tags: Any, join: Sequence[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """Tag clauses as EXISTS probes, with the prompt rule applied (see module docstring)."""
    conditions: list[ColumnElement[bool]] = []
    prompts_wanted = _queries_prompts(comparisons)
    if not prompts_wanted:
        conditions.append(~exists().where(*join, tags.c.key == PROMPT_TAG, tags.c.value == "true"))
    for c in comparisons:
        if c.kind is not Kind.TAG or (c.key == PROMPT_TAG and not prompts_wanted):
            continue
        conditions.append(
            exists().where(*join, tags.c.key == c.key, compare(tags.c.value, c.comparator, c.value))
        )
    return conditions


def _ordering(keys: Sequence[OrderKey], columns: Mapping[str, Any]) -> list[ColumnElement[Any]]:
    return [columns[key.key].asc() if key.ascending else columns[key.key].desc() for key in keys]


def registered_model_search_select(
    filter_string: str | None,
    order_by: Sequence[str] | None,
    offset: int,
    limit: int,
    *,
    models: Table = registry_schema.registered_models,
    tags: Table = registry_schema.registered_model_tags,
) -> Select[tuple[str]]:
    """SELECT of registered model names for one page of a search, ``name ASC`` as tie-breaker.

    Raises:
        InvalidParameterValue: bad filter or order_by, in MLflow's wording.
    """
    comparisons = REGISTERED_MODEL_GRAMMAR.parse_filter(filter_string)
    keys = REGISTERED_MODEL_GRAMMAR.parse_order_by(order_by)
    where = [
        compare(models.c.name, c.comparator, c.value)
        for c in comparisons
        if c.kind is Kind.ATTRIBUTE
    ]
    where.extend(_tag_conditions(comparisons, tags, [tags.c.name == models.c.name]))
    columns = {"name": models.c.name, "last_updated_timestamp": models.c.last_updated_time}
    ordering = _ordering(keys, columns)
    if not any(key.key == "name" for key in keys):
        ordering.append(models.c.name.asc())
    return select(models.c.name).where(*where).order_by(*ordering).offset(offset).limit(limit)


_DEFAULT_VERSION_ORDER = ("last_updated_timestamp DESC", "name ASC", "version_number DESC")
_VERSION_COLUMNS = {
    "name": "name",
    "run_id": "run_id",
    "source_path": "source",
    "version_number": "version",
    "creation_timestamp": "creation_time",
    "last_updated_timestamp": "last_updated_time",
}


def model_version_search_select(
    filter_string: str | None,
    order_by: Sequence[str] | None,
    offset: int,
    limit: int,
    *,
    versions: Table = registry_schema.model_versions,
    tags: Table = registry_schema.model_version_tags,
) -> Select[tuple[str, int]]:
    """SELECT of ``(name, version)`` for one page of a model-version search.

    Deleted versions (``deleted_time`` set) are never returned. Default order
    ``last_updated_timestamp DESC, name ASC, version_number DESC``; otherwise ``name ASC`` and
    ``version DESC`` are appended unless already used.

    Raises:
        InvalidParameterValue: bad filter or order_by, in MLflow's wording.
    """
    comparisons = MODEL_VERSION_GRAMMAR.parse_filter(filter_string)
    keys = MODEL_VERSION_GRAMMAR.parse_order_by(order_by or _DEFAULT_VERSION_ORDER)
    where: list[ColumnElement[bool]] = [versions.c.deleted_time.is_(None)]
    where.extend(
        compare(versions.c[_VERSION_COLUMNS[c.key]], c.comparator, c.value)
        for c in comparisons
        if c.kind is Kind.ATTRIBUTE
    )
    join = [tags.c.name == versions.c.name, tags.c.version == versions.c.version]
    where.extend(_tag_conditions(comparisons, tags, join))
    columns = {key: versions.c[column] for key, column in _VERSION_COLUMNS.items()}
    ordering = _ordering(keys, columns)
    if not any(key.key == "name" for key in keys):
        ordering.append(versions.c.name.asc())
    if not any(key.key == "version_number" for key in keys):
        ordering.append(versions.c.version.desc())
    return (
        select(versions.c.name, versions.c.version)
        .where(*where)
        .order_by(*ordering)
        .offset(offset)
        .limit(limit)
    )
