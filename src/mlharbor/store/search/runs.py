"""``runs/search`` compiled to one SQL SELECT of run ids, in MLflow's order.

Filters become conditions on ``runs`` or correlated ``EXISTS`` probes of the per-run tables by
their ``(run_uuid, key)`` primary keys; ``order_by`` keys become outer joins on the same keys.
When the first sort key is a metric that a filter already requires (any comparison but
``!=``), the metric is joined directly instead: the run must have a real (non-NaN) value, so
no "missing last" term is needed and the planner can walk ``ix_latest_metrics_key_value`` in
value order and stop at the LIMIT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, case, exists, select

from mlharbor.entities.enums import LifecycleStage, ViewType
from mlharbor.store.search.grammar import Comparison, Grammar, Kind, OrderKey
from mlharbor.store.search.sql import (
    compare,
    is_false,
    is_true,
    missing_last,
    parse_experiment_ids,
)
from mlharbor.store.tracking.sql.schema import (
    datasets,
    latest_metrics,
    params,
    run_dataset_inputs,
    run_input_tags,
    run_tags,
    runs,
)

__all__ = ["RUN_GRAMMAR", "parse_run_filter", "parse_run_order_by", "run_search_select"]

RUN_GRAMMAR = Grammar()

DATASET_CONTEXT_TAG = "mlflow.data.context"

_COLUMNS = {
    "run_id": "run_uuid",
    "run_name": "name",
    "status": "status",
    "user_id": "user_id",
    "artifact_uri": "artifact_uri",
    "start_time": "start_time",
    "end_time": "end_time",
}
_NULLABLE = frozenset({"start_time", "end_time"})


def parse_run_filter(filter_string: str | None) -> list[Comparison]:
    """Validate a runs filter without building SQL (for callers that only need the AST)."""
    return RUN_GRAMMAR.parse_filter(filter_string)


def parse_run_order_by(order_by: Sequence[str] | None) -> list[OrderKey]:
    return RUN_GRAMMAR.parse_order_by(order_by)


def _keyed_exists(table: Any, key: str, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(table.c.run_uuid == runs.c.run_uuid, table.c.key == key, *conditions)


def _metric_condition(table: Any, comparison: Comparison) -> ColumnElement[bool]:
    # NaN is stored as 0 with is_nan set: it never satisfies a comparison except "!=".
    matched = compare(table.c.value, comparison.comparator, comparison.value)
    if comparison.comparator == "!=":
        return matched | is_true(table.c.is_nan)
    return and_(matched, is_false(table.c.is_nan))


def _dataset_condition(comparison: Comparison) -> ColumnElement[bool]:
    if comparison.key == "context":
        return exists().where(
            run_input_tags.c.run_uuid == runs.c.run_uuid,
            run_input_tags.c.key == DATASET_CONTEXT_TAG,
            compare(run_input_tags.c.value, comparison.comparator, comparison.value),
        )
    column = datasets.c[comparison.key]
    return exists().where(
        run_dataset_inputs.c.run_uuid == runs.c.run_uuid,
        datasets.c.dataset_uuid == run_dataset_inputs.c.dataset_uuid,
        compare(column, comparison.comparator, comparison.value),
    )


def _condition(comparison: Comparison) -> ColumnElement[bool]:
    kind, key = comparison.kind, comparison.key
    if kind is Kind.ATTRIBUTE:
        return compare(runs.c[_COLUMNS[key]], comparison.comparator, comparison.value)
    if kind is Kind.DATASET:
        return _dataset_condition(comparison)
    if kind is Kind.METRIC:
        return _keyed_exists(latest_metrics, key, _metric_condition(latest_metrics, comparison))
    table = params if kind is Kind.PARAM else run_tags
    if comparison.comparator == "IS NULL":
        return ~_keyed_exists(table, key)
    if comparison.comparator == "IS NOT NULL":
        return _keyed_exists(table, key)
    return _keyed_exists(
        table, key, compare(table.c.value, comparison.comparator, comparison.value)
    )


def _requires_real_metric(comparisons: Sequence[Comparison], key: str) -> bool:
    return any(c.kind is Kind.METRIC and c.key == key and c.comparator != "!=" for c in comparisons)


def run_search_select(
    experiment_ids: Sequence[str],
    filter_string: str | None,
    view_type: ViewType | int | str | None,
    order_by: Sequence[str] | None,
    offset: int,
    limit: int,
) -> Select[tuple[str]]:
    """SELECT of ``runs.run_uuid`` for one page of a run search, in MLflow's order.

    Order: each ``order_by`` key (runs lacking it last in both directions; for metrics NaN
    after numbers and before missing), then ``start_time`` descending unless already used, then
    ``run_uuid`` ascending. Without ``order_by``: ``start_time DESC, run_uuid ASC``.

    Raises:
        InvalidParameterValue: bad filter, order_by or experiment id, in MLflow's wording.
    """
    comparisons = RUN_GRAMMAR.parse_filter(filter_string)
    order_keys = RUN_GRAMMAR.parse_order_by(order_by)
    stages = [stage.value for stage in LifecycleStage.matching(ViewType.coerce(view_type))]

    source: FromClause = runs
    where: list[ColumnElement[bool]] = [
        runs.c.experiment_id.in_(parse_experiment_ids(experiment_ids)),
        runs.c.lifecycle_stage.in_(stages),
    ]
    first = order_keys[0] if order_keys else None
    driving: Any = None
    if (
        first is not None
        and first.kind is Kind.METRIC
        and _requires_real_metric(comparisons, first.key)
    ):
        driving = latest_metrics.alias("order_1")
        source = source.join(
            driving,
            and_(driving.c.run_uuid == runs.c.run_uuid, driving.c.key == first.key),
        )
        where.append(is_false(driving.c.is_nan))
    for comparison in comparisons:
        if (
            driving is not None
            and comparison.kind is Kind.METRIC
            and comparison.key == first.key  # type: ignore[union-attr]
            and comparison.comparator != "!="
        ):
            where.append(compare(driving.c.value, comparison.comparator, comparison.value))
        else:
            where.append(_condition(comparison))

    ordering: list[ColumnElement[Any]] = []
    for position, key in enumerate(order_keys, start=1):
        if key.kind is Kind.ATTRIBUTE:
            column = runs.c[_COLUMNS[key.key]]
            if key.key in _NULLABLE:
                ordering.append(missing_last(column))
            ordering.append(column.asc() if key.ascending else column.desc())
            continue
        if position == 1 and driving is not None:
            value = driving.c.value
        elif key.kind is Kind.METRIC:
            joined = latest_metrics.alias(f"order_{position}")
            source = source.outerjoin(
                joined, and_(joined.c.run_uuid == runs.c.run_uuid, joined.c.key == key.key)
            )
            value = joined.c.value
            ordering.append(
                case((is_true(joined.c.is_nan), 1), (joined.c.run_uuid.is_(None), 2), else_=0)
            )
        else:
            table = params if key.kind is Kind.PARAM else run_tags
            joined = table.alias(f"order_{position}")
            source = source.outerjoin(
                joined, and_(joined.c.run_uuid == runs.c.run_uuid, joined.c.key == key.key)
            )
            value = joined.c.value
            ordering.append(missing_last(value))
        ordering.append(value.asc() if key.ascending else value.desc())
    if not any(k.kind is Kind.ATTRIBUTE and k.key == "start_time" for k in order_keys):
        # No NULL handling here: the store gives every run a start_time, and a plain DESC lets
        # PostgreSQL walk ix_runs_experiment_start backwards instead of sorting the experiment.
        ordering.append(runs.c.start_time.desc())
    ordering.append(runs.c.run_uuid.asc())

    return (
        select(runs.c.run_uuid)
        .select_from(source)
        .where(*where)
        .order_by(*ordering)
        .offset(offset)
        .limit(limit)
    )
