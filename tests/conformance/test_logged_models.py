"""Logged models: creation, finalize, deletion, tags, params, metric links and search."""

from __future__ import annotations

import re

import pytest

from mlharbor.entities import LoggedModelStatus, Metric
from mlharbor.store.tracking.protocol import TrackingStore
from tests.conformance.helpers import raises_code


def test_create_defaults(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("models")
    location = tracking_store.get_experiment(experiment_id).artifact_location
    model = tracking_store.create_logged_model(experiment_id)
    assert re.fullmatch(r"m-[0-9a-f]{32}", model.model_id)
    assert model.experiment_id == experiment_id
    assert model.status == "PENDING"
    assert model.artifact_location == f"{location}/models/{model.model_id}/artifacts"
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{1,3}", model.name)
    assert model.creation_timestamp == model.last_updated_timestamp
    assert tracking_store.get_logged_model(model.model_id) == model


def test_create_with_everything(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("full-model")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    model = tracking_store.create_logged_model(
        experiment_id,
        name="model",
        source_run_id=run_id,
        tags=[("mlflow.source.type", "LOCAL")],
        params=[("lr", "0.1")],
        model_type="classifier",
    )
    fetched = tracking_store.get_logged_model(model.model_id)
    assert fetched.name == "model"
    assert fetched.source_run_id == run_id
    assert fetched.model_type == "classifier"
    assert dict(fetched.tags) == {"mlflow.source.type": "LOCAL"}
    assert dict(fetched.params) == {"lr": "0.1"}


@pytest.mark.parametrize("name", ["", "a/b", "a:b", "a.b", "50%", 'q"', "q'"])
def test_bad_names(tracking_store: TrackingStore, name: str) -> None:
    experiment_id = tracking_store.create_experiment("bad-model-names")
    with raises_code("INVALID_PARAMETER_VALUE", "Invalid model name"):
        tracking_store.create_logged_model(experiment_id, name=name)
    assert list(tracking_store.search_logged_models([experiment_id])) == []


def test_bad_tag_key_stores_nothing(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("bad-model-tags")
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.create_logged_model(experiment_id, name="m", tags=[("bad$key", "v")])
    assert list(tracking_store.search_logged_models([experiment_id])) == []
    model_id = tracking_store.create_logged_model(experiment_id, name="m").model_id
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.set_logged_model_tags(model_id, [("ok", "1"), ("../up", "2")])
    assert dict(tracking_store.get_logged_model(model_id).tags) == {}


def test_create_in_deleted_experiment(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("deleted-models")
    tracking_store.delete_experiment(experiment_id)
    with raises_code("INVALID_PARAMETER_VALUE", "must be in the 'active' state"):
        tracking_store.create_logged_model(experiment_id, name="m")


def test_get_unknown_and_deleted(tracking_store: TrackingStore) -> None:
    with raises_code(
        "RESOURCE_DOES_NOT_EXIST", re.escape("Logged model with ID 'm-nope' not found.")
    ):
        tracking_store.get_logged_model("m-nope")
    experiment_id = tracking_store.create_experiment("delete-models")
    model_id = tracking_store.create_logged_model(experiment_id, name="m").model_id
    tracking_store.delete_logged_model(model_id)
    with raises_code("RESOURCE_DOES_NOT_EXIST", f"Logged model with ID '{model_id}' not found"):
        tracking_store.get_logged_model(model_id)


def test_finalize(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("finalize")
    model = tracking_store.create_logged_model(experiment_id, name="m")
    ready = tracking_store.finalize_logged_model(model.model_id, "LOGGED_MODEL_READY")
    assert ready.status == "READY"
    assert ready.last_updated_timestamp >= model.last_updated_timestamp
    failed = tracking_store.finalize_logged_model(model.model_id, "LOGGED_MODEL_UPLOAD_FAILED")
    assert failed.status == LoggedModelStatus.FAILED
    again = tracking_store.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    assert again.status is LoggedModelStatus.READY
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.finalize_logged_model(model.model_id, "DONE")


def test_tags_and_params(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("model-tags")
    model_id = tracking_store.create_logged_model(experiment_id, name="m").model_id
    tracking_store.set_logged_model_tags(model_id, [("a", "1"), ("b", "2")])
    tracking_store.set_logged_model_tags(model_id, [("a", "3")])
    tracking_store.delete_logged_model_tag(model_id, "b")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.delete_logged_model_tag(model_id, "b")
    tracking_store.log_logged_model_params(model_id, [("alpha", "0.5")])
    model = tracking_store.get_logged_model(model_id)
    assert dict(model.tags) == {"a": "3"}
    assert dict(model.params) == {"alpha": "0.5"}
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.set_logged_model_tags("m-missing", [("a", "1")])


def test_metrics_logged_with_model_id_link_to_model(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("model-metrics")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    model_id = tracking_store.create_logged_model(experiment_id, name="m").model_id
    tracking_store.log_batch(
        run_id,
        metrics=[
            Metric(
                "score", 0.9, 10, 0, dataset_name="eval", dataset_digest="abc", model_id=model_id
            )
        ],
    )
    metrics = tracking_store.get_logged_model(model_id).metrics
    assert [(m.key, m.value, m.run_id, m.model_id, m.dataset_name) for m in metrics] == [
        ("score", 0.9, run_id, model_id, "eval")
    ]


def test_search_by_name(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("search-models")
    wanted = tracking_store.create_logged_model(experiment_id, name="model").model_id
    tracking_store.create_logged_model(experiment_id, name="other")
    gone = tracking_store.create_logged_model(experiment_id, name="model").model_id
    tracking_store.delete_logged_model(gone)
    found = tracking_store.search_logged_models([experiment_id], filter_string="name = 'model'")
    assert [m.model_id for m in found] == [wanted]
    assert len(tracking_store.search_logged_models([experiment_id])) == 2
    assert list(tracking_store.search_logged_models([experiment_id], "name = 'none'")) == []
