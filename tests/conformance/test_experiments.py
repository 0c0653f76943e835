"""Experiments: ids, names, lifecycle, tags, and their error cases."""

from __future__ import annotations

import pytest

from mlharbor.entities import LifecycleStage, ViewType
from mlharbor.store.tracking.protocol import TrackingStore
from tests.conformance.helpers import raises_code


def test_default_experiment_exists(tracking_store: TrackingStore) -> None:
    default = tracking_store.get_experiment("0")
    assert default.name == "Default"
    assert default.lifecycle_stage == LifecycleStage.ACTIVE
    assert default.artifact_location.endswith("/0")


def test_ids_are_sequential_strings(tracking_store: TrackingStore) -> None:
    first = tracking_store.create_experiment("first")
    second = tracking_store.create_experiment("second")
    assert first == "1"
    assert second == "2"


def test_create_and_get(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment(
        "demo", artifact_location="s3://bucket/demo", tags=[("team", "vision"), ("k", "v")]
    )
    experiment = tracking_store.get_experiment(experiment_id)
    assert experiment.experiment_id == experiment_id
    assert experiment.name == "demo"
    assert experiment.artifact_location == "s3://bucket/demo"
    assert dict(experiment.tags) == {"team": "vision", "k": "v"}
    assert experiment.creation_time is not None
    assert experiment.last_update_time is not None
    assert tracking_store.get_experiment_by_name("demo") == experiment


def test_default_artifact_location_is_root_slash_id(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("located")
    default_root = tracking_store.get_experiment("0").artifact_location[: -len("/0")]
    location = tracking_store.get_experiment(experiment_id).artifact_location
    assert location == f"{default_root}/{experiment_id}"


def test_get_unknown(tracking_store: TrackingStore) -> None:
    with raises_code("RESOURCE_DOES_NOT_EXIST", "No Experiment with id=987654 exists"):
        tracking_store.get_experiment("987654")
    assert tracking_store.get_experiment_by_name("no-such-exp") is None


def test_duplicate_name_rejected_even_when_deleted(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("taken")
    with raises_code("RESOURCE_ALREADY_EXISTS", r"Experiment\(name=taken\) already exists"):
        tracking_store.create_experiment("taken")
    tracking_store.delete_experiment(experiment_id)
    with raises_code("RESOURCE_ALREADY_EXISTS"):
        tracking_store.create_experiment("taken")


@pytest.mark.parametrize("name", ["", "x" * 501])
def test_bad_names_rejected(tracking_store: TrackingStore, name: str) -> None:
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.create_experiment(name)
    assert tracking_store.get_experiment_by_name(name) is None


def test_bad_tag_stores_nothing(tracking_store: TrackingStore) -> None:
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.create_experiment("tagged", tags=[("ok", "1"), ("bad$key", "2")])
    assert tracking_store.get_experiment_by_name("tagged") is None


def test_runs_artifact_location_rejected(tracking_store: TrackingStore) -> None:
    with raises_code("INVALID_PARAMETER_VALUE", "runs:/"):
        tracking_store.create_experiment("bad-location", artifact_location="runs:/abc/model")


def test_delete_cascades_to_runs_and_restore_brings_them_back(
    tracking_store: TrackingStore,
) -> None:
    experiment_id = tracking_store.create_experiment("lifecycle")
    run = tracking_store.create_run(experiment_id, "me", 1000, [], None)
    tracking_store.delete_experiment(experiment_id)
    assert tracking_store.get_experiment(experiment_id).lifecycle_stage == "deleted"
    assert tracking_store.get_experiment_by_name("lifecycle") is not None
    assert tracking_store.get_run(run.info.run_id).info.lifecycle_stage == "deleted"
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.delete_experiment(experiment_id)

    tracking_store.restore_experiment(experiment_id)
    assert tracking_store.get_experiment(experiment_id).lifecycle_stage == "active"
    assert tracking_store.get_run(run.info.run_id).info.lifecycle_stage == "active"
    with raises_code("RESOURCE_DOES_NOT_EXIST", f"No Experiment with id={experiment_id} exists"):
        tracking_store.restore_experiment(experiment_id)


def test_default_experiment_can_be_deleted(tracking_store: TrackingStore) -> None:
    tracking_store.delete_experiment("0")
    assert tracking_store.get_experiment("0").lifecycle_stage == "deleted"


def test_rename(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("old-name")
    tracking_store.create_experiment("other")
    tracking_store.rename_experiment(experiment_id, "new-name")
    assert tracking_store.get_experiment(experiment_id).name == "new-name"
    assert tracking_store.get_experiment_by_name("old-name") is None
    with raises_code("RESOURCE_ALREADY_EXISTS"):
        tracking_store.rename_experiment(experiment_id, "other")
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.rename_experiment(experiment_id, "")
    assert tracking_store.get_experiment(experiment_id).name == "new-name"


def test_rename_deleted_is_invalid_state(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("doomed")
    tracking_store.delete_experiment(experiment_id)
    with raises_code("INVALID_STATE", "Cannot rename a non-active experiment."):
        tracking_store.rename_experiment(experiment_id, "renamed")
    assert tracking_store.get_experiment(experiment_id).name == "doomed"


def test_tags_upsert_and_delete(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("tags")
    tracking_store.set_experiment_tag(experiment_id, "stage", "dev")
    tracking_store.set_experiment_tag(experiment_id, "stage", "prod")
    tracking_store.set_experiment_tag(experiment_id, "mlflow.note.content", "notes")
    tags = tracking_store.get_experiment(experiment_id).tags
    assert dict(tags) == {"stage": "prod", "mlflow.note.content": "notes"}
    tracking_store.delete_experiment_tag(experiment_id, "stage")
    assert dict(tracking_store.get_experiment(experiment_id).tags) == {
        "mlflow.note.content": "notes"
    }
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.delete_experiment_tag(experiment_id, "stage")


def test_tag_limits(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("tag-limits")
    tracking_store.set_experiment_tag(experiment_id, "k" * 250, "v" * 20000)
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.set_experiment_tag(experiment_id, "k" * 251, "v")
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.set_experiment_tag(experiment_id, "long", "v" * 20001)
    assert set(tracking_store.get_experiment(experiment_id).tags) == {"k" * 250}


def test_tag_on_deleted_experiment_rejected(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("deleted-tags")
    tracking_store.delete_experiment(experiment_id)
    with raises_code(
        "INVALID_PARAMETER_VALUE",
        f"The experiment {experiment_id} must be in the 'active' state. Current state is deleted.",
    ):
        tracking_store.set_experiment_tag(experiment_id, "k", "v")
    assert dict(tracking_store.get_experiment(experiment_id).tags) == {}


def test_search_by_view_type_and_name(tracking_store: TrackingStore) -> None:
    alive = tracking_store.create_experiment("alpha-live")
    dead = tracking_store.create_experiment("alpha-dead")
    tracking_store.create_experiment("beta")
    tracking_store.delete_experiment(dead)

    active = tracking_store.search_experiments(filter_string="name LIKE 'alpha%'")
    assert [e.experiment_id for e in active] == [alive]
    deleted = tracking_store.search_experiments(view_type=ViewType.DELETED_ONLY)
    assert [e.experiment_id for e in deleted] == [dead]
    everything = tracking_store.search_experiments(view_type=ViewType.ALL)
    assert {e.name for e in everything} == {"Default", "alpha-live", "alpha-dead", "beta"}


def test_search_default_order_and_paging(tracking_store: TrackingStore) -> None:
    ids = [tracking_store.create_experiment(f"page-{i}") for i in range(5)]
    seen: list[str] = []
    token = None
    for _ in range(10):
        page = tracking_store.search_experiments(
            max_results=2, page_token=token, filter_string="name LIKE 'page-%'"
        )
        seen.extend(e.experiment_id for e in page)
        token = page.token
        if token is None:
            break
    # Newest first; experiments created in the same millisecond tie-break by id.
    assert sorted(seen, key=int) == ids
    assert len(seen) == 5
    by_name = tracking_store.search_experiments(
        filter_string="name LIKE 'page-%'", order_by=["name DESC"]
    )
    assert [e.name for e in by_name] == [f"page-{i}" for i in reversed(range(5))]


def test_search_tags_filter(tracking_store: TrackingStore) -> None:
    tagged = tracking_store.create_experiment("tagged-exp", tags=[("team", "nlp")])
    tracking_store.create_experiment("untagged-exp")
    found = tracking_store.search_experiments(filter_string="tags.team = 'nlp'")
    assert [e.experiment_id for e in found] == [tagged]


@pytest.mark.parametrize("max_results", [0, 50001])
def test_search_max_results_bounds(tracking_store: TrackingStore, max_results: int) -> None:
    with raises_code("INVALID_PARAMETER_VALUE", "max_results"):
        tracking_store.search_experiments(max_results=max_results)


def test_search_bad_filter(tracking_store: TrackingStore) -> None:
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.search_experiments(filter_string="name = 'a' OR name = 'b'")
