"""``/mlflow/logged-models/*``: the MLflow 3 logged-model flow used by every ``log_model``."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

API = "/api/2.0/mlflow/logged-models"


def _create(client: TestClient, **extra: Any) -> dict[str, Any]:
    response = client.post(API, json={"experiment_id": "0", "name": "model", **extra})
    assert response.status_code == 200, response.text
    model: dict[str, Any] = response.json()["model"]
    return model


def test_create_finalize_get_delete(client: TestClient) -> None:
    model = _create(
        client,
        params=[{"key": "n", "value": "100"}],
        tags=[{"key": "mlflow.user", "value": "root"}],
    )
    info = model["info"]
    model_id = info["model_id"]
    assert model_id.startswith("m-")
    assert len(model_id) == 34
    assert info["status"] == "LOGGED_MODEL_PENDING"
    assert info["artifact_uri"] == f"mlflow-artifacts:/0/models/{model_id}/artifacts"
    assert model["data"]["params"] == [{"key": "n", "value": "100"}]
    final = client.patch(
        f"{API}/{model_id}", json={"model_id": model_id, "status": "LOGGED_MODEL_READY"}
    ).json()["model"]
    assert final["info"]["status"] == "LOGGED_MODEL_READY"
    assert client.get(f"{API}/{model_id}").json()["model"]["info"]["status"] == (
        "LOGGED_MODEL_READY"
    )
    assert client.request("DELETE", f"{API}/{model_id}", json={"model_id": model_id}).json() == {}
    gone = client.get(f"{API}/{model_id}")
    assert gone.status_code == 404
    assert gone.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_finalize_accepts_enum_numbers_and_refuses_pending(client: TestClient) -> None:
    model_id = _create(client)["info"]["model_id"]
    pending = client.patch(f"{API}/{model_id}", json={"status": "LOGGED_MODEL_PENDING"})
    assert pending.status_code == 400
    failed = client.patch(f"{API}/{model_id}", json={"status": 3})
    assert failed.json()["model"]["info"]["status"] == "LOGGED_MODEL_UPLOAD_FAILED"


def test_tags_and_params(client: TestClient) -> None:
    model_id = _create(client)["info"]["model_id"]
    tags = {"tags": [{"key": "stage", "value": "dev"}, {"key": "owner", "value": "me"}]}
    assert client.patch(f"{API}/{model_id}/tags", json=tags).json() == {}
    assert client.request("DELETE", f"{API}/{model_id}/tags/stage").json() == {}
    params = {"model_id": model_id, "params": [{"key": "lr", "value": "0.1"}]}
    assert client.post(f"{API}/{model_id}/params", json=params).json() == {}
    model = client.get(f"{API}/{model_id}").json()["model"]
    assert model["info"]["tags"] == [{"key": "owner", "value": "me"}]
    assert model["data"]["params"] == [{"key": "lr", "value": "0.1"}]


def test_search_by_name_and_empty_result(client: TestClient) -> None:
    model_id = _create(client)["info"]["model_id"]
    _create(client, name="other")
    found = client.post(
        f"{API}/search", json={"experiment_ids": ["0"], "filter": "name = 'model'"}
    ).json()
    assert [m["info"]["model_id"] for m in found["models"]] == [model_id]
    none = client.post(f"{API}/search", json={"experiment_ids": ["0"], "filter": "name = 'x'"})
    assert none.json() == {}
    ordered = client.post(
        f"{API}/search",
        json={
            "experiment_ids": ["0"],
            "order_by": [{"field_name": "name", "ascending": False}],
            "max_results": 1,
        },
    ).json()
    assert [m["info"]["name"] for m in ordered["models"]] == ["other"]
    assert "next_page_token" in ordered


def test_artifact_directory_listing_and_file(client: TestClient) -> None:
    model_id = _create(client)["info"]["model_id"]
    put = client.put(
        f"/api/2.0/mlflow-artifacts/artifacts/0/models/{model_id}/artifacts/MLmodel",
        content=b"flavors: {}\n",
    )
    assert put.status_code == 200
    listing = client.get(f"{API}/{model_id}/artifacts/directories").json()
    assert listing == {
        "root_uri": f"mlflow-artifacts:/0/models/{model_id}/artifacts",
        "files": [{"path": "MLmodel", "is_dir": False, "file_size": 12}],
    }
    data = client.get(
        f"/ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files",
        params={"artifact_file_path": "MLmodel"},
    )
    assert data.content == b"flavors: {}\n"
    assert data.headers["content-type"].startswith("text/plain")


def test_search_requires_experiment_ids(client: TestClient) -> None:
    response = client.post(f"{API}/search", json={"filter": "name = 'model'"})
    assert response.status_code == 400
    assert "'experiment_ids'" in response.json()["message"]
