"""Which local artifact locations a server reads: its default artifact root, its proxied
destination, and ``./mlruns`` of the directory it started in (where clients logging without a
server write); every other location is refused with a message naming those roots."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mlharbor.client.client import MlharborClient
from mlharbor.server.app import create_app


def _run_with_location(client: TestClient, location: str) -> tuple[str, Path]:
    """A run of a new experiment at ``location``: its id and artifact directory."""
    created = client.post(
        "/api/2.0/mlflow/experiments/create", json={"name": location, "artifact_location": location}
    ).json()
    run = client.post(
        "/api/2.0/mlflow/runs/create", json={"experiment_id": created["experiment_id"]}
    ).json()["run"]
    return str(run["info"]["run_id"]), Path(run["info"]["artifact_uri"].removeprefix("file://"))


def test_mlruns_of_the_start_directory_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # Logged the way a client without a server logs: straight into ./mlflow.db and ./mlruns.
    local = MlharborClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment_id = local.create_experiment("local")
    run_id = local.create_run(experiment_id).info.run_id
    local.log_text(run_id, "hello", "plots/a.txt")
    assert (tmp_path / "mlruns" / experiment_id).is_dir()
    app = create_app("sqlite:///mlflow.db")
    with TestClient(app) as client:
        listing = client.get("/api/2.0/mlflow/artifacts/list", params={"run_id": run_id})
        assert [f["path"] for f in listing.json()["files"]] == ["plots"]
        got = client.get("/get-artifact", params={"run_id": run_id, "path": "plots/a.txt"})
        assert got.status_code == 200
        assert got.text == "hello"


def test_relative_default_artifact_root_is_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = create_app("sqlite:///mlflow.db", "./mlartifacts", None, False)
    with TestClient(app) as client:
        created = client.post("/api/2.0/mlflow/experiments/create", json={"name": "e"}).json()
        experiment = client.get(
            "/api/2.0/mlflow/experiments/get", params={"experiment_id": created["experiment_id"]}
        ).json()["experiment"]
    location = experiment["artifact_location"]
    assert Path(location.removeprefix("file://")).is_absolute()
    assert location.removeprefix("file://").startswith(str(tmp_path / "mlartifacts"))


def test_refusal_names_the_served_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = tmp_path / "start"
    start.mkdir()
    monkeypatch.chdir(start)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    app = create_app("sqlite:///mlflow.db", str(tmp_path / "root"), str(tmp_path / "dest"))
    with TestClient(app) as client:
        run_id, _ = _run_with_location(client, str(outside))
        reply = client.get("/api/2.0/mlflow/artifacts/list", params={"run_id": run_id})
    assert reply.status_code == 403
    message = reply.json()["message"]
    for root in (start / "mlruns", tmp_path / "root", tmp_path / "dest"):
        assert str(root) in message
