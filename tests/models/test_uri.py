"""Model URI parsing and resolution to local model directories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.uri import ModelsUri, download_model, parse_models_uri, resolve_model_uri

MODEL_ID = "m-" + "a" * 32


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (f"models:/{MODEL_ID}", ModelsUri(model_id=MODEL_ID)),
        (f"models:/{MODEL_ID}/MLmodel", ModelsUri(model_id=MODEL_ID, sub_path="MLmodel")),
        ("models:/iris-rf/3", ModelsUri(name="iris-rf", version="3")),
        ("models:/iris-rf/latest", ModelsUri(name="iris-rf", latest=True)),
        ("models:/iris-rf/LATEST", ModelsUri(name="iris-rf", latest=True)),
        ("models:/iris-rf/Production", ModelsUri(name="iris-rf", stage="Production")),
        ("models:/iris-rf@production", ModelsUri(name="iris-rf", alias="production")),
        ("models:/iris-rf/1/sub/dir", ModelsUri(name="iris-rf", version="1", sub_path="sub/dir")),
    ],
)
def test_parse_models_uri(uri: str, expected: ModelsUri) -> None:
    assert parse_models_uri(uri) == expected


@pytest.mark.parametrize(
    "uri", ["models:/", "models:/only-a-name", "models://host/x/1", "models:/@alias", "runs:/x"]
)
def test_malformed_models_uri(uri: str) -> None:
    with pytest.raises(InvalidParameterValue, match="Not a proper models:/ URI"):
        parse_models_uri(uri)


@pytest.fixture
def saved_model(tmp_path: Path, iris: Any) -> Path:
    features, target = iris
    path = tmp_path / "saved"
    mlflow.sklearn.save_model(LogisticRegression(max_iter=300).fit(features, target), path)
    return path


def test_local_paths_are_used_in_place(saved_model: Path) -> None:
    assert download_model(str(saved_model)) == str(saved_model)
    assert download_model(saved_model.as_uri()) == str(saved_model)


def test_dst_path_copies_a_local_model(saved_model: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy"
    target.mkdir()
    copied = Path(download_model(saved_model.as_uri(), str(target)))
    assert copied.parent == target
    assert (copied / "MLmodel").is_file()


def test_missing_local_path(tmp_path: Path) -> None:
    with pytest.raises(ResourceDoesNotExist, match="No model exists"):
        download_model(str(tmp_path / "absent"))


def test_runs_uri_prefers_run_artifacts(workdir: Path, saved_model: Path) -> None:
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(saved_model), "packaged")
    uri = f"runs:/{run.info.run_id}/packaged"
    assert resolve_model_uri(uri) == f"{run.info.artifact_uri}/packaged"
    assert mlflow.pyfunc.load_model(uri).metadata.flavors["sklearn"]["pickled_model"] == "model.pkl"


def test_runs_uri_falls_back_to_the_runs_logged_model(workdir: Path, iris: Any) -> None:
    features, target = iris
    model = LogisticRegression(max_iter=300).fit(features, target)
    with mlflow.start_run() as other:
        mlflow.sklearn.log_model(model, name="model")
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(model, name="model")
    logged = MlharborClient().get_logged_model(info.model_id)
    assert resolve_model_uri(f"runs:/{run.info.run_id}/model") == logged.artifact_location
    assert resolve_model_uri(f"runs:/{run.info.run_id}/model/MLmodel") == (
        logged.artifact_location + "/MLmodel"
    )
    assert resolve_model_uri(f"runs:/{other.info.run_id}/model") != logged.artifact_location


def test_runs_uri_without_model(workdir: Path) -> None:
    with mlflow.start_run() as run:
        pass
    with pytest.raises(ResourceDoesNotExist, match="no logged model named 'nothing'"):
        mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/nothing")
    with pytest.raises(InvalidParameterValue, match="Not a proper runs:/ URI"):
        resolve_model_uri("runs:/")


def test_unknown_registry_references(workdir: Path) -> None:
    with pytest.raises(ResourceDoesNotExist):
        mlflow.pyfunc.load_model(f"models:/{MODEL_ID}")
    with pytest.raises(ResourceDoesNotExist):
        mlflow.pyfunc.load_model("models:/no-such-model/1")


def test_s3_model_is_downloaded_then_loaded(
    s3_bucket: str, saved_model: Path, tmp_path: Path, iris: Any
) -> None:
    from mlharbor.store.artifact.factory import get_artifact_repository

    features, _ = iris
    uri = f"s3://{s3_bucket}/models/iris"
    get_artifact_repository(uri).log_artifacts(str(saved_model))
    expected = mlflow.sklearn.load_model(str(saved_model)).predict(features)
    loaded = mlflow.pyfunc.load_model(uri)
    assert loaded.predict(features).tolist() == expected.tolist()
    target = tmp_path / "download"
    target.mkdir()
    mlflow.sklearn.load_model(uri, dst_path=str(target))
    assert (target / "iris" / "MLmodel").is_file()
