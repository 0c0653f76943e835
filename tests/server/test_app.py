"""The application shell: routing, request decoding and the one error exit."""

from __future__ import annotations

from pathlib import Path

import orjson
from starlette.testclient import TestClient

from mlharbor.server.app import MAX_JSON_BODY_BYTES, HarborApp, Router
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Params
from mlharbor.server.routes import Routes
from mlharbor.store.tracking.factory import get_tracking_store

CREATE = "/api/2.0/mlflow/experiments/create"
MISSING_NAME = {
    "error_code": "INVALID_PARAMETER_VALUE",
    "message": "Missing value for required parameter 'name'. "
    "See the API docs for more information about request parameters.",
}


def test_error_body_shape_is_pinned(client: TestClient) -> None:
    response = client.get("/api/2.0/mlflow/experiments/get", params={"experiment_id": "404"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "No Experiment with id=404 exists",
    }


def test_api_and_ajax_prefixes_reach_the_same_handler(client: TestClient) -> None:
    created = client.post(CREATE, json={"name": "both"}).json()
    for prefix in ("/api", "/ajax-api"):
        got = client.get(
            f"{prefix}/2.0/mlflow/experiments/get",
            params={"experiment_id": created["experiment_id"]},
        )
        assert got.status_code == 200
        assert got.json()["experiment"]["name"] == "both"


def test_unknown_path_is_404_html_and_wrong_method_405(client: TestClient) -> None:
    missing = client.get("/api/2.0/mlflow/no-such-endpoint")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert client.get("/api/2.0/mlflow/server-info").status_code == 404
    wrong = client.get("/api/2.0/mlflow/runs/create")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"


def test_cors_preflight_answers_ok(client: TestClient) -> None:
    response = client.options("/api/2.0/mlflow/experiments/search")
    assert response.status_code == 200
    assert response.text == "OK"


def test_post_requires_json_content_type(client: TestClient) -> None:
    response = client.post(CREATE, content=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert response.json() == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "Bad Request. Content-Type must be one of ['application/json']",
    }
    with_charset = client.post(
        CREATE,
        content=b'{"name": "x"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert with_charset.status_code == 200


def test_unreadable_or_non_object_json_is_an_empty_message(client: TestClient) -> None:
    for body in (b"{not json", b"[1, 2]", b"", b"null"):
        response = client.post(CREATE, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json() == MISSING_NAME


def test_unknown_fields_are_ignored(client: TestClient) -> None:
    response = client.post(CREATE, json={"name": "extra", "bogus": 1})
    assert response.status_code == 200
    assert response.json()["experiment_id"]


def test_wrong_json_type_uses_mlflow_wording(client: TestClient) -> None:
    response = client.post(CREATE, json={"name": 123})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Invalid value 123 for parameter 'name' supplied:  Hint: Value was of type 'int'. "
        "See the API docs for more information about request parameters."
    )


def test_oversized_json_body_is_refused_before_parsing(client: TestClient) -> None:
    body = b'{"name": "' + b"x" * (MAX_JSON_BODY_BYTES + 1) + b'"}'
    response = client.post(CREATE, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "BAD_REQUEST"


def test_delete_bodies_are_parsed(client: TestClient) -> None:
    created = client.post(
        "/api/2.0/mlflow/logged-models",
        json={"experiment_id": "0", "name": "m"},
    ).json()["model"]["info"]
    response = client.request(
        "DELETE",
        f"/api/2.0/mlflow/logged-models/{created['model_id']}",
        content=orjson.dumps({"model_id": created["model_id"]}),
    )
    assert response.status_code == 200
    assert response.json() == {}


def test_unexpected_errors_are_500_json_without_traceback(tmp_path: Path) -> None:
    routes = Routes()

    @routes.json("GET", "mlflow/explode")
    def explode(ctx: ServerContext, p: Params) -> None:
        raise RuntimeError("secret internals")

    store = get_tracking_store(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path / "art"))
    context = ServerContext(store, "sqlite://", str(tmp_path / "art"), None)
    app = HarborApp(context, Router(list(routes)))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/api/2.0/mlflow/explode")
    assert response.status_code == 500
    assert response.json() == {"error_code": "INTERNAL_ERROR", "message": "Internal server error"}
    assert "secret" not in response.text


def test_static_prefix_moves_every_route(tmp_path: Path) -> None:
    from mlharbor.server.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'p.db'}", None, str(tmp_path / "a"), True, "/mlh")
    with TestClient(app) as test_client:
        assert test_client.get("/mlh/health").text == "OK"
        got = test_client.get("/mlh/api/2.0/mlflow/experiments/get", params={"experiment_id": "0"})
        assert got.json()["experiment"]["name"] == "Default"
        assert test_client.get("/health").status_code == 404


def test_server_stays_off_fluent_state_and_heavy_libraries(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from mlharbor.server.app import create_app\n"
        f"create_app('sqlite:///{tmp_path / 'light.db'}', None, '{tmp_path / 'art'}')\n"
        "banned = ['mlharbor.client.fluent', 'pandas', 'numpy', 'sklearn', 'fastapi', 'boto3']\n"
        "print([name for name in banned if name in sys.modules])\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "[]"
