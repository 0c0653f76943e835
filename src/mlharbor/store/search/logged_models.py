"""``logged-models/search`` compiled to one SQL SELECT of model ids (spec §7.6).

Filters use the shared grammar with the logged-model prefixes (``attributes.``, ``metrics.``,
``params.``, ``tags.``). A metric clause matches when any recorded value of that metric does,
restricted to the requested ``datasets`` when given; with datasets but no metric clause, a
model must have some metric on one of them. ``order_by`` is a list of objects
``{field_name, ascending, dataset_name, dataset_digest}``; a metric sorts by its latest value
(newest timestamp, then step), missing values last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, or_, select

from mlharbor.entities.enums import LifecycleStage, LoggedModelStatus
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.grammar import (
    LIST_COMPARATORS,
    NUMERIC_COMPARATORS,
    STRING_COMPARATORS,
    Comparison,
    Grammar,
    Kind,
    Value,
    quoted_string,
    string_list,
)
from mlharbor.store.search.parser import RawValue
from mlharbor.store.search.sql import compare, is_false, is_true, missing_last
from mlharbor.store.search.sql import parse_experiment_ids as _experiment_ids
from mlharbor.store.tracking.sql.schema import (
    logged_model_metrics,
    logged_model_params,
    logged_model_tags,
    logged_models,
)

__all__ = [
    "LOGGED_MODEL_GRAMMAR",
    "LoggedModelGrammar",
    "LoggedModelOrder",
    "logged_model_search_select",
    "parse_logged_model_order_by",
]

_PREFIX_NAMES = {Kind.ATTRIBUTE: "attributes", Kind.METRIC: "metrics"}
_PREFIX_NAMES.update({Kind.PARAM: "params", Kind.TAG: "tags"})
_NUMERIC_OPS = ("<", "<=", ">", ">=", "=", "!=")
_STRING_OPS = ("=", "!=", "LIKE", "ILIKE", "IN", "NOT IN")


class LoggedModelGrammar(Grammar):
    """Attributes of a logged model, its metrics, params and tags; ``IN`` on any string."""

    prefixes: Mapping[str, Kind] = {
        "attributes": Kind.ATTRIBUTE,
        "metrics": Kind.METRIC,
        "params": Kind.PARAM,
        "tags": Kind.TAG,
    }
    key_aliases: Mapping[str, str] = {
        "creation_time": "creation_timestamp",
        "last_updated_time": "last_updated_timestamp",
    }
    string_attributes = frozenset({"name", "model_id", "model_type", "status", "source_run_id"})
    numeric_attributes = frozenset({"creation_timestamp", "last_updated_timestamp"})

    def unknown_prefix(self, prefix: str) -> InvalidParameterValue:
        return InvalidParameterValue(
            f"Invalid entity type: {prefix!r}. "
            "Expected one of ['attributes', 'metrics', 'params', 'tags']."
        )

    def invalid_clauses(self, filter_string: str, pieces: Sequence[str]) -> InvalidParameterValue:
        return InvalidParameterValue(
            f"Invalid filter string: {filter_string!r}. Expected a list of comparisons separated "
            "by 'AND' (e.g. 'metrics.loss > 0.1 AND params.lr = 0.01')."
        )

    def _operator_error(self, kind: Kind, key: str, comparator: str) -> InvalidParameterValue:
        ops = _NUMERIC_OPS if self.is_numeric(kind, key) else _STRING_OPS
        return InvalidParameterValue(
            f"Invalid comparison operator for {_PREFIX_NAMES[kind]}.{key}: {comparator!r}. "
            f"Expected one of {ops}."
        )

    def check_null(self, kind: Kind, key: str, comparator: str) -> None:
        raise self._operator_error(kind, key, comparator)

    def value(self, kind: Kind, key: str, raw: RawValue) -> Value:
        if kind in (Kind.PARAM, Kind.TAG) and raw.kind == "list":
            return string_list(raw)
        if kind in (Kind.PARAM, Kind.TAG) and raw.kind in ("string", "bare"):
            return quoted_string(raw)
        return super().value(kind, key, raw)

    def check_list_supported(self, key: str) -> None:
        """Every string attribute of a logged model accepts a list."""

    def check_comparator(self, kind: Kind, key: str, comparator: str, value: Value) -> Value:
        numeric = self.is_numeric(kind, key)
        allowed = NUMERIC_COMPARATORS if numeric else STRING_COMPARATORS | LIST_COMPARATORS
        if comparator not in allowed or isinstance(value, tuple) != (
            comparator in LIST_COMPARATORS
        ):
            raise self._operator_error(kind, key, comparator)
        return value


LOGGED_MODEL_GRAMMAR = LoggedModelGrammar()

_ORDER_FIELDS = LOGGED_MODEL_GRAMMAR.search_keys
_COLUMNS = {
    "name": "name",
    "model_id": "model_id",
    "model_type": "model_type",
    "status": "status",
    "source_run_id": "source_run_id",
    "creation_timestamp": "creation_timestamp_ms",
    "last_updated_timestamp": "last_updated_timestamp_ms",
}


@dataclass(frozen=True)
class LoggedModelOrder:
    """One validated order_by object: an attribute, or a metric (``metric`` set)."""

    field: str
    ascending: bool = True
    metric: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


def parse_logged_model_order_by(
    order_by: Sequence[Mapping[str, Any]] | None,
) -> list[LoggedModelOrder]:
    """Validate order_by objects ``{field_name, ascending, dataset_name, dataset_digest}``.

    Raises:
        InvalidParameterValue: with MLflow's wording.
    """
    parsed: list[LoggedModelOrder] = []
    for entry in order_by or ():
        if not isinstance(entry, Mapping):
            raise InvalidParameterValue("`order_by` must be a list of dictionaries.")
        field_name = entry.get("field_name")
        if not isinstance(field_name, str):
            raise InvalidParameterValue("`field_name` in the `order_by` clause must be specified.")
        metric = None
        if "." in field_name:
            entity, _, metric = field_name.partition(".")
            if entity != "metrics":
                raise InvalidParameterValue(
                    f"Invalid order by field name: {entity}, only `metrics.<name>` is allowed."
                )
            metric = metric.strip("`")
            field = field_name
        else:
            field = field_name.strip()
            if field not in _ORDER_FIELDS:
                raise InvalidParameterValue(f"Invalid order by field name: {field}.")
            field = LOGGED_MODEL_GRAMMAR.key_aliases.get(field, field)
        ascending = entry.get("ascending", True)
        if not isinstance(ascending, bool):
            raise InvalidParameterValue(
                "Value of `ascending` in the `order_by` clause must be a boolean, got "
                f"{type(ascending)} for field {field_name}."
            )
        dataset_name = entry.get("dataset_name") or None
        dataset_digest = entry.get("dataset_digest") or None
        if dataset_digest and not dataset_name:
            raise InvalidParameterValue(
                "`dataset_digest` can only be specified if `dataset_name` is also specified."
            )
        parsed.append(LoggedModelOrder(field, ascending, metric, dataset_name, dataset_digest))
    return parsed


def _dataset_filter(datasets: Sequence[Mapping[str, Any]]) -> ColumnElement[bool] | None:
    if not datasets:
        return None
    alternatives: list[ColumnElement[bool]] = []
    for dataset in datasets:
        name = dataset.get("dataset_name") if isinstance(dataset, Mapping) else None
        if not name:
            raise InvalidParameterValue(
                "`dataset_name` in the `datasets` clause must be specified."
            )
        condition = logged_model_metrics.c.dataset_name == name
        if dataset.get("dataset_digest"):
            condition = and_(
                condition, logged_model_metrics.c.dataset_digest == dataset["dataset_digest"]
            )
        alternatives.append(condition)
    return or_(*alternatives)


def _stored_status(value: Value) -> Value:
    """Status values as stored (proto names): ``'READY'`` and ``'LOGGED_MODEL_READY'`` both
    match a ready model; patterns and unknown words are compared as written."""

    def stored(text: Any) -> Any:
        try:
            return LoggedModelStatus.coerce(text).proto_name
        except InvalidParameterValue:
            return text

    if isinstance(value, tuple):
        return tuple(stored(v) for v in value)
    return stored(value) if isinstance(value, str) else value


def _metric_probe(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(logged_model_metrics.c.model_id == logged_models.c.model_id, *conditions)


def _condition(
    comparison: Comparison, dataset_filter: ColumnElement[bool] | None
) -> ColumnElement[bool]:
    kind, key = comparison.kind, comparison.key
    if kind is Kind.ATTRIBUTE:
        value = _stored_status(comparison.value) if key == "status" else comparison.value
        return compare(logged_models.c[_COLUMNS[key]], comparison.comparator, value)
    if kind is Kind.METRIC:
        matched = compare(logged_model_metrics.c.value, comparison.comparator, comparison.value)
        # NaN is stored as 0 with is_nan set: only "!=" may match it.
        if comparison.comparator == "!=":
            matched = matched | is_true(logged_model_metrics.c.is_nan)
        else:
            matched = and_(matched, is_false(logged_model_metrics.c.is_nan))
        conditions = [logged_model_metrics.c.key == key, matched]
        if dataset_filter is not None:
            conditions.append(dataset_filter)
        return _metric_probe(*conditions)
    table = logged_model_params if kind is Kind.PARAM else logged_model_tags
    return exists().where(
        table.c.model_id == logged_models.c.model_id,
        table.c.key == key,
        compare(table.c.value, comparison.comparator, comparison.value),
    )


def _latest_metric(order: LoggedModelOrder) -> ColumnElement[Any]:
    """Latest real value of the order's metric for the outer model (NULL if none or NaN)."""
    metric = logged_model_metrics.alias("order_metric")
    conditions: list[ColumnElement[bool]] = [
        metric.c.model_id == logged_models.c.model_id,
        metric.c.key == order.metric,
    ]
    if order.dataset_name:
        conditions.append(metric.c.dataset_name == order.dataset_name)
    if order.dataset_digest:
        conditions.append(metric.c.dataset_digest == order.dataset_digest)
    return (
        select(case((is_true(metric.c.is_nan), None), else_=metric.c.value))
        .where(*conditions)
        .order_by(metric.c.timestamp.desc(), metric.c.step.desc(), metric.c.run_uuid.asc())
        .limit(1)
        .correlate(logged_models)
        .scalar_subquery()
    )


def logged_model_search_select(
    experiment_ids: Sequence[str],
    filter_string: str | None,
    datasets: Sequence[Mapping[str, Any]] | None,
    order_by: Sequence[Mapping[str, Any]] | None,
    offset: int,
    limit: int,
) -> Select[tuple[str]]:
    """SELECT of ``logged_models.model_id`` for one page of a logged-model search.

    Deleted models are never returned. Order: the requested fields (missing values last),
    then ``creation_timestamp`` descending and ``model_id`` ascending unless already used.

    Raises:
        InvalidParameterValue: bad filter, datasets or order_by, in MLflow's wording.
    """
    comparisons = LOGGED_MODEL_GRAMMAR.parse_filter(filter_string)
    orders = parse_logged_model_order_by(order_by)
    dataset_filter = _dataset_filter(datasets or ())

    where: list[ColumnElement[bool]] = [
        logged_models.c.experiment_id.in_(_experiment_ids(experiment_ids)),
        logged_models.c.lifecycle_stage != LifecycleStage.DELETED.value,
    ]
    where.extend(_condition(c, dataset_filter) for c in comparisons)
    if dataset_filter is not None and not any(c.kind is Kind.METRIC for c in comparisons):
        where.append(_metric_probe(dataset_filter))

    ordering: list[ColumnElement[Any]] = []
    for order in orders:
        if order.metric is not None:
            value = _latest_metric(order)
        else:
            value = logged_models.c[_COLUMNS[order.field]]
        ordering.append(missing_last(value))
        ordering.append(value.asc() if order.ascending else value.desc())
    used = {order.field for order in orders}
    if "creation_timestamp" not in used:
        ordering.append(logged_models.c.creation_timestamp_ms.desc())
    if "model_id" not in used:
        ordering.append(logged_models.c.model_id.asc())

    return (
        select(logged_models.c.model_id)
        .where(*where)
        .order_by(*ordering)
        .offset(offset)
        .limit(limit)
    )
