"""SqlRegistryStore behaviour on SQLite and PostgreSQL: models, versions, stages, aliases, tags."""

from __future__ import annotations

import json

import pytest

from mlharbor.entities import ModelVersionTag, RegisteredModelTag
from mlharbor.exceptions import (
    InvalidParameterValue,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from mlharbor.store.registry.sql.store import SqlRegistryStore
from tests.registry.conftest import Backend


def _versions(store: SqlRegistryStore, name: str, count: int) -> None:
    for i in range(count):
        store.create_model_version(name, f"s3://bucket/{name}/{i}")


def test_create_and_get_registered_model(store: SqlRegistryStore) -> None:
    created = store.create_registered_model(
        "iris-rf", [RegisteredModelTag("team", "ml")], "random forest"
    )
    assert created.name == "iris-rf"
    assert created.description == "random forest"
    assert created.tags == {"team": "ml"}
    assert created.creation_timestamp == created.last_updated_timestamp > 0
    fetched = store.get_registered_model("iris-rf")
    assert fetched == created


def test_duplicate_and_bad_names_are_refused(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    with pytest.raises(
        ResourceAlreadyExists, match=r"Registered Model \(name=m\) already exists\."
    ):
        store.create_registered_model("m")
    with pytest.raises(InvalidParameterValue, match="Names cannot contain '/' or ':'"):
        store.create_registered_model("bad/name")
    with pytest.raises(InvalidParameterValue, match="Missing value for required parameter 'name'"):
        store.create_registered_model("  ")
    with pytest.raises(ResourceDoesNotExist, match="Registered Model with name=nope not found"):
        store.get_registered_model("nope")


def test_version_numbers_increase_and_are_never_reused(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    _versions(store, "m", 3)
    store.delete_model_version("m", "3")
    again = store.create_model_version("m", "s3://bucket/again")
    assert again.version == "4"
    with pytest.raises(
        ResourceDoesNotExist, match=r"Model Version \(name=m, version=3\) not found"
    ):
        store.get_model_version("m", "3")
    assert [mv.version for mv in store.search_model_versions("name = 'm'")] == ["4", "2", "1"]


def test_create_version_of_missing_model_stores_nothing(store: SqlRegistryStore) -> None:
    with pytest.raises(ResourceDoesNotExist):
        store.create_model_version("ghost", "s3://bucket/x")
    assert list(store.search_model_versions()) == []


def test_version_fields(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    mv = store.create_model_version(
        "m",
        "s3://bucket/model",
        run_id="0123456789abcdef0123456789abcdef",
        tags=[ModelVersionTag("origin", "test")],
        run_link="http://example/run",
        description="first",
    )
    assert mv.version == "1"
    assert mv.current_stage == "None"
    assert mv.status == "READY"
    assert mv.source == "s3://bucket/model"
    assert mv.run_id == "0123456789abcdef0123456789abcdef"
    assert mv.tags == {"origin": "test"}
    assert mv.run_link == "http://example/run"
    assert mv.description == "first"
    assert store.get_model_version_download_uri("m", "1") == "s3://bucket/model"
    with pytest.raises(InvalidParameterValue, match="Parameter 'version' must be an integer"):
        store.get_model_version("m", "abc")


def test_stages_and_archive_existing_versions(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    _versions(store, "m", 3)
    store.transition_model_version_stage("m", "1", "Staging")
    store.transition_model_version_stage("m", "2", "production")
    moved = store.transition_model_version_stage(
        "m", "3", "Production", archive_existing_versions=True
    )
    assert moved.current_stage == "Production"
    stages = {mv.version: mv.current_stage for mv in store.get_latest_versions("m")}
    assert stages == {"1": "Staging", "2": "Archived", "3": "Production"}
    assert [mv.version for mv in store.get_latest_versions("m", ["PRODUCTION"])] == ["3"]
    assert store.get_latest_versions("m", ["None"]) == []
    with pytest.raises(InvalidParameterValue, match="Invalid Model Version stage: Prod\\."):
        store.transition_model_version_stage("m", "1", "Prod")
    with pytest.raises(InvalidParameterValue, match="not an Active stage"):
        store.transition_model_version_stage("m", "1", "Archived", archive_existing_versions=True)
    with pytest.raises(ResourceDoesNotExist):
        store.get_latest_versions("ghost")


def test_latest_versions_of_model_are_newest_per_stage(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    _versions(store, "m", 4)
    store.transition_model_version_stage("m", "2", "Staging")
    latest = store.get_registered_model("m").latest_versions
    assert [(mv.version, mv.current_stage) for mv in latest] == [("2", "Staging"), ("4", "None")]
    assert all(mv.aliases == () for mv in latest)


def test_aliases_move_and_follow_deletion(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    _versions(store, "m", 2)
    store.set_registered_model_alias("m", "champion", "1")
    store.set_registered_model_alias("m", "challenger", "2")
    assert store.get_model_version_by_alias("m", "champion").version == "1"
    # the challenger wins: champion moves to version 2
    store.set_registered_model_alias("m", "champion", "2")
    assert store.get_registered_model("m").aliases == {"challenger": "2", "champion": "2"}
    assert store.get_model_version("m", "2").aliases == ("challenger", "champion")
    store.delete_registered_model_alias("m", "challenger")
    store.delete_registered_model_alias("m", "never-set")
    store.delete_model_version("m", "2")
    assert store.get_registered_model("m").aliases == {}
    with pytest.raises(InvalidParameterValue, match="Registered model alias champion not found\\."):
        store.get_model_version_by_alias("m", "champion")


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("latest", "'latest' alias name \\(case insensitive\\) is reserved\\."),
        ("LATEST", "'latest' alias name"),
        ("v2", "Version alias name 'v2' is reserved\\."),
        ("V10", "Version alias name 'V10' is reserved\\."),
        ("has space", "Invalid alias name"),
        ("", "cannot be empty"),
    ],
)
def test_bad_aliases_are_refused(store: SqlRegistryStore, alias: str, message: str) -> None:
    store.create_registered_model("m")
    _versions(store, "m", 1)
    with pytest.raises(InvalidParameterValue, match=message):
        store.set_registered_model_alias("m", alias, "1")


def test_alias_to_missing_version_is_not_found(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    with pytest.raises(
        ResourceDoesNotExist, match=r"Model Version \(name=m, version=5\) not found"
    ):
        store.set_registered_model_alias("m", "champion", "5")


def test_tags_set_overwrite_delete(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    _versions(store, "m", 1)
    store.set_registered_model_tag("m", RegisteredModelTag("task", "classification"))
    store.set_registered_model_tag("m", RegisteredModelTag("task", "regression"))
    store.set_model_version_tag("m", "1", ModelVersionTag("validation_status", "approved"))
    assert store.get_registered_model("m").tags == {"task": "regression"}
    assert store.get_model_version("m", "1").tags == {"validation_status": "approved"}
    store.delete_model_version_tag("m", "1", "validation_status")
    store.delete_registered_model_tag("m", "task")
    store.delete_registered_model_tag("m", "absent")
    assert store.get_registered_model("m").tags == {}
    assert store.get_model_version("m", "1").tags == {}
    with pytest.raises(InvalidParameterValue, match="'key' exceeds the maximum length of 250"):
        store.set_registered_model_tag("m", RegisteredModelTag("k" * 251, "v"))
    with pytest.raises(InvalidParameterValue, match="Names may only contain"):
        store.set_model_version_tag("m", "1", ModelVersionTag("bad$key", "v"))


def test_timestamps_follow_mlflow(store: SqlRegistryStore) -> None:
    created = store.create_registered_model("m")
    mv = store.create_model_version("m", "s3://b/1")
    after_version = store.get_registered_model("m").last_updated_timestamp
    assert after_version >= mv.creation_timestamp >= created.creation_timestamp
    store.set_registered_model_tag("m", RegisteredModelTag("k", "v"))
    store.set_registered_model_alias("m", "a", "1")
    assert store.get_registered_model("m").last_updated_timestamp == after_version
    updated = store.update_model_version("m", "1", "described")
    assert updated.description == "described"
    assert updated.last_updated_timestamp >= mv.last_updated_timestamp


def test_rename_moves_versions_tags_and_aliases(store: SqlRegistryStore) -> None:
    store.create_registered_model("old", [RegisteredModelTag("k", "v")])
    _versions(store, "old", 2)
    store.set_model_version_tag("old", "2", ModelVersionTag("t", "1"))
    store.set_registered_model_alias("old", "champion", "2")
    renamed = store.rename_registered_model("old", "new")
    assert renamed.name == "new"
    assert renamed.tags == {"k": "v"}
    assert renamed.aliases == {"champion": "2"}
    assert store.get_model_version("new", "2").tags == {"t": "1"}
    assert store.create_model_version("new", "s3://b/3").version == "3"
    with pytest.raises(ResourceDoesNotExist):
        store.get_registered_model("old")
    store.create_registered_model("other")
    with pytest.raises(ResourceAlreadyExists, match=r"\(name=other\) already exists"):
        store.rename_registered_model("new", "other")


def test_delete_registered_model_removes_everything(store: SqlRegistryStore) -> None:
    store.create_registered_model("m", [RegisteredModelTag("k", "v")])
    _versions(store, "m", 2)
    store.set_registered_model_alias("m", "a", "1")
    store.delete_registered_model("m")
    with pytest.raises(ResourceDoesNotExist):
        store.get_registered_model("m")
    assert list(store.search_model_versions("name = 'm'")) == []
    recreated = store.create_registered_model("m")
    assert recreated.tags == {}
    assert recreated.aliases == {}
    assert store.create_model_version("m", "s3://b/x").version == "1"


def test_copy_model_version(store: SqlRegistryStore) -> None:
    store.create_registered_model("src")
    original = store.create_model_version(
        "src", "s3://b/model", tags=[ModelVersionTag("origin", "x")], description="d"
    )
    copy = store.copy_model_version(original, "dst")
    assert (copy.name, copy.version, copy.source) == ("dst", "1", "models:/src/1")
    assert copy.tags == {"origin": "x"}
    assert copy.description == "d"
    assert store.get_model_version_download_uri("dst", "1") == "s3://b/model"
    assert store.copy_model_version(original, "dst").version == "2"


def test_logged_model_source_resolves_and_records_registration(backend: Backend) -> None:
    tracking, store = backend.tracking, backend.registry
    experiment_id = tracking.create_experiment("exp")
    run = tracking.create_run(experiment_id, "user", 0, [], "run")
    model = tracking.create_logged_model(experiment_id, "model", run.info.run_id)
    store.create_registered_model("iris-rf")
    mv = store.create_model_version("iris-rf", f"models:/{model.model_id}", model_id=model.model_id)
    assert mv.run_id == run.info.run_id
    assert mv.model_id == model.model_id
    assert store.get_model_version_download_uri("iris-rf", "1") == model.artifact_location
    tag = tracking.get_logged_model(model.model_id).tags["mlflow.modelVersions"]
    assert json.loads(tag) == [{"name": "iris-rf", "version": 1}]
    with pytest.raises(InvalidParameterValue, match="Unable to fetch model"):
        store.create_model_version("iris-rf", "models:/m-00000000000000000000000000000000")


def test_field_limits_leave_nothing_behind(store: SqlRegistryStore) -> None:
    store.create_registered_model("m")
    with pytest.raises(InvalidParameterValue, match="'value' exceeds the maximum length"):
        store.create_model_version("m", "s3://b/x", tags=[ModelVersionTag("k", "v" * 100001)])
    assert store.create_model_version("m", "s3://b/x").version == "1"
