"""Params, metrics and tags: immutability, history, latest values, batches and invalid input."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest

from mlharbor.entities import Metric, Param, Run, RunTag
from mlharbor.store.tracking.protocol import TrackingStore
from tests.conformance.helpers import raises_code

MAX_DOUBLE = 1.7976931348623157e308


def _new_run(store: TrackingStore, name: str = "data") -> str:
    experiment_id = store.create_experiment(name)
    return store.create_run(experiment_id, "u", 1000, [], None).info.run_id


def _user_tags(run: Run) -> dict[str, str]:
    return {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")}


def _assert_untouched(store: TrackingStore, run_id: str) -> None:
    data = store.get_run(run_id).data
    assert data.metric_objs == ()
    assert dict(data.params) == {}
    assert set(data.tags) == {"mlflow.runName"}


def test_param_same_value_ok_different_value_rejected(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.log_param(run_id, Param("alpha", "0.1"))
    tracking_store.log_param(run_id, Param("alpha", "0.1"))
    expected = (
        "Changing param values is not allowed. Param with key='alpha' was already logged with "
        f"value='0.1' for run ID='{run_id}'. Attempted logging new value '0.2'."
    )
    with raises_code("INVALID_PARAMETER_VALUE", re.escape(expected)):
        tracking_store.log_param(run_id, Param("alpha", "0.2"))
    assert tracking_store.get_run(run_id).data.params == {"alpha": "0.1"}


def test_batch_param_change_rejects_whole_batch(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.log_param(run_id, Param("alpha", "0.1"))
    message = (
        "Changing param values is not allowed. Params were already logged="
        "'[{'key': 'alpha', 'old_value': '0.1', 'new_value': '0.3'}]' "
        f"for run ID='{run_id}'."
    )
    with raises_code("INVALID_PARAMETER_VALUE", re.escape(message)):
        tracking_store.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, 10, 0)],
            params=[Param("beta", "1"), Param("alpha", "0.3")],
            tags=[RunTag("t", "v")],
        )
    run = tracking_store.get_run(run_id)
    assert run.data.params == {"alpha": "0.1"}
    assert run.data.metric_objs == ()
    assert _user_tags(run) == {}


def test_metric_history_order_and_duplicates(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    points = [
        Metric("loss", 0.5, 30, 2),
        Metric("loss", 0.9, 10, 0),
        Metric("loss", 0.7, 20, 1),
        Metric("loss", 0.6, 20, 1),
        Metric("loss", 0.9, 10, 0),  # an exact duplicate collapses
    ]
    for point in points:
        tracking_store.log_metric(run_id, point)
    history = tracking_store.get_metric_history(run_id, "loss")
    assert [(m.step, m.timestamp, m.value) for m in history] == [
        (0, 10, 0.9),
        (1, 20, 0.6),
        (1, 20, 0.7),
        (2, 30, 0.5),
    ]
    assert all(m.key == "loss" for m in history)
    assert history.token is None
    assert list(tracking_store.get_metric_history(run_id, "missing")) == []


def test_history_of_unknown_run(tracking_store: TrackingStore) -> None:
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.get_metric_history("0123456789abcdef0123456789abcdef", "loss")


def test_history_paging(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.log_batch(run_id, metrics=[Metric("acc", i / 10, 100 + i, i) for i in range(7)])
    steps: list[int] = []
    token = None
    for _ in range(10):
        page = tracking_store.get_metric_history(run_id, "acc", max_results=3, page_token=token)
        assert len(page) <= 3
        steps.extend(m.step for m in page)
        token = page.token
        if token is None:
            break
    assert steps == list(range(7))
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.get_metric_history(run_id, "acc", max_results=0)


def test_latest_metric_is_max_of_step_timestamp_value(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.log_metric(run_id, Metric("acc", 0.8, 500, 5))
    tracking_store.log_metric(run_id, Metric("acc", 0.1, 900, 1))  # later in time, older step
    tracking_store.log_metric(run_id, Metric("acc", 0.7, 500, 5))  # same step/time, lower value
    tracking_store.log_batch(run_id, metrics=[Metric("acc", 0.3, 400, 5), Metric("acc", 0.2, 1, 0)])
    latest = {m.key: m for m in tracking_store.get_run(run_id).data.metric_objs}
    assert (latest["acc"].value, latest["acc"].step, latest["acc"].timestamp) == (0.8, 5, 500)
    tracking_store.log_metric(run_id, Metric("acc", 0.05, 501, 5))
    assert tracking_store.get_run(run_id).data.metrics == {"acc": 0.05}


def test_nan_and_infinity(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.log_metric(run_id, Metric("nan", math.nan, 1, 0))
    tracking_store.log_metric(run_id, Metric("pos", math.inf, 1, 0))
    tracking_store.log_metric(run_id, Metric("neg", -math.inf, 1, 0))
    metrics = tracking_store.get_run(run_id).data.metrics
    assert math.isnan(metrics["nan"])
    assert metrics["pos"] == MAX_DOUBLE
    assert metrics["neg"] == -MAX_DOUBLE
    assert math.isnan(tracking_store.get_metric_history(run_id, "nan")[0].value)


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        (Metric("k" * 251, 1.0, 1, 0), "'Metric name' exceeds the maximum length of 250"),
        (Metric("bad$key", 1.0, 1, 0), "Names may only contain alphanumerics"),
        (Metric("../x", 1.0, 1, 0), "This name would resolve to '../x'"),
        (Metric("/abs", 1.0, 1, 0), "must not resolve to other names"),
        (Metric("a//b", 1.0, 1, 0), "must not resolve to other names"),
        (Metric("ok", True, 1, 0), "Please specify value as a valid double"),
        (Metric("ok", "1.0", 1, 0), "Please specify value as a valid double"),  # type: ignore[arg-type]
        (Metric("ok", 1.0, -1, 0), "Timestamp must be a nonnegative long"),
    ],
)
def test_invalid_metrics_rejected(
    tracking_store: TrackingStore, metric: Metric, message: str
) -> None:
    run_id = _new_run(tracking_store)
    with raises_code("INVALID_PARAMETER_VALUE", re.escape(message)):
        tracking_store.log_metric(run_id, metric)
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.log_batch(run_id, metrics=[Metric("fine", 1.0, 1, 0), metric])
    _assert_untouched(tracking_store, run_id)


def test_key_of_250_chars_accepted(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    key = "k" * 250
    tracking_store.log_metric(run_id, Metric(key, 1.0, 1, 0))
    tracking_store.log_param(run_id, Param(key, "v"))
    tracking_store.set_tag(run_id, RunTag(key, "v"))
    run = tracking_store.get_run(run_id)
    assert key in run.data.metrics
    assert key in run.data.params
    assert key in run.data.tags


def test_invalid_params_and_tags_rejected(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    with raises_code("INVALID_PARAMETER_VALUE", "'Param key' exceeds the maximum length of 250"):
        tracking_store.log_param(run_id, Param("p" * 251, "v"))
    with raises_code("INVALID_PARAMETER_VALUE", "Names may only contain"):
        tracking_store.log_param(run_id, Param("a b?", "v"))
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.set_tag(run_id, RunTag("t" * 251, "v"))
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.set_tag(run_id, RunTag("..", "v"))
    _assert_untouched(tracking_store, run_id)


def test_long_values_are_truncated(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.log_param(run_id, Param("long", "p" * 7000))
    tracking_store.set_tag(run_id, RunTag("long", "t" * 9000))
    run = tracking_store.get_run(run_id)
    assert run.data.params["long"] == "p" * 6000
    assert run.data.tags["long"] == "t" * 8000


def test_tags_upsert_and_delete(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.set_tag(run_id, RunTag("team", "a"))
    tracking_store.set_tag(run_id, RunTag("team", "b"))
    tracking_store.set_tag(run_id, RunTag("mlflow.user", "someone"))
    assert tracking_store.get_run(run_id).data.tags["team"] == "b"
    tracking_store.delete_tag(run_id, "team")
    assert "team" not in tracking_store.get_run(run_id).data.tags
    with raises_code("RESOURCE_DOES_NOT_EXIST", f"No tag with name: team in run with id {run_id}"):
        tracking_store.delete_tag(run_id, "team")


def test_batch_writes_everything(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.log_batch(
        run_id,
        metrics=[Metric("m", float(i), 1000 + i, i) for i in range(900)],
        params=[Param(f"p{i}", str(i)) for i in range(50)],
        tags=[RunTag(f"t{i}", str(i)) for i in range(50)],
    )
    run = tracking_store.get_run(run_id)
    assert run.data.metrics == {"m": 899.0}
    assert len(run.data.params) == 50
    assert len(_user_tags(run)) == 50
    assert len(tracking_store.get_metric_history(run_id, "m")) == 900


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ((1001, 0, 0), "at most 1000 metrics. Got 1001 metrics"),
        ((0, 101, 0), "at most 100 params. Got 101 params"),
        ((0, 0, 101), "at most 100 tags. Got 101 tags"),
        ((950, 60, 0), "at most 1000 metrics, params, and tags. Got 1010"),
    ],
)
def test_batch_limits(
    tracking_store: TrackingStore, sizes: tuple[int, int, int], message: str
) -> None:
    run_id = _new_run(tracking_store)
    n_metrics, n_params, n_tags = sizes
    with raises_code("INVALID_PARAMETER_VALUE", message):
        tracking_store.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, i, i) for i in range(n_metrics)],
            params=[Param(f"p{i}", "v") for i in range(n_params)],
            tags=[RunTag(f"t{i}", "v") for i in range(n_tags)],
        )
    _assert_untouched(tracking_store, run_id)


def test_batch_duplicate_param_keys(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    with raises_code(
        "INVALID_PARAMETER_VALUE", r"Duplicate parameter keys have been submitted: \['dup'\]"
    ):
        tracking_store.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, 1, 0)],
            params=[Param("dup", "1"), Param("dup", "2")],
        )
    _assert_untouched(tracking_store, run_id)


def test_batch_with_invalid_tag_stores_nothing(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, 1, 0)],
            params=[Param("p", "1")],
            tags=[RunTag("fine", "x"), RunTag("bad$tag", "y")],
        )
    _assert_untouched(tracking_store, run_id)


def test_writes_to_deleted_run_rejected(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.delete_run(run_id)
    message = f"The run {run_id} must be in the 'active' state. Current state is deleted."
    writes: list[Callable[[], None]] = [
        lambda: tracking_store.log_metric(run_id, Metric("m", 1.0, 1, 0)),
        lambda: tracking_store.log_param(run_id, Param("p", "1")),
        lambda: tracking_store.set_tag(run_id, RunTag("t", "1")),
        lambda: tracking_store.log_batch(run_id, metrics=[Metric("m", 1.0, 1, 0)]),
    ]
    for write in writes:
        with raises_code("INVALID_PARAMETER_VALUE", message):
            write()
    tracking_store.restore_run(run_id)
    _assert_untouched(tracking_store, run_id)


def test_writes_to_finished_run_allowed(tracking_store: TrackingStore) -> None:
    run_id = _new_run(tracking_store)
    tracking_store.update_run_info(run_id, "FINISHED", 2000, None)
    tracking_store.log_metric(run_id, Metric("late", 1.0, 3000, 0))
    assert tracking_store.get_run(run_id).data.metrics == {"late": 1.0}


def test_writes_to_unknown_run(tracking_store: TrackingStore) -> None:
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.log_metric("0123456789abcdef0123456789abcdef", Metric("m", 1.0, 1, 0))


def test_failure_found_while_writing_rolls_back_the_batch(tracking_store: TrackingStore) -> None:
    # A run name longer than the run-name column is only caught when the tags are written,
    # after the params and metrics of the same batch: the transaction must undo them.
    run_id = _new_run(tracking_store)
    name_before = tracking_store.get_run(run_id).info.run_name
    with raises_code("INVALID_PARAMETER_VALUE", "'run_name' exceeds the maximum length of 250"):
        tracking_store.log_batch(
            run_id,
            metrics=[Metric("m", 1.0, 1, 0)],
            params=[Param("p", "1")],
            tags=[RunTag("mlflow.runName", "n" * 300)],
        )
    _assert_untouched(tracking_store, run_id)
    assert tracking_store.get_run(run_id).info.run_name == name_before

