"""Chart samples of metric histories, chosen in SQL.

A sample of ``limit`` points over the ``n`` points of a history (ordered by step, timestamp,
value, NaN flag) splits the points into ``limit`` consecutive buckets whose sizes differ by at
most one, larger buckets first, and keeps the first point of each bucket; the last point of the
history then replaces the last kept one, so the chart ends where the history ends. With no
more than ``limit`` points, every point is kept. This is the sample MLflow's server returns.

Which positions the sample keeps follows from ``n`` alone (:func:`sample_positions`). When
``latest_metrics.dense_first_step`` says the series has exactly one point per step without
gaps, position ``i`` is step ``first + i``: the sample is one indexed ``step IN (...)`` lookup
whose cost does not depend on the history's length. Other series count their points and number
them with ``ROW_NUMBER()`` in the database, which reads the history's index range once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult

from mlharbor.entities import Metric
from mlharbor.exceptions import InvalidParameterValue


def check_sample_request(limit: int, start_step: int | None, end_step: int | None) -> None:
    """MLflow's errors for a sample request's size and step range."""
    if isinstance(limit, bool) or limit < 1:
        raise InvalidParameterValue(f"max_results must be at least 1. Received {limit}.")
    if (start_step is None) != (end_step is None):
        raise InvalidParameterValue(
            "If either start step or end step are specified, both must be specified."
        )
    if start_step is not None and end_step is not None and start_step > end_step:
        raise InvalidParameterValue(
            "end_step must be greater than start_step. "
            f"Found start_step={start_step} and end_step={end_step}."
        )


def sample_positions(count: int, limit: int) -> list[int]:
    """The 0-based positions kept from ``count`` ordered points when sampling ``limit``."""
    if count <= limit:
        return list(range(count))
    size, larger = divmod(count, limit)
    positions = [bucket * size + min(bucket, larger) for bucket in range(limit)]
    positions[-1] = count - 1
    return positions


def sample_history(
    connection: Connection,
    run_id: str,
    key: str,
    limit: int,
    start_step: int | None,
    end_step: int | None,
) -> list[Metric]:
    """The sampled points of ``run_id``'s metric ``key``, within the steps given if any."""
    sql = _Sql(connection)
    dense = connection.exec_driver_sql(
        "SELECT dense_first_step, step FROM latest_metrics "
        f"WHERE run_uuid = {sql.mark} AND key = {sql.mark}",
        (run_id, key),
    ).first()
    if dense is not None and dense[0] is not None:
        first, last = int(dense[0]), int(dense[1])
        low = first if start_step is None else max(first, start_step)
        high = last if end_step is None else min(last, end_step)
        if low > high:
            return []
        steps = [low + i for i in sample_positions(high - low + 1, limit)]
        if len(steps) == high - low + 1:
            rows = sql.rows(run_id, key, "step >= {m} AND step <= {m}", [low, high])
        else:
            marks = ", ".join(["{m}"] * len(steps))
            rows = sql.rows(run_id, key, f"step IN ({marks})", steps)
    else:
        rows = _sample_by_position(sql, run_id, key, limit, start_step, end_step)
    return _to_metrics(run_id, key, rows)


def _sample_by_position(
    sql: _Sql,
    run_id: str,
    key: str,
    limit: int,
    start_step: int | None,
    end_step: int | None,
) -> Sequence[tuple[Any, ...]]:
    condition, bounds = "", []
    if start_step is not None and end_step is not None:
        condition, bounds = "step >= {m} AND step <= {m}", [start_step, end_step]
    count = sql.select("count(*)", run_id, key, condition, bounds).scalar_one()
    if count <= limit:
        return sql.rows(run_id, key, condition, bounds)
    positions = sample_positions(count, limit)
    marks = ", ".join([sql.mark] * len(positions))
    numbered = sql.select(
        "value, is_nan, timestamp, step, "
        "ROW_NUMBER() OVER (ORDER BY step, timestamp, value, is_nan) - 1 AS position",
        run_id,
        key,
        condition,
        bounds,
        outer=(
            "SELECT value, is_nan, timestamp, step FROM ({inner}) numbered "
            f"WHERE position IN ({marks}) ORDER BY position"
        ),
        outer_args=positions,
    )
    return numbered.all()


class _Sql:
    """Driver SQL for one connection: its parameter marker and the ordered point query."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    def select(
        self,
        columns: str,
        run_id: str,
        key: str,
        condition: str,
        args: Sequence[Any],
        *,
        outer: str = "{inner}",
        outer_args: Sequence[Any] = (),
    ) -> CursorResult[Any]:
        """``SELECT columns`` over the points of one metric that meet ``condition`` (where
        ``{m}`` stands for a parameter marker), optionally wrapped as ``{inner}`` of ``outer``."""
        extra = f" AND {condition.format(m=self.mark)}" if condition else ""
        inner = (
            f"SELECT {columns} FROM metrics "
            f"WHERE run_uuid = {self.mark} AND key = {self.mark}{extra}"
        )
        return self.connection.exec_driver_sql(
            outer.format(inner=inner), (run_id, key, *args, *outer_args)
        )

    def rows(
        self, run_id: str, key: str, condition: str, args: Sequence[Any]
    ) -> Sequence[tuple[Any, ...]]:
        """``(value, is_nan, timestamp, step)`` of the points meeting ``condition``, in
        history order."""
        return self.select(
            "value, is_nan, timestamp, step",
            run_id,
            key,
            condition,
            args,
            outer="{inner} ORDER BY step, timestamp, value, is_nan",
        ).all()


def _to_metrics(run_id: str, key: str, rows: Sequence[tuple[Any, ...]]) -> list[Metric]:
    return [
        Metric(key, math.nan if is_nan else value, timestamp, step, run_id=run_id)
        for value, is_nan, timestamp, step in rows
    ]
