"""Run search through the store: filters, ordering, paging and invalid requests."""

from __future__ import annotations

import pytest

from mlharbor.entities import Metric, Param, RunTag, ViewType
from mlharbor.store.tracking.protocol import TrackingStore
from tests.conformance.helpers import raises_code


def _seed(store: TrackingStore) -> tuple[str, dict[str, str]]:
    """The seed-002 shape: three runs with an optimizer param and an accuracy metric."""
    experiment_id = store.create_experiment("search")
    ids: dict[str, str] = {}
    for start, (optimizer, accuracy) in enumerate(
        [("adam", 0.95), ("sgd", 0.91), ("rmsprop", 0.85)]
    ):
        run_id = store.create_run(experiment_id, "u", 1000 + start, [], optimizer).info.run_id
        store.log_batch(
            run_id,
            metrics=[Metric("accuracy", accuracy, 5, 0)],
            params=[Param("optimizer", optimizer)],
            tags=[RunTag("team", "a" if optimizer != "sgd" else "b")],
        )
        ids[optimizer] = run_id
    return experiment_id, ids


def test_seed_filter(tracking_store: TrackingStore) -> None:
    experiment_id, ids = _seed(tracking_store)
    runs = tracking_store.search_runs(
        [experiment_id],
        "metrics.accuracy > 0.9 AND params.optimizer = 'adam'",
        order_by=["metrics.accuracy DESC"],
    )
    assert [r.info.run_id for r in runs] == [ids["adam"]]
    run = runs[0]
    assert run.data.params == {"optimizer": "adam"}
    assert run.data.metrics == {"accuracy": 0.95}
    assert run.data.tags["team"] == "a"


def test_default_order_is_newest_first(tracking_store: TrackingStore) -> None:
    experiment_id, ids = _seed(tracking_store)
    runs = tracking_store.search_runs([experiment_id])
    assert [r.info.run_id for r in runs] == [ids["rmsprop"], ids["sgd"], ids["adam"]]


def test_order_by_metric_and_tag_filter(tracking_store: TrackingStore) -> None:
    experiment_id, ids = _seed(tracking_store)
    runs = tracking_store.search_runs(
        [experiment_id], "tags.team = 'a'", order_by=["metrics.accuracy ASC"]
    )
    assert [r.info.run_id for r in runs] == [ids["rmsprop"], ids["adam"]]


def test_paging(tracking_store: TrackingStore) -> None:
    experiment_id, ids = _seed(tracking_store)
    first = tracking_store.search_runs([experiment_id], max_results=2)
    assert len(first) == 2
    assert first.token is not None
    second = tracking_store.search_runs([experiment_id], max_results=2, page_token=first.token)
    assert second.token is None
    seen = [r.info.run_id for r in [*first, *second]]
    assert sorted(seen) == sorted(ids.values())


def test_view_types(tracking_store: TrackingStore) -> None:
    experiment_id, ids = _seed(tracking_store)
    tracking_store.delete_run(ids["sgd"])
    active = {r.info.run_id for r in tracking_store.search_runs([experiment_id])}
    deleted = {
        r.info.run_id
        for r in tracking_store.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    }
    everything = tracking_store.search_runs([experiment_id], run_view_type=ViewType.ALL)
    assert active == {ids["adam"], ids["rmsprop"]}
    assert deleted == {ids["sgd"]}
    assert len(everything) == 3


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        ("foo.bar = 'x'", "Invalid entity type 'foo'"),
        ("params.a = 'x' OR params.b = 'y'", "Invalid clause\\(s\\) in filter string: 'OR'"),
        ("params.optimizer = adam", "not quoted"),
        ("metrics.accuracy = 'high'", "Expected numeric value type for metric"),
    ],
)
def test_bad_filters(tracking_store: TrackingStore, filter_string: str, message: str) -> None:
    with raises_code("INVALID_PARAMETER_VALUE", message):
        tracking_store.search_runs(["0"], filter_string)


@pytest.mark.parametrize("max_results", [0, 50001])
def test_max_results_bounds(tracking_store: TrackingStore, max_results: int) -> None:
    with raises_code("INVALID_PARAMETER_VALUE", "max_results"):
        tracking_store.search_runs(["0"], max_results=max_results)


def test_bad_order_by_and_token(tracking_store: TrackingStore) -> None:
    with raises_code("INVALID_PARAMETER_VALUE", "Invalid ordering key"):
        tracking_store.search_runs(["0"], order_by=["metrics.acc SIDEWAYS"])
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.search_runs(["0"], page_token="%%% not a token %%%")
