"""Tracking URI resolution and the tracking store factory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlharbor.client import tracking_uri
from mlharbor.client.client import MlharborClient
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.tracking.factory import get_tracking_store, resolve_tracking_uri


def test_default_and_environment_order(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert tracking_uri.get_tracking_uri() == f"sqlite:///{workdir}/mlflow.db"
    assert not tracking_uri.is_tracking_uri_set()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")
    assert tracking_uri.get_tracking_uri() == "sqlite:///mlflow.db"
    monkeypatch.setenv("MLHARBOR_TRACKING_URI", "sqlite:///harbor.db")
    assert tracking_uri.get_tracking_uri() == "sqlite:///harbor.db"
    tracking_uri.set_tracking_uri("sqlite:///explicit.db")
    assert tracking_uri.get_tracking_uri() == "sqlite:///explicit.db"
    assert os.environ["MLFLOW_TRACKING_URI"] == "sqlite:///explicit.db"
    assert tracking_uri.is_tracking_uri_set()


def test_registry_uri_defaults_to_tracking(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tracking_uri.set_tracking_uri("sqlite:///t.db")
    assert tracking_uri.get_registry_uri() == "sqlite:///t.db"
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", "sqlite:///r.db")
    assert tracking_uri.get_registry_uri() == "sqlite:///r.db"
    tracking_uri.set_registry_uri("sqlite:///set.db")
    assert tracking_uri.get_registry_uri() == "sqlite:///set.db"


def test_relative_sqlite_uri_follows_cwd(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tracking_uri.set_tracking_uri("sqlite:///mlflow.db")
    first = MlharborClient().create_experiment("first")
    assert (workdir / "mlflow.db").is_file()
    other = workdir / "other"
    other.mkdir()
    monkeypatch.chdir(other)
    assert MlharborClient().get_experiment_by_name("first") is None
    assert MlharborClient().create_experiment("first") == first


def test_store_is_cached_per_resolved_uri(workdir: Path) -> None:
    store = get_tracking_store("sqlite:///cache.db")
    assert get_tracking_store(f"sqlite:///{workdir}/cache.db") is store


def test_directory_uri_keeps_db_and_artifacts_inside(workdir: Path) -> None:
    directory = workdir / "tracking"
    assert resolve_tracking_uri(str(directory)) == f"sqlite:///{directory}/mlharbor.db"
    assert resolve_tracking_uri(f"file://{directory}") == f"sqlite:///{directory}/mlharbor.db"
    client = MlharborClient(str(directory))
    experiment = client.get_experiment(client.create_experiment("e"))
    assert experiment.artifact_location.startswith(str(directory))
    assert (directory / "mlharbor.db").is_file()


def test_unsupported_scheme(workdir: Path) -> None:
    with pytest.raises(InvalidParameterValue, match="tracking store"):
        get_tracking_store("ftp://example/x")


def test_client_registry_uri_resolution(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert MlharborClient("sqlite:///a.db")._registry_uri == "sqlite:///a.db"
    assert MlharborClient("sqlite:///a.db", "sqlite:///r.db")._registry_uri == "sqlite:///r.db"
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", "sqlite:///env.db")
    assert MlharborClient("sqlite:///a.db")._registry_uri == "sqlite:///env.db"


def test_tracking_package_reexports_client() -> None:
    from mlharbor.tracking import MlflowClient

    assert MlflowClient is MlharborClient


def test_uris_applied_for_a_block_only(workdir: Path) -> None:
    assert "MLFLOW_TRACKING_URI" not in os.environ
    with tracking_uri.uris_applied("sqlite:///inner.db", "sqlite:///registry.db"):
        assert tracking_uri.get_tracking_uri() == "sqlite:///inner.db"
        assert tracking_uri.get_registry_uri() == "sqlite:///registry.db"
        assert os.environ["MLFLOW_TRACKING_URI"] == "sqlite:///inner.db"
    assert not tracking_uri.is_tracking_uri_set()
    assert tracking_uri.get_registry_uri() == f"sqlite:///{workdir}/mlflow.db"
    tracking_uri.set_tracking_uri("sqlite:///outer.db")
    with pytest.raises(RuntimeError), tracking_uri.uris_applied("sqlite:///x.db", None):
        raise RuntimeError("a failing step")
    assert tracking_uri.get_tracking_uri() == "sqlite:///outer.db"
    assert os.environ["MLFLOW_TRACKING_URI"] == "sqlite:///outer.db"
