"""``runs/search`` compiled to one SQL SELECT of run ids, in MLflow's order.

Filters become conditions on ``runs`` or correlated ``EXISTS`` probes of the per-run tables by
their ``(run_uuid, key)`` primary keys; later ``order_by`` keys become outer joins on the same
keys. A page never sorts every matching run when the first sort key can be read in order:

- a metric, param or tag: the statement is a ``UNION ALL`` of ordered groups, each cut at
  ``offset + limit``: runs with a value (read from the key's ``(key, [is_nan,] value)`` index),
  then NaN values, then runs lacking the key. A later group's LIMIT is what the earlier ones
  left of the page, so it reads nothing once the page is full;
- ``start_time``/``end_time``: runs with the time, then runs without, the same way.

Every group is sorted by the full MLflow order (requested keys, ``start_time DESC``,
``run_uuid``), and so is the union, which holds at most a few pages of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.visitors import replacement_traverse

from mlharbor.entities.enums import LifecycleStage, ViewType
from mlharbor.store.search.grammar import Comparison, Grammar, Kind, OrderKey
from mlharbor.store.search.sql import (
    compare,
    is_false,
    is_true,
    missing_last,
    parse_experiment_ids,
    unindexed,
    value_length,
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
# Runs an experiment needs before a search ordered by a per-run key walks that key's index.
WALK_THRESHOLD = 5000

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


def _guarantees_present(comparisons: Sequence[Comparison], key: OrderKey) -> bool:
    """Whether a filter already excludes runs lacking ``key`` (every comparison but IS NULL)."""
    return any(
        c.kind is key.kind and c.key == key.key and c.comparator != "IS NULL" for c in comparisons
    )


def _excludes_nan(comparisons: Sequence[Comparison], key: str) -> bool:
    return any(c.kind is Kind.METRIC and c.key == key and c.comparator != "!=" for c in comparisons)


def _rekeyed(condition: ColumnElement[bool], run_uuid: Any) -> ColumnElement[bool]:
    """``condition`` with every reference to ``runs.run_uuid`` replaced by ``run_uuid``."""

    def swap(element: Any, **_: Any) -> Any:
        return run_uuid if element is runs.c.run_uuid else None

    options: dict[str, Any] = {}
    return replacement_traverse(condition, options, swap)


def _driving_condition(driving: Any, comparison: Comparison, key: OrderKey) -> ColumnElement[bool]:
    if comparison.kind is not key.kind or comparison.key != key.key:
        # Probes keyed by the walked row's run id run before the run itself is looked up, so
        # rows failing a filter cost one probe instead of two.
        return _rekeyed(_condition(comparison), driving.c.run_uuid)
    if comparison.comparator == "IS NULL":
        return false()
    if comparison.comparator == "IS NOT NULL":
        return true()
    if key.kind is Kind.METRIC:
        return _metric_condition(driving, comparison)
    return compare(driving.c.value, comparison.comparator, comparison.value)


def _ordering(
    order_keys: Sequence[OrderKey], source: FromClause, *, after_start_time: bool = False
) -> tuple[FromClause, list[tuple[ColumnElement[Any], bool]]]:
    """Joins and ``(expression, descending)`` sort terms for ``order_keys``, then the ties
    (``start_time`` descending unless it was sorted on already, then ``run_uuid``)."""
    terms: list[tuple[ColumnElement[Any], bool]] = []
    for position, key in enumerate(order_keys, start=2):
        if key.kind is Kind.ATTRIBUTE:
            column = runs.c[_COLUMNS[key.key]]
            if key.key in _NULLABLE:
                terms.append((missing_last(column), False))
            terms.append((column, not key.ascending))
            continue
        table = {Kind.METRIC: latest_metrics, Kind.PARAM: params}.get(key.kind, run_tags)
        joined = table.alias(f"order_{position}")
        source = source.outerjoin(
            joined, and_(joined.c.run_uuid == runs.c.run_uuid, joined.c.key == key.key)
        )
        if key.kind is Kind.METRIC:
            rank = case((is_true(joined.c.is_nan), 1), (joined.c.run_uuid.is_(None), 2), else_=0)
            terms.append((rank, False))
        else:
            terms.append((missing_last(joined.c.value), False))
        terms.append((joined.c.value, not key.ascending))
    if not after_start_time and not any(
        k.kind is Kind.ATTRIBUTE and k.key == "start_time" for k in order_keys
    ):
        # No NULL handling here: the store gives every run a start_time, and a plain DESC lets
        # the planner walk ix_runs_experiment_start backwards instead of sorting the experiment.
        terms.append((runs.c.start_time, True))
    terms.append((runs.c.run_uuid, False))
    return source, terms


def _sorted(terms: Sequence[tuple[ColumnElement[Any], bool]]) -> list[ColumnElement[Any]]:
    return [term.desc() if descending else term.asc() for term, descending in terms]


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
    ids = parse_experiment_ids(experiment_ids)
    if order_keys and order_keys[0].kind is not Kind.ATTRIBUTE:
        return _grouped_select(order_keys, comparisons, ids, stages, offset, limit)
    scope = [runs.c.experiment_id.in_(ids), runs.c.lifecycle_stage.in_(stages)]
    where = [*scope, *(_condition(comparison) for comparison in comparisons)]
    if order_keys and order_keys[0].key in _NULLABLE and order_keys[0].kind is Kind.ATTRIBUTE:
        return _nullable_first_select(order_keys, where, offset, limit)
    source, terms = _ordering(order_keys, runs)
    return (
        select(runs.c.run_uuid)
        .select_from(source)
        .where(*where)
        .order_by(*_sorted(terms))
        .offset(offset)
        .limit(limit)
    )


def _grouped_select(
    order_keys: Sequence[OrderKey],
    comparisons: Sequence[Comparison],
    experiment_ids: Sequence[int],
    stages: Sequence[str],
    offset: int,
    limit: int,
) -> Select[tuple[str]]:
    """Search ordered first by a metric, param or tag, as up to three ordered groups.

    Runs with a value come first, then (metrics) runs whose value is NaN, then runs lacking the
    key; each group is cut at ``offset + limit`` and a later group only runs when the earlier
    ones fell short: finding runs that lack a key means probing every run of the experiments.

    The first group has two plans and runs one: experiments with at least
    :data:`WALK_THRESHOLD` runs read the ``(key, value)`` index in value order and stop at the
    limit; smaller ones sort their own runs, which beats walking a key shared with bigger
    experiments. On SQLite each plan disables the other's index (:func:`unindexed`), so table
    statistics cannot swap them.
    """
    first = order_keys[0]
    table = {Kind.METRIC: latest_metrics, Kind.PARAM: params}.get(first.kind, run_tags)
    driving = table.alias("order_1")
    wanted = offset + limit
    scope = [runs.c.experiment_id.in_(experiment_ids), runs.c.lifecycle_stage.in_(stages)]
    where = [*scope, *(_condition(comparison) for comparison in comparisons)]
    on_key = and_(driving.c.run_uuid == runs.c.run_uuid, driving.c.key == first.key)
    joined = runs.join(driving, on_key)
    # Filters on the sort key test the joined row itself, so they narrow the walked range.
    with_value = [*(_driving_condition(driving, c, first) for c in comparisons)]
    if first.kind is Kind.METRIC:
        with_value.append(is_false(driving.c.is_nan))

    big = (
        select(func.count())
        .select_from(select(runs.c.run_uuid).where(*scope).limit(WALK_THRESHOLD).subquery())
        .scalar_subquery()
        >= WALK_THRESHOLD
    )
    walk_scope = [unindexed(runs.c.experiment_id).in_(experiment_ids), *scope[1:]]
    walk = [(joined, [*walk_scope, *with_value], case((big, wanted), else_=0))]
    if first.kind is not Kind.METRIC:
        # PostgreSQL's value index leaves long values out: they are read apart (by key).
        walk = [
            (source, [*conditions, value_length(driving.c.value, short=short)], room)
            for source, conditions, room in walk
            for short in (True, False)
        ]
    sorted_on_key = and_(
        driving.c.run_uuid == runs.c.run_uuid, unindexed(driving.c.key) == first.key
    )
    sort_own = (
        runs.join(driving, sorted_on_key),
        [*scope, *with_value],
        case((big, 0), else_=wanted),
    )
    plans: list[list[tuple[FromClause, list[ColumnElement[bool]], Any]]] = [[*walk, sort_own]]
    counted: list[Select[Any]] = [
        select(runs.c.run_uuid).select_from(joined).where(*scope, *with_value)
    ]
    if first.kind is Kind.METRIC and not _excludes_nan(comparisons, first.key):
        nan = [*where, is_true(driving.c.is_nan)]
        plans.append([(joined, nan, None)])
        counted.append(select(runs.c.run_uuid).select_from(joined).where(*nan))
    if not _guarantees_present(comparisons, first):
        plans.append([(runs, [*where, ~_keyed_exists(table, first.key)], None)])

    return _union_page(
        plans, counted, driving.c.value, first.ascending, order_keys[1:], offset, limit
    )


def _union_page(
    plans: Sequence[Sequence[tuple[FromClause, list[ColumnElement[bool]], Any]]],
    counted: Sequence[Select[Any]],
    value: ColumnElement[Any],
    ascending: bool,
    rest: Sequence[OrderKey],
    offset: int,
    limit: int,
    *,
    after_start_time: bool = False,
) -> Select[tuple[str]]:
    """One page over ordered groups: group 0 sorted on ``value``, every group then on ``rest``.

    ``plans[g]`` holds the variants of group ``g`` as (source, conditions, LIMIT), a LIMIT of
    None meaning "what ``counted[:g]``, the earlier groups' rows, leave of the page".
    """
    wanted = offset + limit
    members: list[Select[Any]] = []
    descending: list[bool] = []
    for rank, variants in enumerate(plans):
        for source, conditions, room in variants:
            source, terms = _ordering(rest, source, after_start_time=after_start_time)
            first = value if rank == 0 else cast(null(), value.type)
            sort = [(first, not ascending), *terms]
            descending = [d for _, d in sort]
            if room is None:
                # A LIMIT of 0 stops both engines before they read a row; a WHERE guard
                # would be tested row by row.
                cut = [select(c.limit(wanted).subquery()) for c in counted[:rank]]
                earlier = union_all(*cut).limit(wanted).subquery()
                room = wanted - select(func.count()).select_from(earlier).scalar_subquery()
            group = (
                select(
                    runs.c.run_uuid,
                    literal(rank).label("grp"),
                    *(term.label(f"s{i}") for i, (term, _) in enumerate(sort)),
                )
                .select_from(source)
                .where(*conditions)
                .order_by(*_sorted(sort))
                .limit(room)
                .subquery(f"g{len(members)}")
            )
            members.append(select(group))
    combined = union_all(*members).subquery("grouped")
    outer = [(combined.c[f"s{i}"], d) for i, d in enumerate(descending)]
    return (
        select(combined.c.run_uuid)
        .order_by(combined.c.grp.asc(), *_sorted(outer))
        .offset(offset)
        .limit(limit)
    )


def _nullable_first_select(
    order_keys: Sequence[OrderKey],
    where: Sequence[ColumnElement[bool]],
    offset: int,
    limit: int,
) -> Select[tuple[str]]:
    """Search ordered first by ``start_time`` or ``end_time``: runs with the time, in order
    (``ix_runs_experiment_start`` serves ``start_time`` up to the LIMIT), then runs without."""
    first = order_keys[0]
    column = runs.c[_COLUMNS[first.key]]
    present = [*where, column.is_not(None)]
    plans: list[list[tuple[FromClause, list[ColumnElement[bool]], Any]]] = [
        [(runs, present, offset + limit)],
        [(runs, [*where, column.is_(None)], None)],
    ]
    return _union_page(
        plans,
        [select(runs.c.run_uuid).where(*present)],
        column,
        first.ascending,
        order_keys[1:],
        offset,
        limit,
        after_start_time=first.key == "start_time",
    )
