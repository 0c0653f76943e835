"""``/mlflow/runs/*``: lifecycle, logging and its validation, as MLflow's server answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

API = "/api/2.0/mlflow/runs"


def _run(client: TestClient, **extra: Any) -> dict[str, Any]:
    body = {"experiment_id": "0", "user_id": "root", "start_time": 1000, **extra}
    response = client.post(f"{API}/create", json=body)
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()["run"]
    return run


def _get(client: TestClient, run_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/get", params={"run_id": run_id, "run_uuid": run_id})
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()["run"]
    return run


def test_create_returns_mlflow_run_shape(client: TestClient) -> None:
    run = _run(client, tags=[{"key": "mlflow.user", "value": "root"}])
    info = run["info"]
    assert info["run_id"] == info["run_uuid"]
    assert len(info["run_id"]) == 32
    assert info["status"] == "RUNNING"
    assert info["artifact_uri"] == f"mlflow-artifacts:/0/{info['run_id']}/artifacts"
    assert "end_time" not in info
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["mlflow.runName"] == info["run_name"]
    assert run["inputs"] == {}


def test_log_and_read_back_params_metrics_tags(client: TestClient) -> None:
    run_id = _run(client)["info"]["run_id"]
    both = {"run_id": run_id, "run_uuid": run_id}
    assert client.post(f"{API}/log-parameter", json={**both, "key": "a", "value": "1"}).json() == {}
    metric = {"key": "acc", "value": 0.5, "timestamp": 5, "step": 1}
    assert client.post(f"{API}/log-metric", json={**both, **metric}).status_code == 200
    # Only run_uuid, numbers as strings, no step: all accepted as by MLflow.
    loose = {"run_uuid": run_id, "key": "loss", "value": "NaN", "timestamp": "7"}
    assert client.post(f"{API}/log-metric", json=loose).status_code == 200
    assert client.post(f"{API}/set-tag", json={**both, "key": "t", "value": "v"}).status_code == 200
    data = _get(client, run_id)["data"]
    assert data["params"] == [{"key": "a", "value": "1"}]
    metrics = {m["key"]: m for m in data["metrics"]}
    assert metrics["acc"] == {"key": "acc", "value": 0.5, "timestamp": 5, "step": 1}
    assert metrics["loss"]["value"] == "NaN"
    assert metrics["loss"]["step"] == 0
    assert {"key": "t", "value": "v"} in data["tags"]
    assert client.post(f"{API}/delete-tag", json={"run_id": run_id, "key": "t"}).json() == {}
    missing = client.post(f"{API}/delete-tag", json={"run_id": run_id, "key": "t"})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"key": "x", "timestamp": 1}, "Missing value for required parameter 'value'"),
        ({"key": "x", "value": "abc", "timestamp": 1}, 'Invalid value "abc" for parameter'),
        ({"key": "x", "value": True, "timestamp": 1}, "Invalid value True for parameter"),
        ({"value": 1.0, "timestamp": 1}, "Missing value for required parameter 'key'"),
    ],
)
def test_log_metric_validation(client: TestClient, body: dict[str, Any], message: str) -> None:
    run_id = _run(client)["info"]["run_id"]
    response = client.post(f"{API}/log-metric", json={"run_id": run_id, **body})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert response.json()["message"].startswith(message)


def test_changing_a_param_is_refused(client: TestClient) -> None:
    run_id = _run(client)["info"]["run_id"]
    client.post(f"{API}/log-parameter", json={"run_id": run_id, "key": "alpha", "value": "0.1"})
    same = client.post(
        f"{API}/log-parameter", json={"run_id": run_id, "key": "alpha", "value": "0.1"}
    )
    assert same.status_code == 200
    changed = client.post(
        f"{API}/log-parameter", json={"run_id": run_id, "key": "alpha", "value": "0.2"}
    )
    assert changed.status_code == 400
    assert changed.json()["message"].startswith("Changing param values is not allowed.")


def test_update_finishes_renames_and_ignores_unknown_status(client: TestClient) -> None:
    run_id = _run(client)["info"]["run_id"]
    response = client.post(
        f"{API}/update",
        json={"run_id": run_id, "run_uuid": run_id, "status": "FINISHED", "end_time": 2000},
    )
    info = response.json()["run_info"]
    assert (info["status"], info["end_time"]) == ("FINISHED", 2000)
    bogus = client.post(f"{API}/update", json={"run_id": run_id, "status": "BOGUS"})
    assert bogus.json()["run_info"]["status"] == "FINISHED"
    by_number = client.post(f"{API}/update", json={"run_id": run_id, "status": 4})
    assert by_number.json()["run_info"]["status"] == "FAILED"
    renamed = client.post(f"{API}/update", json={"run_id": run_id, "run_name": "new-name"})
    assert renamed.json()["run_info"]["run_name"] == "new-name"


def test_delete_and_restore_are_idempotent(client: TestClient) -> None:
    run_id = _run(client)["info"]["run_id"]
    for _ in range(2):
        assert client.post(f"{API}/delete", json={"run_id": run_id}).status_code == 200
    assert _get(client, run_id)["info"]["lifecycle_stage"] == "deleted"
    refused = client.post(f"{API}/log-parameter", json={"run_id": run_id, "key": "k", "value": "v"})
    assert refused.status_code == 400
    for _ in range(2):
        assert client.post(f"{API}/restore", json={"run_id": run_id}).status_code == 200
    assert _get(client, run_id)["info"]["lifecycle_stage"] == "active"


def test_unknown_run_is_404(client: TestClient) -> None:
    response = client.get(f"{API}/get", params={"run_id": "0123456789abcdef0123456789abcdef"})
    assert response.status_code == 404
    assert response.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "Run with id=0123456789abcdef0123456789abcdef not found",
    }


def test_log_batch_is_validated_then_written(client: TestClient) -> None:
    run_id = _run(client)["info"]["run_id"]
    batch = {
        "run_id": run_id,
        "metrics": [{"key": "m", "value": 1.0, "timestamp": 1, "step": 0}],
        "params": [{"key": "p", "value": "1"}],
        "tags": [{"key": "t", "value": "x"}],
    }
    assert client.post(f"{API}/log-batch", json=batch).json() == {}
    dup = {"run_id": run_id, "params": [{"key": "d", "value": "1"}, {"key": "d", "value": "2"}]}
    response = client.post(f"{API}/log-batch", json=dup)
    assert response.status_code == 400
    assert response.json()["message"].startswith(
        "Duplicate parameter keys have been submitted: ['d']."
    )
    too_many = {
        "run_id": run_id,
        "metrics": [{"key": f"r{i}", "value": 1.0, "timestamp": 1} for i in range(1001)],
    }
    response = client.post(f"{API}/log-batch", json=too_many)
    assert response.json()["message"] == (
        "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. "
        "Please split up metrics across multiple requests and try again."
    )
    data = _get(client, run_id)["data"]
    assert [p["key"] for p in data["params"]] == ["p"]
    assert [m["key"] for m in data["metrics"]] == ["m"]


def test_log_inputs_and_outputs_show_on_the_run(client: TestClient) -> None:
    run_id = _run(client)["info"]["run_id"]
    dataset = {
        "name": "train-df",
        "digest": "a2d54597",
        "source_type": "s3",
        "source": '{"uri": "s3://my-bucket/data.csv"}',
        "schema": "{}",
        "profile": '{"num_rows": 3}',
    }
    inputs = {
        "run_id": run_id,
        "datasets": [
            {"tags": [{"key": "mlflow.data.context", "value": "training"}], "dataset": dataset}
        ],
    }
    assert client.post(f"{API}/log-inputs", json=inputs).json() == {}
    model = client.post(
        "/api/2.0/mlflow/logged-models", json={"experiment_id": "0", "source_run_id": run_id}
    ).json()["model"]["info"]
    outputs = {"run_id": run_id, "models": [{"model_id": model["model_id"], "step": 0}]}
    assert client.post(f"{API}/outputs", json=outputs).json() == {}
    run = _get(client, run_id)
    assert run["inputs"]["dataset_inputs"][0]["dataset"] == dataset
    assert run["outputs"] == {"model_outputs": [{"model_id": model["model_id"], "step": 0}]}
    missing = client.post(f"{API}/outputs", json={"run_id": run_id})
    assert missing.json()["message"].startswith("Missing value for required parameter 'models'")


def test_search_bounds_max_results(client: TestClient) -> None:
    zero = client.post(f"{API}/search", json={"experiment_ids": ["0"], "max_results": 0})
    assert zero.status_code == 400
    big = client.post(f"{API}/search", json={"experiment_ids": ["0"], "max_results": 50001})
    assert big.json()["message"].startswith(
        "Invalid value 50001 for parameter 'max_results' supplied:  Hint: Value was of type 'int'"
    )


def test_search_finds_runs_and_pages(client: TestClient) -> None:
    ids = [_run(client)["info"]["run_id"] for _ in range(3)]
    first = client.post(f"{API}/search", json={"experiment_ids": ["0"], "max_results": "2"}).json()
    assert len(first["runs"]) == 2
    rest = client.post(
        f"{API}/search",
        json={"experiment_ids": ["0"], "max_results": 2, "page_token": first["next_page_token"]},
    ).json()
    found = {r["info"]["run_id"] for r in first["runs"] + rest["runs"]}
    assert found == set(ids)
    assert client.post(f"{API}/search", json={}).json() == {}


def test_legacy_log_model_appends_to_the_history_tag(client: TestClient) -> None:
    run_id = _run(client)["info"]["run_id"]
    model = {"artifact_path": "m", "flavors": {}, "utc_time_created": "2024", "run_id": run_id}
    for _ in range(2):
        body = {"run_id": run_id, "model_json": json.dumps(model)}
        assert client.post(f"{API}/log-model", json=body).json() == {}
    tags = {t["key"]: t["value"] for t in _get(client, run_id)["data"]["tags"]}
    assert json.loads(tags["mlflow.log-model.history"]) == [model, model]
    partial = {"run_id": run_id, "model_json": json.dumps({"flavors": {}})}
    assert client.post(f"{API}/log-model", json=partial).status_code == 400
