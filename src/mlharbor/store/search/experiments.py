"""``experiments/search`` compiled to one SQL SELECT of experiment ids (spec §7.3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, select

from mlharbor.entities.enums import LifecycleStage, ViewType
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.grammar import (
    LIST_COMPARATORS,
    NULL_COMPARATORS,
    NUMERIC_COMPARATORS,
    STRING_COMPARATORS,
    Comparison,
    Grammar,
    Kind,
    OrderKey,
    Value,
)
from mlharbor.store.search.sql import compare, parse_experiment_ids
from mlharbor.store.tracking.sql.schema import experiment_tags, experiments

__all__ = ["EXPERIMENT_GRAMMAR", "ExperimentGrammar", "experiment_search_select"]


class ExperimentGrammar(Grammar):
    """Attributes ``name``, ``experiment_id``, ``creation_time``, ``last_update_time``; tags."""

    prefixes: Mapping[str, Kind] = {
        "attribute": Kind.ATTRIBUTE,
        "attributes": Kind.ATTRIBUTE,
        "tag": Kind.TAG,
        "tags": Kind.TAG,
    }
    key_aliases: Mapping[str, str] = {}
    string_attributes = frozenset({"name", "experiment_id"})
    numeric_attributes = frozenset({"creation_time", "last_update_time"})
    list_keys = frozenset({"experiment_id"})

    def unknown_prefix(self, prefix: str) -> InvalidParameterValue:
        return InvalidParameterValue(
            f"Invalid entity type '{prefix}'. Valid entity types are ('attribute', 'tag', 'tags')"
        )

    def invalid_clauses(self, filter_string: str, pieces: Sequence[str]) -> InvalidParameterValue:
        return InvalidParameterValue(f"Invalid clause(s) in filter string: {', '.join(pieces)}")

    def check_null(self, kind: Kind, key: str, comparator: str) -> None:
        if kind is not Kind.TAG:
            raise InvalidParameterValue(
                f"IS NULL / IS NOT NULL is only supported for tags, not for attribute '{key}'"
            )

    def check_comparator(self, kind: Kind, key: str, comparator: str, value: Value) -> Value:
        if kind is Kind.TAG:
            if comparator not in STRING_COMPARATORS | NULL_COMPARATORS:
                raise InvalidParameterValue(f"Invalid comparator for tag: {comparator}")
            return value
        if key == "experiment_id":
            if comparator not in {"=", "!="} | LIST_COMPARATORS or (
                isinstance(value, tuple) != (comparator in LIST_COMPARATORS)
            ):
                raise InvalidParameterValue(f"Invalid comparator for experiment_id: {comparator}")
            if isinstance(value, tuple):
                return tuple(str(v) for v in parse_experiment_ids(value))
            return str(parse_experiment_ids([str(value)])[0])
        if key in self.numeric_attributes:
            if comparator not in NUMERIC_COMPARATORS:
                raise InvalidParameterValue(
                    f"Invalid comparator for numeric attribute: {comparator}"
                )
            if isinstance(value, float):
                raise InvalidParameterValue(
                    f"Invalid value for numeric attribute '{key}': '{value}'"
                )
            return value
        if comparator not in STRING_COMPARATORS:
            raise InvalidParameterValue(f"Invalid comparator for string attribute: {comparator}")
        return value

    def order_key(self, clause: str) -> OrderKey:
        key = super().order_key(clause)
        if key.kind is not Kind.ATTRIBUTE:
            raise InvalidParameterValue(f"Invalid order_by entity: {key.kind.value}")
        return key


EXPERIMENT_GRAMMAR = ExperimentGrammar()

_DEFAULT_ORDER = ("creation_time DESC", "experiment_id ASC")


def _condition(comparison: Comparison) -> ColumnElement[bool]:
    if comparison.kind is Kind.TAG:
        probe = exists().where(
            experiment_tags.c.experiment_id == experiments.c.experiment_id,
            experiment_tags.c.key == comparison.key,
        )
        if comparison.comparator == "IS NULL":
            return ~probe
        if comparison.comparator == "IS NOT NULL":
            return probe
        return probe.where(
            compare(experiment_tags.c.value, comparison.comparator, comparison.value)
        )
    if comparison.key == "experiment_id":
        # The grammar checked the ids are integers; bind them as the column's type.
        ids: Any = comparison.value
        value: Any = tuple(map(int, ids)) if isinstance(ids, tuple) else int(ids)
        return compare(experiments.c.experiment_id, comparison.comparator, value)
    return compare(experiments.c[comparison.key], comparison.comparator, comparison.value)


def experiment_search_select(
    view_type: ViewType | int | str | None,
    filter_string: str | None,
    order_by: Sequence[str] | None,
    offset: int,
    limit: int,
) -> Select[tuple[int]]:
    """SELECT of ``experiments.experiment_id`` for one page of an experiment search.

    Default order ``creation_time DESC, experiment_id ASC``; a given ``order_by`` is followed
    by ``experiment_id DESC`` unless it names ``experiment_id`` itself, as MLflow does.

    Raises:
        InvalidParameterValue: bad filter or order_by, in MLflow's wording.
    """
    comparisons = EXPERIMENT_GRAMMAR.parse_filter(filter_string)
    keys = EXPERIMENT_GRAMMAR.parse_order_by(order_by or _DEFAULT_ORDER)
    stages = [stage.value for stage in LifecycleStage.matching(ViewType.coerce(view_type))]
    ordering: list[ColumnElement[Any]] = []
    for key in keys:
        column = experiments.c[key.key]
        ordering.append(column.asc() if key.ascending else column.desc())
    if not any(key.key == "experiment_id" for key in keys):
        ordering.append(experiments.c.experiment_id.desc())
    return (
        select(experiments.c.experiment_id)
        .where(
            experiments.c.lifecycle_stage.in_(stages),
            *(_condition(comparison) for comparison in comparisons),
        )
        .order_by(*ordering)
        .offset(offset)
        .limit(limit)
    )
