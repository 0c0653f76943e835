"""Registry endpoints through the server application, shaped as the official client calls them
(bodies and errors compared with the recorded MLflow 3.17.2 traffic)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

API = "/api/2.0/mlflow"


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    message: str = body["message"]
    return message


def _run(http: TestClient) -> str:
    experiment_id = _ok(http.post(f"{API}/experiments/create", json={"name": "registry"}))[
        "experiment_id"
    ]
    run = _ok(http.post(f"{API}/runs/create", json={"experiment_id": experiment_id}))
    run_id: str = run["run"]["info"]["run_id"]
    return run_id


def _version(http: TestClient, name: str, run_id: str, **extra: Any) -> dict[str, Any]:
    body = {"name": name, "source": f"runs:/{run_id}/model", "run_id": run_id, **extra}
    version: dict[str, Any] = _ok(http.post(f"{API}/model-versions/create", json=body))[
        "model_version"
    ]
    return version


def test_create_and_get_shapes(http: TestClient) -> None:
    created = _ok(http.post(f"{API}/registered-models/create", json={"name": "demo-clf"}))
    model = created["registered_model"]
    assert set(model) == {"name", "creation_timestamp", "last_updated_timestamp"}
    assert model["name"] == "demo-clf"
    run_id = _run(http)
    version = _version(http, "demo-clf", run_id, tags=[{"key": "origin", "value": "t"}])
    assert version == {
        "name": "demo-clf",
        "version": "1",
        "creation_timestamp": version["creation_timestamp"],
        "last_updated_timestamp": version["creation_timestamp"],
        "current_stage": "None",
        "description": "",
        "source": f"runs:/{run_id}/model",
        "run_id": run_id,
        "status": "READY",
        "tags": [{"key": "origin", "value": "t"}],
        "run_link": "",
    }
    got = _ok(http.get(f"{API}/registered-models/get", params={"name": "demo-clf"}))
    latest = got["registered_model"]["latest_versions"]
    assert [v["version"] for v in latest] == ["1"]
    uri = _ok(
        http.get(
            f"{API}/model-versions/get-download-uri", params={"name": "demo-clf", "version": "1"}
        )
    )
    assert uri == {"artifact_uri": f"runs:/{run_id}/model"}


def test_error_bodies(http: TestClient) -> None:
    _ok(http.post(f"{API}/registered-models/create", json={"name": "err-model"}))
    duplicate = http.post(f"{API}/registered-models/create", json={"name": "err-model"})
    assert _error(duplicate, 400, "RESOURCE_ALREADY_EXISTS") == (
        "Registered Model (name=err-model) already exists."
    )
    slash = http.post(f"{API}/registered-models/create", json={"name": "bad/name"})
    assert _error(slash, 400, "INVALID_PARAMETER_VALUE") == (
        "Invalid model name 'bad/name'. Names cannot contain '/' or ':'."
    )
    missing = http.get(f"{API}/registered-models/get", params={"name": "no-such-model"})
    assert _error(missing, 404, "RESOURCE_DOES_NOT_EXIST") == (
        "Registered Model with name=no-such-model not found"
    )
    version = http.get(f"{API}/model-versions/get", params={"name": "err-model", "version": "5"})
    assert _error(version, 404, "RESOURCE_DOES_NOT_EXIST") == (
        "Model Version (name=err-model, version=5) not found"
    )
    not_int = http.get(f"{API}/model-versions/get", params={"name": "err-model", "version": "abc"})
    assert _error(not_int, 400, "INVALID_PARAMETER_VALUE") == (
        "Parameter 'version' must be an integer, got 'abc'."
    )
    alias = http.post(
        f"{API}/registered-models/alias",
        json={"name": "err-model", "alias": "champion", "version": "5"},
    )
    _error(alias, 404, "RESOURCE_DOES_NOT_EXIST")
    latest = http.post(
        f"{API}/registered-models/alias",
        json={"name": "err-model", "alias": "latest", "version": "1"},
    )
    assert _error(latest, 400, "INVALID_PARAMETER_VALUE") == (
        "'latest' alias name (case insensitive) is reserved."
    )
    nope = http.get(f"{API}/registered-models/alias", params={"name": "err-model", "alias": "nope"})
    assert _error(nope, 400, "INVALID_PARAMETER_VALUE") == "Registered model alias nope not found."
    too_many = http.get(f"{API}/registered-models/search", params={"max_results": "1001"})
    assert _error(too_many, 400, "INVALID_PARAMETER_VALUE") == (
        "Invalid value \"1001\" for parameter 'max_results' supplied:  Hint: Value was of type "
        "'str'. See the API docs for more information about request parameters."
    )
    bad_filter = http.get(f"{API}/model-versions/search", params={"filter": "run_id > 'x'"})
    assert _error(bad_filter, 400, "INVALID_PARAMETER_VALUE") == (
        "Invalid comparator for attribute: >"
    )
    no_name = http.post(f"{API}/registered-models/create", json={})
    assert _error(no_name, 400, "INVALID_PARAMETER_VALUE").startswith(
        "Missing value for required parameter 'name'"
    )


def test_stage_transitions_and_latest_versions(http: TestClient) -> None:
    _ok(http.post(f"{API}/registered-models/create", json={"name": "m"}))
    run_id = _run(http)
    for _ in range(3):
        _version(http, "m", run_id)
    transition = f"{API}/model-versions/transition-stage"
    for version, stage, archive in (("1", "Staging", False), ("2", "Production", False)):
        body = {"name": "m", "version": version, "stage": stage}
        _ok(http.post(transition, json={**body, "archive_existing_versions": archive}))
    moved = _ok(
        http.post(
            transition,
            json={
                "name": "m",
                "version": "3",
                "stage": "production",
                "archive_existing_versions": True,
            },
        )
    )
    assert moved["model_version"]["current_stage"] == "Production"
    latest = _ok(http.post(f"{API}/registered-models/get-latest-versions", json={"name": "m"}))
    stages = [(v["version"], v["current_stage"]) for v in latest["model_versions"]]
    assert stages == [("1", "Staging"), ("2", "Archived"), ("3", "Production")]
    none = http.post(
        f"{API}/registered-models/get-latest-versions", json={"name": "m", "stages": ["None"]}
    )
    assert _ok(none) == {}
    by_get = http.get(
        f"{API}/registered-models/get-latest-versions",
        params=[("name", "m"), ("stages", "Staging"), ("stages", "production")],
    )
    assert [v["version"] for v in _ok(by_get)["model_versions"]] == ["1", "3"]
    bad = http.post(
        transition,
        json={"name": "m", "version": "1", "stage": "Prod", "archive_existing_versions": False},
    )
    assert _error(bad, 400, "INVALID_PARAMETER_VALUE") == (
        "Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, "
        "Archived."
    )
    archive_none = http.post(
        transition,
        json={"name": "m", "version": "1", "stage": "None", "archive_existing_versions": True},
    )
    # MLflow answers 500 here, which its client retries for minutes; a 400 ends it at once
    _error(archive_none, 400, "INVALID_PARAMETER_VALUE")


def test_aliases_tags_and_deletes_with_json_bodies(http: TestClient) -> None:
    _ok(http.post(f"{API}/registered-models/create", json={"name": "m"}))
    run_id = _run(http)
    _version(http, "m", run_id)
    _version(http, "m", run_id)
    for alias, version in (("champion", "2"), ("challenger", "1")):
        body = {"name": "m", "alias": alias, "version": version}
        assert _ok(http.post(f"{API}/registered-models/alias", json=body)) == {}
    by_alias = _ok(
        http.get(f"{API}/registered-models/alias", params={"name": "m", "alias": "champion"})
    )
    assert by_alias["model_version"]["aliases"] == ["champion"]
    tag = {"name": "m", "key": "task", "value": "classification"}
    _ok(http.post(f"{API}/registered-models/set-tag", json=tag))
    version_tag = {"name": "m", "version": "2", "key": "validation", "value": "approved"}
    _ok(http.post(f"{API}/model-versions/set-tag", json=version_tag))
    model = _ok(http.get(f"{API}/registered-models/get", params={"name": "m"}))["registered_model"]
    assert model["tags"] == [{"key": "task", "value": "classification"}]
    assert model["aliases"] == [
        {"alias": "challenger", "version": "1"},
        {"alias": "champion", "version": "2"},
    ]
    assert all("aliases" not in v for v in model["latest_versions"])
    delete = http.request
    assert (
        _ok(
            delete(
                "DELETE",
                f"{API}/registered-models/alias",
                json={"name": "m", "alias": "challenger"},
            )
        )
        == {}
    )
    _ok(delete("DELETE", f"{API}/registered-models/alias", json={"name": "m", "alias": "never"}))
    _ok(
        delete(
            "DELETE",
            f"{API}/model-versions/delete-tag",
            json={"name": "m", "version": "2", "key": "validation"},
        )
    )
    _ok(delete("DELETE", f"{API}/registered-models/delete-tag", json={"name": "m", "key": "task"}))
    _ok(delete("DELETE", f"{API}/model-versions/delete", json={"name": "m", "version": "2"}))
    model = _ok(http.get(f"{API}/registered-models/get", params={"name": "m"}))["registered_model"]
    assert "aliases" not in model
    assert "tags" not in model
    _ok(delete("DELETE", f"{API}/registered-models/delete", json={"name": "m"}))
    gone = http.get(f"{API}/registered-models/get", params={"name": "m"})
    _error(gone, 404, "RESOURCE_DOES_NOT_EXIST")


def test_update_rename_copy(http: TestClient) -> None:
    _ok(http.post(f"{API}/registered-models/create", json={"name": "m"}))
    run_id = _run(http)
    _version(http, "m", run_id, tags=[{"key": "origin", "value": "x"}])
    updated = _ok(
        http.patch(f"{API}/registered-models/update", json={"name": "m", "description": "d"})
    )
    assert updated["registered_model"]["description"] == "d"
    described = _ok(
        http.patch(
            f"{API}/model-versions/update", json={"name": "m", "version": "1", "description": "v1"}
        )
    )
    assert described["model_version"]["description"] == "v1"
    _ok(http.post(f"{API}/registered-models/create", json={"name": "m-copy"}))
    copy = _ok(
        http.post(
            f"{API}/model-versions/create",
            json={
                "name": "m-copy",
                "source": "models:/m/1",
                "run_id": run_id,
                "tags": [{"key": "origin", "value": "x"}],
                "run_link": "",
                "description": "v1",
            },
        )
    )["model_version"]
    assert (copy["source"], copy["version"], copy["run_id"]) == ("models:/m/1", "1", run_id)
    mismatch = http.post(
        f"{API}/model-versions/create",
        json={"name": "m-copy", "source": "models:/m/1", "run_id": "f" * 32},
    )
    assert "must match the referenced model version" in _error(
        mismatch, 400, "INVALID_PARAMETER_VALUE"
    )
    renamed = _ok(
        http.post(f"{API}/registered-models/rename", json={"name": "m-copy", "new_name": "m2"})
    )
    assert renamed["registered_model"]["latest_versions"][0]["name"] == "m2"
    collision = http.post(f"{API}/registered-models/rename", json={"name": "m2", "new_name": "m"})
    _error(collision, 400, "RESOURCE_ALREADY_EXISTS")


@pytest.mark.parametrize(
    ("source", "with_run"),
    [
        ("/etc/passwd", True),
        ("runs:/{run}/model", False),
        ("mlflow-artifacts:/0/{run}/artifacts/../../../etc", True),
        ("models:/m-00000000000000000000000000000000", False),
    ],
)
def test_hostile_sources_are_refused(http: TestClient, source: str, with_run: bool) -> None:
    _ok(http.post(f"{API}/registered-models/create", json={"name": "m"}))
    run_id = _run(http)
    body = {"name": "m", "source": source.format(run=run_id)}
    if with_run:
        body["run_id"] = run_id
    refused = http.post(f"{API}/model-versions/create", json=body)
    assert "Invalid model version source" in _error(refused, 400, "INVALID_PARAMETER_VALUE")
    versions = _ok(http.get(f"{API}/model-versions/search", params={"filter": "name = 'm'"}))
    assert versions == {}


def test_search_through_both_prefixes(http: TestClient) -> None:
    for name in ("demo-a", "demo-b", "other"):
        _ok(http.post(f"{API}/registered-models/create", json={"name": name}))
    query = {
        "filter": "name LIKE 'demo%' AND tag.`mlflow.prompt.is_prompt` != 'true'",
        "max_results": "1",
    }
    for prefix in ("/api", "/ajax-api"):
        first = _ok(http.get(f"{prefix}/2.0/mlflow/registered-models/search", params=query))
        assert [m["name"] for m in first["registered_models"]] == ["demo-a"]
        second = _ok(
            http.get(
                f"{prefix}/2.0/mlflow/registered-models/search",
                params={**query, "page_token": first["next_page_token"]},
            )
        )
        assert [m["name"] for m in second["registered_models"]] == ["demo-b"]
        assert "next_page_token" not in second
    assert _ok(http.get(f"{API}/model-versions/search")) == {}
