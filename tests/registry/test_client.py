"""MlharborClient's registry methods, ``register_model`` and ``models:/`` resolution, against a
local SQLite store and against a live ``mlharbor server`` (through the REST registry store)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlharbor
from mlharbor.client.client import MlharborClient
from mlharbor.client.registry_fluent import resolve_models_uri
from mlharbor.exceptions import MlharborException
from mlharbor.store.registry.factory import clear_registry_store_cache
from tests.fixtures.servers import RunningServer


# Each test uses its own model and experiment names: the live server is shared by the module.
@pytest.fixture(params=["sqlite", "server"])
def tracking_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The tracking (and registry) URI in effect for one test; reset afterwards."""
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path / 'local.db'}"
    else:
        server: RunningServer = request.getfixturevalue("harbor_server")
        uri = server.url
    mlharbor.set_tracking_uri(uri)
    try:
        yield uri
    finally:
        mlharbor.set_tracking_uri(None)
        clear_registry_store_cache()


def _run_with_model_dir(client: MlharborClient, experiment: str) -> str:
    experiment_id = client.create_experiment(experiment)
    run_id = client.create_run(experiment_id).info.run_id
    client.log_text(run_id, "flavors: {}\n", "model/MLmodel")
    return run_id


def test_register_plain_artifact_dir_and_aliases(tracking_uri: str) -> None:
    client = MlharborClient()
    name = "iris-rf"
    run_id = _run_with_model_dir(client, f"exp-{name}")
    first = mlharbor.register_model(f"runs:/{run_id}/model", name)
    second = mlharbor.register_model(f"runs:/{run_id}/model", name, tags={"try": "2"})
    assert (first.version, second.version) == ("1", "2")
    assert first.run_id == run_id
    assert first.source.endswith(f"{run_id}/artifacts/model")
    assert second.tags == {"try": "2"}

    # champion / challenger switch
    client.set_registered_model_alias(name, "champion", 1)
    client.set_registered_model_alias(name, "challenger", "2")
    client.set_registered_model_alias(name, "champion", "2")
    client.delete_registered_model_alias(name, "challenger")
    assert client.get_registered_model(name).aliases == {"champion": "2"}
    assert client.get_model_version_by_alias(name, "champion").version == "2"

    assert resolve_models_uri(f"models:/{name}@champion", client) == second.source
    assert resolve_models_uri(f"models:/{name}/1", client) == first.source
    assert resolve_models_uri(f"models:/{name}/latest", client) == second.source
    assert resolve_models_uri(f"models:/{name}/1/MLmodel", client) == first.source + "/MLmodel"
    with pytest.raises(MlharborException):
        resolve_models_uri(f"models:/{name}@nobody", client)


def _promote_to_production(
    client: MlharborClient, model_name: str, version: int, min_accuracy: float = 0.90
) -> None:
    """Seed 004's promotion step, as its readers write it."""
    model_version = client.get_model_version(model_name, version)
    run = client.get_run(model_version.run_id or "")
    accuracy = run.data.metrics.get("accuracy", 0)
    if accuracy < min_accuracy:
        raise ValueError(f"Model accuracy {accuracy:.4f} is below minimum {min_accuracy}")
    client.transition_model_version_stage(
        name=model_name, version=version, stage="Production", archive_existing_versions=True
    )


def test_promote_to_production_with_legacy_stages(tracking_uri: str) -> None:
    client = MlharborClient()
    name = "MyClassifier"
    experiment_id = client.create_experiment(f"exp-{name}")
    runs = []
    for accuracy in (0.85, 0.92, 0.94):
        run_id = client.create_run(experiment_id).info.run_id
        client.log_metric(run_id, "accuracy", accuracy)
        runs.append(run_id)
    client.create_registered_model(name)
    for run_id in runs:
        registered = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
        client.update_model_version(name, registered.version, description=f"run {run_id}")
        client.set_model_version_tag(name, registered.version, "validated_by", "data-science-team")
    client.transition_model_version_stage(
        name=name, version=1, stage="Staging", archive_existing_versions=False
    )
    with pytest.raises(ValueError, match="below minimum"):
        _promote_to_production(client, name, 1)
    _promote_to_production(client, name, 2)
    _promote_to_production(client, name, 3)
    stages = {mv.version: mv.current_stage for mv in client.get_latest_versions(name)}
    assert stages == {"1": "Staging", "2": "Archived", "3": "Production"}
    assert [mv.version for mv in client.get_latest_versions(name, stages=["Production"])] == ["3"]
    production = resolve_models_uri(f"models:/{name}/Production", client)
    assert production == resolve_models_uri(f"models:/{name}/production", client)
    assert production == f"runs:/{runs[2]}/model"
    client.set_model_version_tag(name, stage="Production", key="approved", value=True)
    assert client.get_model_version(name, 3).tags == {
        "approved": "True",
        "validated_by": "data-science-team",
    }
    with pytest.raises(MlharborException, match="No versions of model"):
        resolve_models_uri(f"models:/{name}/None", client)


def test_register_logged_model_records_the_version(tracking_uri: str) -> None:
    client = MlharborClient()
    name = "logged"
    experiment_id = client.create_experiment(f"exp-{name}")
    run_id = client.create_run(experiment_id).info.run_id
    model = client.create_logged_model(experiment_id, name="clf", source_run_id=run_id)
    version = mlharbor.register_model(f"models:/{model.model_id}", name)
    assert version.source == f"models:/{model.model_id}"
    assert version.run_id == run_id
    entries = json.loads(client.get_logged_model(model.model_id).tags["mlflow.modelVersions"])
    # recorded once, as the number the store writes (MLflow's local store does the same)
    assert entries == [{"name": name, "version": 1}]
    location = client.get_logged_model(model.model_id).artifact_location
    assert resolve_models_uri(f"models:/{name}/1", client) == location
    assert resolve_models_uri(f"models:/{model.model_id}", client) == location


def test_copy_rename_search_delete(tracking_uri: str) -> None:
    client = MlharborClient()
    name = "copy-src"
    run_id = _run_with_model_dir(client, f"exp-{name}")
    client.create_registered_model(name, tags={"team": "ml"}, description="source")
    client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id, tags={"k": "v"})
    client.set_registered_model_alias(name, "champion", 1)
    copy = client.copy_model_version(f"models:/{name}@champion", f"{name}-copy")
    assert (copy.version, copy.source, copy.tags) == ("1", f"models:/{name}/1", {"k": "v"})
    renamed = client.rename_registered_model(f"{name}-copy", f"{name}-renamed")
    assert renamed.latest_versions[0].name == f"{name}-renamed"
    found = mlharbor.search_registered_models(filter_string=f"name LIKE '{name}%'")
    assert [m.name for m in found] == [name, f"{name}-renamed"]
    versions = mlharbor.search_model_versions(filter_string=f"name = '{name}' and tags.k = 'v'")
    assert [v.version for v in versions] == ["1"]
    client.update_registered_model(name, "changed")
    client.update_model_version(name, 1, "v1")
    assert client.get_registered_model(name).description == "changed"
    assert client.get_model_version(name, "1").description == "v1"
    client.delete_model_version_tag(name, 1, "k")
    client.delete_registered_model_tag(name, "team")
    client.delete_model_version(name, 1)
    client.delete_registered_model(f"{name}-renamed")
    with pytest.raises(MlharborException) as missing:
        client.get_registered_model(f"{name}-renamed")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlharborException) as duplicate:
        client.create_registered_model(name)
    assert duplicate.value.error_code == "RESOURCE_ALREADY_EXISTS"
