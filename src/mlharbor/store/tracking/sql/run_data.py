"""Metrics, params and tags of runs: single writes, atomic batches, and metric history.

Writes are bulk statements (one ``executemany`` per table) inside one transaction. Metric points
are append-only with exact duplicates ignored (``ON CONFLICT DO NOTHING``); ``latest_metrics``
keeps, per key, the point with the largest ``(step, timestamp, value)``, maintained by an upsert
whose ``WHERE`` compares that tuple, so concurrent writers cannot move it backwards.
"""

from __future__ import annotations

import functools
import gc
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.sql.dml import Insert

from mlharbor.entities import Metric, PagedList, Param, RunTag
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.base import SqlStoreBase
from mlharbor.store.tracking.sql.engine import reading, writing
from mlharbor.store.tracking.sql.history_stream import MetricHistoryStream
from mlharbor.store.tracking.sql.sampling import check_sample_request, sample_history
from mlharbor.utils.validation import (
    MAX_ENTITY_KEY_LENGTH,
    check_length,
    storable_metric_value,
    validate_batch,
    validate_metric,
    validate_param,
    validate_tag,
)

RUN_NAME_TAG = "mlflow.runName"

_METRICS = schema.metrics
_LATEST = schema.latest_metrics
_PARAMS = schema.params
_TAGS = schema.run_tags


@functools.cache
def _statements(dialect: str) -> dict[str, Insert]:
    """Bulk statements per dialect, built once so SQLAlchemy's compiled cache always hits."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    tags = insert(_TAGS)
    return {
        "params": insert(_PARAMS).on_conflict_do_nothing(),
        "tags": tags.on_conflict_do_update(
            index_elements=[_TAGS.c.run_uuid, _TAGS.c.key], set_={"value": tags.excluded.value}
        ),
        "model_metrics": insert(schema.logged_model_metrics).on_conflict_do_nothing(),
    }


@functools.cache
def _metric_sql(paramstyle: str) -> tuple[str, str]:
    """The two hot-path statements as driver SQL (same text on SQLite and PostgreSQL).

    Metric batches skip SQLAlchemy's per-row parameter processing: with a thousand points per
    call, that processing costs more than the database work.
    """
    marks = ", ".join(["?" if paramstyle == "qmark" else "%s"] * 9)
    points = (
        "INSERT INTO metrics (run_uuid, key, step, timestamp, value, is_nan, dataset_name, "
        f"dataset_digest, model_id) VALUES ({marks}) ON CONFLICT DO NOTHING"
    )
    newer = (
        "(excluded.step, excluded.timestamp, excluded.value) > "
        "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)"
    )
    moved = ", ".join(
        f"{column} = CASE WHEN {newer} THEN excluded.{column} ELSE latest_metrics.{column} END"
        for column in ("step", "timestamp", "value", "is_nan")
    )
    # A dense series stays dense only when this batch continues it right after its last step
    # (``excluded.dense_first_step`` is the batch's first step, or NULL if the batch has gaps).
    # SET expressions read the row as it was before this update.
    latest = (
        "INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan, "
        f"dense_first_step) VALUES ({marks.rsplit(', ', 2)[0]}) "
        f"ON CONFLICT (run_uuid, key) DO UPDATE SET {moved}, "
        "dense_first_step = CASE WHEN excluded.dense_first_step = latest_metrics.step + 1 "
        "THEN latest_metrics.dense_first_step END "
        f"WHERE {newer} OR latest_metrics.dense_first_step IS NOT NULL"
    )
    return points, latest


_PG_POINTS_SQL = (
    "INSERT INTO metrics (run_uuid, key, step, timestamp, value, is_nan, dataset_name, "
    "dataset_digest, model_id) SELECT %s::varchar, * FROM unnest(%s::varchar[], %s::bigint[], "
    "%s::bigint[], %s::float8[], %s::boolean[], %s::varchar[], %s::varchar[], %s::varchar[]) "
    "ON CONFLICT DO NOTHING"
)


def write_metrics(connection: Connection, run_id: str, metrics: Sequence[Metric]) -> None:
    """Append validated metric points and move ``latest_metrics`` forward where they are newer."""
    if not metrics:
        return
    rows: list[tuple[Any, ...]] = []
    latest: dict[str, tuple[int, int, float, bool]] = {}
    # key -> [first step, last step, steps so far ascend by exactly one]
    runs_of_steps: dict[str, list[Any]] = {}
    linked = False
    for metric in metrics:
        value, is_nan = storable_metric_value(metric.value)
        step = int(metric.step or 0)
        timestamp = int(metric.timestamp)
        key = metric.key
        rows.append(
            (
                run_id,
                key,
                step,
                timestamp,
                value,
                is_nan,
                metric.dataset_name,
                metric.dataset_digest,
                metric.model_id,
            )
        )
        linked = linked or bool(metric.model_id)
        current = latest.get(key)
        if current is None or (step, timestamp, value) > current[:3]:
            latest[key] = (step, timestamp, value, is_nan)
        steps = runs_of_steps.get(key)
        if steps is None:
            runs_of_steps[key] = [step, step, True]
        else:
            steps[2] = steps[2] and step == steps[1] + 1
            steps[1] = step
    points_sql, latest_sql = _metric_sql(connection.dialect.paramstyle)
    if connection.dialect.name == "postgresql":
        # One statement over column arrays: psycopg's executemany costs a round of Python
        # work per row, which dominates a thousand-point batch.
        columns = [list(column) for column in zip(*rows, strict=True)]
        connection.exec_driver_sql(_PG_POINTS_SQL, (run_id, *columns[1:]))
    else:
        connection.exec_driver_sql(points_sql, rows)
    connection.exec_driver_sql(
        latest_sql,
        [
            (run_id, key, *rank, runs_of_steps[key][0] if runs_of_steps[key][2] else None)
            for key, rank in latest.items()
        ],
    )
    if linked:
        _write_model_metrics(connection, [row for row in rows if row[8]])


def _write_model_metrics(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Copy points that name a logged model to that model's metrics (known models only).

    ``rows`` are metric rows as written by :func:`write_metrics`.
    """
    models = schema.logged_models
    wanted = {row[8] for row in rows}
    known = set(
        connection.execute(select(models.c.model_id).where(models.c.model_id.in_(wanted))).scalars()
    )
    copies = [
        {
            "run_uuid": row[0],
            "key": row[1],
            "step": row[2],
            "timestamp": row[3],
            "value": row[4],
            "is_nan": row[5],
            "dataset_name": row[6],
            "dataset_digest": row[7],
            "model_id": row[8],
        }
        for row in rows
        if row[8] in known
    ]
    if copies:
        connection.execute(_statements(connection.dialect.name)["model_metrics"], copies)


def write_params(
    connection: Connection, run_id: str, params: Sequence[Param], *, single: bool = False
) -> None:
    """Insert new params; re-logging a value is a no-op, changing one is rejected (all or none)."""
    if not params:
        return
    wanted = {param.key: param.value for param in params}
    existing = _stored_params(connection, run_id, list(wanted))
    _reject_changes(run_id, wanted, existing, single)
    fresh = [
        {"run_uuid": run_id, "key": key, "value": value}
        for key, value in wanted.items()
        if key not in existing
    ]
    if not fresh:
        return
    connection.execute(_statements(connection.dialect.name)["params"], fresh)
    if connection.dialect.name != "sqlite":
        # Without SQLite's database-wide write lock a concurrent transaction may have inserted
        # the same key first (ON CONFLICT skipped ours); look again now that it has committed.
        stored = _stored_params(connection, run_id, [row["key"] for row in fresh])
        _reject_changes(run_id, wanted, stored, single)


def _stored_params(connection: Connection, run_id: str, keys: list[str]) -> dict[str, str]:
    rows = connection.execute(
        select(_PARAMS.c.key, _PARAMS.c.value).where(
            _PARAMS.c.run_uuid == run_id, _PARAMS.c.key.in_(keys)
        )
    ).all()
    return {str(key): str(value) for key, value in rows}


def _reject_changes(
    run_id: str, wanted: dict[str, str], stored: dict[str, str], single: bool
) -> None:
    """Raise MLflow's immutability error if any stored param differs from the wanted value."""
    changed = [
        {"key": key, "old_value": stored[key], "new_value": value}
        for key, value in wanted.items()
        if key in stored and stored[key] != value
    ]
    if not changed:
        return
    if single:
        first = changed[0]
        raise InvalidParameterValue(
            "Changing param values is not allowed. Param with key='{key}' was already logged "
            "with value='{old_value}' for run ID='{run_id}'. Attempted logging new value "
            "'{new_value}'.".format(run_id=run_id, **first)
        )
    raise InvalidParameterValue(
        f"Changing param values is not allowed. Params were already logged='{changed}' for "
        f"run ID='{run_id}'."
    )


def write_tags(connection: Connection, run_id: str, tags: Sequence[RunTag]) -> None:
    """Upsert validated tags; ``mlflow.runName`` also renames the run."""
    if not tags:
        return
    last = {tag.key: tag.value for tag in tags}
    connection.execute(
        _statements(connection.dialect.name)["tags"],
        [{"run_uuid": run_id, "key": key, "value": value} for key, value in last.items()],
    )
    if RUN_NAME_TAG in last:
        name = check_length("run_name", MAX_ENTITY_KEY_LENGTH, last[RUN_NAME_TAG])
        runs = schema.runs
        connection.execute(update(runs).where(runs.c.run_uuid == run_id).values(name=name))


class RunDataMixin(SqlStoreBase):
    """Metrics, params and tags of runs."""

    def log_metric(self, run_id: str, metric: Metric) -> None:
        """Append one metric point to an active run."""
        validate_metric(metric)
        with writing(self._engine) as connection:
            self._check_run_active(connection, run_id)
            write_metrics(connection, run_id, [metric])

    def log_param(self, run_id: str, param: Param) -> None:
        """Log one param; the same value again is accepted, a different one is rejected."""
        checked = validate_param(param)
        with writing(self._engine) as connection:
            self._check_run_active(connection, run_id)
            write_params(connection, run_id, [checked], single=True)

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        """Set (insert or overwrite) a run tag; ``mlflow.runName`` renames the run."""
        checked = validate_tag(tag)
        with writing(self._engine) as connection:
            self._check_run_active(connection, run_id)
            write_tags(connection, run_id, [checked])

    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove a tag; RESOURCE_DOES_NOT_EXIST when the run has no such tag."""
        with writing(self._engine) as connection:
            self._check_run_active(connection, run_id)
            result = connection.execute(
                _TAGS.delete().where(_TAGS.c.run_uuid == run_id, _TAGS.c.key == key)
            )
            if result.rowcount == 0:
                raise ResourceDoesNotExist(f"No tag with name: {key} in run with id {run_id}")

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Validate everything, then write params, metrics and tags in one transaction."""
        checked_params, checked_tags = validate_batch(metrics, params, tags)
        if not (metrics or checked_params or checked_tags):
            with reading(self._engine) as connection:
                self._check_run_active(connection, run_id)
            return
        with writing(self._engine) as connection:
            self._check_run_active(connection, run_id)
            write_params(connection, run_id, checked_params)
            write_metrics(connection, run_id, metrics)
            write_tags(connection, run_id, checked_tags)

    def get_metric_history(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> PagedList[Metric]:
        """Every point of one metric, ordered by step, timestamp, value; paged if asked."""
        stream = self.metric_history_stream(run_id, metric_key, max_results, page_token)
        with _gc_paused():
            points = [row for chunk in stream.chunks() for row in chunk]
            return PagedList(_to_metrics(metric_key, points), stream.next_page_token)

    def metric_history_stream(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> MetricHistoryStream:
        """The history :meth:`get_metric_history` returns, as chunks of raw rows read on demand.

        The run and the arguments are checked now; the rows are read while iterating.
        """
        if max_results is not None and (isinstance(max_results, bool) or max_results < 1):
            raise InvalidParameterValue(
                f"Invalid value {max_results} for parameter 'max_results' supplied. It must be a "
                "positive integer"
            )
        offset = 0
        if page_token:
            from mlharbor.store.search.page_token import decode_offset

            offset = decode_offset(page_token)
        with reading(self._engine) as connection:
            self._run_row(connection, run_id)
        return MetricHistoryStream(self._engine, run_id, metric_key, max_results, offset)

    def get_metric_history_bulk_interval(
        self,
        run_ids: Sequence[str],
        metric_key: str,
        max_results: int,
        start_step: int | None = None,
        end_step: int | None = None,
    ) -> list[Metric]:
        """A chart sample of at most ``max_results`` points per run (see :mod:`.sampling`),
        each point carrying its ``run_id``; steps limited to ``[start_step, end_step]`` if given.
        """
        check_sample_request(max_results, start_step, end_step)
        sampled: list[Metric] = []
        with reading(self._engine) as connection:
            for run_id in run_ids:
                self._run_row(connection, run_id)
            for run_id in run_ids:
                sampled += sample_history(
                    connection, run_id, metric_key, max_results, start_step, end_step
                )
        return sampled


def _to_metrics(key: str, rows: list[tuple[Any, ...]]) -> list[Metric]:
    """Metric objects built without the frozen-dataclass ``__init__`` (a setattr per field)."""
    new = object.__new__
    common = {"key": key, "dataset_name": None, "dataset_digest": None, "model_id": None}
    nan = math.nan
    out: list[Metric] = []
    append = out.append
    for value, is_nan, timestamp, step in rows:
        metric = new(Metric)
        fields = metric.__dict__
        fields.update(common)
        fields["value"] = nan if is_nan else value
        fields["timestamp"] = timestamp
        fields["step"] = step
        fields["run_id"] = None
        append(metric)
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a million fresh tuples and objects would otherwise
    trigger dozens of full collections that find nothing to free."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
