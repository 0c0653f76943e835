"""``/mlflow/experiments/*`` through the application, as the official client calls them."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

API = "/api/2.0/mlflow/experiments"


def _create(client: TestClient, name: str, **extra: object) -> str:
    response = client.post(f"{API}/create", json={"name": name, **extra})
    assert response.status_code == 200, response.text
    experiment_id: str = response.json()["experiment_id"]
    return experiment_id


def test_create_get_and_get_by_name(client: TestClient) -> None:
    experiment_id = _create(client, "iris", tags=[{"key": "team", "value": "ml"}])
    got = client.get(f"{API}/get", params={"experiment_id": experiment_id}).json()["experiment"]
    assert got["name"] == "iris"
    assert got["artifact_location"] == f"mlflow-artifacts:/{experiment_id}"
    assert got["lifecycle_stage"] == "active"
    assert got["tags"] == [{"key": "team", "value": "ml"}]
    assert isinstance(got["creation_time"], int)
    by_name = client.get(f"{API}/get-by-name", params={"experiment_name": "iris"}).json()
    assert by_name["experiment"] == got


def test_get_by_name_of_unknown_experiment_is_404(client: TestClient) -> None:
    response = client.get(f"{API}/get-by-name", params={"experiment_name": "nope"})
    assert response.status_code == 404
    assert response.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "Could not find experiment with name 'nope'",
    }


def test_duplicate_name_is_resource_already_exists_400(client: TestClient) -> None:
    _create(client, "dup")
    response = client.post(f"{API}/create", json={"name": "dup"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"


def test_search_requires_max_results_and_bounds_it(client: TestClient) -> None:
    missing = client.post(f"{API}/search", json={})
    assert missing.status_code == 400
    assert missing.json()["message"] == (
        "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer"
    )
    too_many = client.post(f"{API}/search", json={"max_results": 50001})
    assert too_many.json()["message"] == (
        "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000"
    )


def test_search_by_get_with_repeated_order_by_and_paging(client: TestClient) -> None:
    for name in ("a", "b", "c"):
        _create(client, name)
    first = client.get(
        f"{API}/search",
        params=[("max_results", "2"), ("order_by", "name ASC"), ("order_by", "creation_time")],
    ).json()
    assert [e["name"] for e in first["experiments"]] == ["Default", "a"]
    second = client.post(
        f"{API}/search",
        json={"max_results": 2, "order_by": ["name ASC"], "page_token": first["next_page_token"]},
    ).json()
    assert [e["name"] for e in second["experiments"]] == ["b", "c"]
    assert "next_page_token" not in second


def test_delete_restore_rename_and_tags(client: TestClient) -> None:
    experiment_id = _create(client, "life")
    assert client.post(f"{API}/delete", json={"experiment_id": experiment_id}).json() == {}
    got = client.get(f"{API}/get", params={"experiment_id": experiment_id}).json()
    assert got["experiment"]["lifecycle_stage"] == "deleted"
    deleted_only = client.post(
        f"{API}/search", json={"max_results": 10, "view_type": "DELETED_ONLY"}
    ).json()
    assert [e["name"] for e in deleted_only["experiments"]] == ["life"]
    assert client.post(f"{API}/restore", json={"experiment_id": experiment_id}).status_code == 200
    renamed = client.post(f"{API}/update", json={"experiment_id": experiment_id, "new_name": "l2"})
    assert renamed.status_code == 200
    tag = {"experiment_id": experiment_id, "key": "k", "value": "v"}
    assert client.post(f"{API}/set-experiment-tag", json=tag).status_code == 200
    got = client.get(f"{API}/get-by-name", params={"experiment_name": "l2"}).json()["experiment"]
    assert got["tags"] == [{"key": "k", "value": "v"}]
    untag = {"experiment_id": experiment_id, "key": "k"}
    assert client.post(f"{API}/delete-experiment-tag", json=untag).status_code == 200
    got = client.get(f"{API}/get-by-name", params={"experiment_name": "l2"}).json()["experiment"]
    assert "tags" not in got


def test_missing_experiment_id_is_reported_by_name(client: TestClient) -> None:
    response = client.get(f"{API}/get")
    assert response.status_code == 400
    assert "'experiment_id'" in response.json()["message"]


def test_renaming_a_deleted_experiment_is_a_client_error(client: TestClient) -> None:
    experiment_id = _create(client, "gone")
    client.post(f"{API}/delete", json={"experiment_id": experiment_id})
    response = client.post(f"{API}/update", json={"experiment_id": experiment_id, "new_name": "x"})
    # MLflow answers 500, which its client retries for minutes; the code is kept.
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_STATE"


def test_search_datasets_under_both_prefixes(client: TestClient) -> None:
    experiment_id = _create(client, "with-datasets")
    run = client.post("/api/2.0/mlflow/runs/create", json={"experiment_id": experiment_id}).json()[
        "run"
    ]
    dataset = {"name": "iris", "digest": "d1", "source_type": "local", "source": "{}"}
    logged = client.post(
        "/api/2.0/mlflow/runs/log-inputs",
        json={
            "run_id": run["info"]["run_id"],
            "datasets": [
                {"dataset": dataset, "tags": [{"key": "mlflow.data.context", "value": "train"}]}
            ],
        },
    )
    assert logged.status_code == 200, logged.text
    expected = {
        "dataset_summaries": [
            {"experiment_id": experiment_id, "name": "iris", "digest": "d1", "context": "train"}
        ]
    }
    for prefix in ("/api", "/ajax-api"):
        response = client.post(
            f"{prefix}/2.0/mlflow/experiments/search-datasets",
            json={"experiment_ids": [experiment_id]},
        )
        assert response.status_code == 200, response.text
        assert response.json() == expected


@pytest.mark.parametrize(
    ("experiment_ids", "message"),
    [
        ([], "SearchDatasets request must specify at least one experiment_id."),
        (
            [str(i) for i in range(21)],
            "SearchDatasets request cannot specify more than 20 experiment_ids. "
            "Received 21 experiment_ids.",
        ),
        (["abc"], "Invalid experiment ID 'abc'. Experiment ID must be a valid integer."),
    ],
    ids=["none", "too-many", "not-an-id"],
)
def test_search_datasets_bad_requests(
    client: TestClient, experiment_ids: list[str], message: str
) -> None:
    response = client.post(f"{API}/search-datasets", json={"experiment_ids": experiment_ids})
    assert response.status_code == 400
    assert response.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": message}
