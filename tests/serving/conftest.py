"""Fixtures for the scoring server: iris models saved to disk, in-process clients, a tracking
server with a registry, and a scoring server started with ``mlharbor models serve``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.fixtures.servers import RunningServer, free_port, run_server
from tests.spec_paths import TRANSCRIPTS

IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
MLHARBOR = str(Path(sys.executable).with_name("mlharbor"))


def load_transcript(name: str) -> list[Any]:
    """The exchanges of ``shared/spec/transcripts/<name>.jsonl``, for ``parametrize``; without
    the spec, one skipped case saying where it is expected."""
    path = TRANSCRIPTS / f"{name}.jsonl"
    if not path.exists():
        reason = f"recorded MLflow traffic {path} not available (the spec lives in ../shared)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-transcript")]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def train_iris(columns: list[str] | None = None, n_estimators: int = 100) -> tuple[Any, Any]:
    """A RandomForest on iris (fixed seed) and the feature frame it was trained on."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    features, target = load_iris(return_X_y=True, as_frame=True)
    if columns is not None:
        features.columns = columns
    model = RandomForestClassifier(n_estimators=n_estimators, random_state=42)
    return model.fit(features, target), features


@pytest.fixture(scope="session")
def iris_model_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The recorded iris RandomForest: snake_case columns, no signature."""
    import mlharbor.sklearn

    model, _ = train_iris(IRIS_COLUMNS)
    path = tmp_path_factory.mktemp("models") / "iris"
    mlharbor.sklearn.save_model(model, str(path))
    return str(path)


@pytest.fixture(scope="session")
def signature_model_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An iris RandomForest with scikit-learn's column names and an inferred signature."""
    import mlharbor.sklearn
    from mlharbor.models.signature import infer_signature

    model, features = train_iris()
    path = tmp_path_factory.mktemp("models") / "iris-signature"
    signature = infer_signature(features, model.predict(features))
    mlharbor.sklearn.save_model(model, str(path), signature=signature)
    return str(path)


@pytest.fixture(scope="session")
def iris_client(iris_model_dir: str) -> Iterator[TestClient]:
    """The scoring app for ``iris_model_dir``, in-process."""
    from mlharbor.serving import create_app

    app = create_app(iris_model_dir)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def signature_client(signature_model_dir: str) -> Iterator[TestClient]:
    """The scoring app for ``signature_model_dir``, in-process."""
    from mlharbor.serving import create_app

    app = create_app(signature_model_dir)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real ``mlharbor server`` with proxied artifacts, shared by one test module."""
    root = tmp_path_factory.mktemp("tracking")
    port = free_port()
    cmd = [
        MLHARBOR,
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlharbor.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--port",
        str(port),
    ]
    with run_server(cmd, port, timeout_s=90, cwd=root) as server:
        yield server


@pytest.fixture
def tracking_env(tracking_server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point this process's client at ``tracking_server``; returns its URL."""
    from tests.client.isolation import reset_client_state

    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLHARBOR_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    reset_client_state()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_server.url)
    yield tracking_server.url
    reset_client_state()


def serve_command(model_uri: str, port: int, *extra: str) -> list[str]:
    """``mlharbor models serve`` for ``model_uri`` on ``port``."""
    return [MLHARBOR, "models", "serve", "-m", model_uri, "--port", str(port), *extra]


def register_iris(name: str, model: Any, alias: str | None = None) -> str:
    """Log ``model`` in a new run, register it under ``name`` and return the version number."""
    import mlharbor
    import mlharbor.sklearn
    from mlharbor.client.client import MlharborClient

    mlharbor.set_experiment("serving-tests")
    with mlharbor.start_run() as run:
        mlharbor.sklearn.log_model(model, name="model")
    version = mlharbor.register_model(f"runs:/{run.info.run_id}/model", name)
    if alias is not None:
        MlharborClient().set_registered_model_alias(name, alias, version.version)
    return str(version.version)
