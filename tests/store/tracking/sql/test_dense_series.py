"""``latest_metrics.dense_first_step``: recorded while steps arrive without gaps or repeats,
cleared for good by anything else, so chart samples only seek steps when that is exact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from mlharbor.entities import Metric
from mlharbor.store.tracking.sql import SqlTrackingStore
from mlharbor.store.tracking.sql.engine import dispose_engine


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlTrackingStore]:
    uri = f"sqlite:///{tmp_path / 'dense.db'}"
    try:
        yield SqlTrackingStore(uri, str(tmp_path / "artifacts"))
    finally:
        dispose_engine(uri)


def _first_step(store: SqlTrackingStore, run_id: str) -> int | None:
    with store.engine.connect() as connection:
        value = connection.execute(
            text("SELECT dense_first_step FROM latest_metrics WHERE run_uuid = :r AND key = 'm'"),
            {"r": run_id},
        ).scalar()
    return None if value is None else int(value)


def _run(store: SqlTrackingStore) -> str:
    return store.create_run("0", "u", 1, [], None).info.run_id


def _points(steps: list[int]) -> list[Metric]:
    return [Metric("m", float(step), 100 + i, step) for i, step in enumerate(steps)]


def test_steps_logged_in_order_are_dense(store: SqlTrackingStore) -> None:
    run_id = _run(store)
    store.log_batch(run_id, metrics=_points([3, 4, 5]))
    for step in (6, 7):
        store.log_metric(run_id, Metric("m", 1.0, 500, step))
    store.log_batch(run_id, metrics=_points([8, 9]))
    assert _first_step(store, run_id) == 3


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ([0, 1, 2], [2]),  # a second point at a logged step
        ([0, 1, 2], [4]),  # a gap
        ([0, 1, 2], [1]),  # an earlier step
        ([0, 2, 1], [3]),  # out of order within a batch
        ([0, 0], [1]),  # the default step, repeated
    ],
)
def test_anything_else_clears_it(
    store: SqlTrackingStore, first: list[int], then: list[int]
) -> None:
    run_id = _run(store)
    store.log_batch(run_id, metrics=_points(first))
    store.log_batch(run_id, metrics=_points(then))
    store.log_batch(run_id, metrics=_points([max(first + then) + 1]))
    assert _first_step(store, run_id) is None
    history = list(store.get_metric_history(run_id, "m"))
    sampled = store.get_metric_history_bulk_interval([run_id], "m", 2)
    assert [m.step for m in sampled] == [history[0].step, history[-1].step]
