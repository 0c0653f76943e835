"""mlharbor's registry client against a stock ``mlflow server`` 3.17.2."""

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
from mlharbor.store.registry.rest import RestRegistryStore
from tests.fixtures.servers import RunningServer, free_port, run_server

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def mlflow_server(
    mlflow_python: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("mlflow-registry")
    port = free_port()
    cmd = [
        str(Path(mlflow_python).with_name("mlflow")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    env = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    with run_server(cmd, port, "/health", env, timeout_s=180, cwd=root) as server:
        yield server


@pytest.fixture
def client(mlflow_server: RunningServer) -> Iterator[MlharborClient]:
    yield MlharborClient(tracking_uri=mlflow_server.url)
    clear_registry_store_cache()


def test_registry_round_trip(client: MlharborClient) -> None:
    experiment_id = client.create_experiment("interop-registry")
    run_id = client.create_run(experiment_id).info.run_id
    client.log_text(run_id, "flavors: {}\n", "model/MLmodel")
    created = client.create_registered_model("interop", tags={"team": "ml"}, description="d")
    assert (created.name, created.tags, created.description) == ("interop", {"team": "ml"}, "d")
    source = f"runs:/{run_id}/model"
    for _ in range(3):
        client.create_model_version("interop", source, run_id=run_id, tags={"k": "v"})
    client.set_registered_model_alias("interop", "champion", 3)
    assert client.get_model_version_by_alias("interop", "champion").aliases == ("champion",)
    client.transition_model_version_stage("interop", 1, "Staging")
    client.transition_model_version_stage("interop", 2, "Production")
    client.transition_model_version_stage(
        "interop", 3, "production", archive_existing_versions=True
    )
    stages = {mv.version: mv.current_stage for mv in client.get_latest_versions("interop")}
    assert stages == {"1": "Staging", "2": "Archived", "3": "Production"}
    model = client.get_registered_model("interop")
    assert model.aliases == {"champion": "3"}
    assert [mv.version for mv in model.latest_versions] == ["1", "2", "3"]
    assert resolve_models_uri("models:/interop@champion", client) == source
    assert resolve_models_uri("models:/interop/Production", client) == source

    page = client.search_model_versions("name = 'interop'", max_results=2)
    assert [mv.version for mv in page] == ["3", "2"]
    rest = client.search_model_versions("name = 'interop'", page_token=page.token)
    assert [mv.version for mv in rest] == ["1"]
    assert [m.name for m in client.search_registered_models("name LIKE 'inter%'")] == ["interop"]

    copy = client.copy_model_version("models:/interop/3", "interop-copy")
    assert (copy.version, copy.source) == ("1", "models:/interop/3")
    client.rename_registered_model("interop-copy", "interop-renamed")
    client.delete_registered_model("interop-renamed")
    client.delete_model_version_tag("interop", 3, "k")
    client.delete_registered_model_tag("interop", "team")
    client.delete_registered_model_alias("interop", "champion")
    client.delete_model_version("interop", 1)
    assert client.create_model_version("interop", source, run_id=run_id).version == "4"


def test_errors_carry_mlflow_codes(mlflow_server: RunningServer) -> None:
    store = RestRegistryStore(mlflow_server.url)
    store.create_registered_model("interop-errors")
    expected = {
        "RESOURCE_DOES_NOT_EXIST": lambda: store.get_registered_model("nope"),
        "RESOURCE_ALREADY_EXISTS": lambda: store.create_registered_model("interop-errors"),
        "INVALID_PARAMETER_VALUE": lambda: store.get_model_version_by_alias(
            "interop-errors", "nope"
        ),
    }
    for code, call in expected.items():
        with pytest.raises(MlharborException) as caught:
            call()
        assert caught.value.error_code == code
    assert store.get_latest_versions("interop-errors", ["Production"]) == []


def test_register_logged_model(client: MlharborClient, mlflow_server: RunningServer) -> None:
    experiment_id = client.create_experiment("interop-logged")
    run_id = client.create_run(experiment_id).info.run_id
    model = client.create_logged_model(experiment_id, name="clf", source_run_id=run_id)
    client.finalize_logged_model(model.model_id, "LOGGED_MODEL_READY")
    mlharbor.set_tracking_uri(mlflow_server.url)
    try:
        by_run = mlharbor.register_model(f"runs:/{run_id}/clf", "interop-logged")
        by_id = mlharbor.register_model(f"models:/{model.model_id}", "interop-logged")
    finally:
        mlharbor.set_tracking_uri(None)
    assert (by_run.version, by_id.version) == ("1", "2")
    assert by_run.source == by_id.source == f"models:/{model.model_id}"
    assert by_run.run_id == run_id
    entries = json.loads(client.get_logged_model(model.model_id).tags["mlflow.modelVersions"])
    # MLflow's server records each version; the client does not add it a second time
    assert entries == [
        {"name": "interop-logged", "version": 1},
        {"name": "interop-logged", "version": 2},
    ]
    location = client.get_logged_model(model.model_id).artifact_location
    assert resolve_models_uri("models:/interop-logged/latest", client) == location
