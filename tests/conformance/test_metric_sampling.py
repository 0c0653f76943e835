"""Chart samples (``get_metric_history_bulk_interval``): MLflow 3.17.2's bucket sample, checked
against the full history for series the store can seek by step and series it must count."""

from __future__ import annotations

import itertools

from mlharbor.entities import Metric
from mlharbor.store.tracking.protocol import TrackingStore
from tests.conformance.helpers import raises_code


def _new_run(store: TrackingStore, name: str) -> str:
    experiment_id = store.create_experiment(name)
    return store.create_run(experiment_id, "u", 1000, [], None).info.run_id


def _expected(points: list[Metric], limit: int) -> list[tuple[int, int, float]]:
    """The first point of each of ``limit`` near-equal buckets (larger ones first), the last
    point of the history standing in for the last pick."""
    points = sorted(points, key=lambda m: (m.step, m.timestamp, m.value))
    if len(points) > limit:
        size, larger = divmod(len(points), limit)
        sizes = [size + (bucket < larger) for bucket in range(limit)]
        starts = [0, *itertools.accumulate(sizes)][:limit]
        points = [points[start] for start in starts[:-1]] + [points[-1]]
    return [(m.step, m.timestamp, m.value) for m in points]


def _sample(
    store: TrackingStore, run_id: str, limit: int, start: int | None = None, end: int | None = None
) -> list[tuple[int, int, float]]:
    sampled = store.get_metric_history_bulk_interval([run_id], "m", limit, start, end)
    assert {m.run_id for m in sampled} <= {run_id}
    assert {m.key for m in sampled} <= {"m"}
    return [(m.step, m.timestamp, m.value) for m in sampled]


def _log(store: TrackingStore, run_id: str, steps: list[int], first_ts: int = 10) -> None:
    points = [Metric("m", i * 0.5, first_ts + i, step) for i, step in enumerate(steps)]
    for chunk in range(0, len(points), 1000):
        store.log_batch(run_id, metrics=points[chunk : chunk + 1000])


def _check(store: TrackingStore, run_id: str) -> None:
    history = list(store.get_metric_history(run_id, "m"))
    low, high = history[0].step, history[-1].step
    for limit in (1, 2, 7, 320, 2500):
        assert _sample(store, run_id, limit) == _expected(history, limit), limit
    middle = [m for m in history if low + 3 <= m.step <= high - 3]
    assert _sample(store, run_id, 5, low + 3, high - 3) == _expected(middle, 5)
    assert _sample(store, run_id, 5, high + 1, high + 9) == []


def test_sample_of_gapless_steps(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store, "dense")
    _log(tracking_store, run_id, list(range(5, 2605)))
    tracking_store.log_metric(run_id, Metric("m", 1.0, 9000, 2605))
    _check(tracking_store, run_id)
    sampled = _sample(tracking_store, run_id, 10)
    assert len(sampled) == 10
    assert (sampled[0][0], sampled[-1][0]) == (5, 2605)


def test_sample_of_repeated_and_missing_steps(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store, "sparse")
    _log(tracking_store, run_id, [0] * 40 + list(range(1, 200, 3)) + [50] * 5)
    _check(tracking_store, run_id)


def test_series_that_stops_being_gapless(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store, "broken")
    _log(tracking_store, run_id, list(range(100)))
    _log(tracking_store, run_id, [40], first_ts=5000)  # a second point at step 40
    _check(tracking_store, run_id)
    other = _new_run(tracking_store, "gap")
    _log(tracking_store, other, list(range(100)))
    _log(tracking_store, other, list(range(150, 160)))
    _check(tracking_store, other)


def test_sample_of_several_runs_and_bad_requests(tracking_store: TrackingStore) -> None:
    first = _new_run(tracking_store, "a")
    second = _new_run(tracking_store, "b")
    _log(tracking_store, first, list(range(30)))
    sampled = tracking_store.get_metric_history_bulk_interval([first, second], "m", 4)
    assert [(m.run_id, m.step) for m in sampled] == [(first, s) for s in (0, 8, 16, 29)]
    assert tracking_store.get_metric_history_bulk_interval([second], "m", 4) == []
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.get_metric_history_bulk_interval([first, "f" * 32], "m", 4)
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.get_metric_history_bulk_interval([first], "m", 4, 3, None)
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.get_metric_history_bulk_interval([first], "m", 4, 9, 3)
