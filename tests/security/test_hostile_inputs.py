"""One test per class of hostile input: each is answered with MLflow's error body and a 4xx,
and nothing outside the artifact destination is read, written or deleted.

Requests are sent with ``http.client`` so paths reach the server exactly as written (HTTP
libraries would normalise ``..`` or re-encode ``%``).
"""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mlharbor.server.app import MAX_JSON_BODY_BYTES
from tests.fixtures.servers import RunningServer

PROXY = "/api/2.0/mlflow-artifacts/artifacts"


def _send(
    server: RunningServer,
    method: str,
    target: str,
    body: bytes | None = None,
    content_type: str | None = "application/json",
) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"Content-Type": content_type} if content_type and body is not None else {}
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    kind = response.getheader("content-type") or ""
    return response.status, json.loads(raw) if kind.startswith("application/json") else raw


def _destination(server: RunningServer) -> Path:
    return Path(server.process.args[server.process.args.index("--artifacts-destination") + 1])  # type: ignore[union-attr]


def _assert_refused(status: int, body: Any) -> None:
    assert 400 <= status < 500, (status, body)
    assert isinstance(body, dict)
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file outside every server directory that no request may reach."""
    path = tmp_path_factory.mktemp("outside") / "secret.txt"
    path.write_text("top secret")
    return path


TRAVERSALS = {
    "dot-dot": "1/../../outside.txt",
    "encoded dot-dot": "1/%2e%2e/%2e%2e/outside.txt",
    "double-encoded": "1/%252e%252e/%252e%252e/outside.txt",
    "encoded slash": "1%2f..%2f..%2foutside.txt",
    "backslash": "1/..\\..\\outside.txt",
    "absolute": "/etc/passwd",
}


@pytest.mark.parametrize("form", list(TRAVERSALS))
def test_traversal_forms_are_refused_for_every_method(
    live_server: RunningServer, form: str
) -> None:
    path = TRAVERSALS[form]
    for method, body in (("GET", None), ("PUT", b"x"), ("DELETE", None)):
        status, reply = _send(live_server, method, f"{PROXY}/{path}", body, "text/plain")
        _assert_refused(status, reply)
    status, reply = _send(live_server, "GET", f"{PROXY}?path={path.replace('/', '%2F')}")
    _assert_refused(status, reply)
    assert not (_destination(live_server).parent / "outside.txt").exists()


def test_traversal_in_ui_download_routes_is_refused(live_server: RunningServer) -> None:
    status, created = _send(
        live_server, "POST", "/api/2.0/mlflow/runs/create", b'{"experiment_id": "0"}'
    )
    assert status == 200
    run_id = created["run"]["info"]["run_id"]
    for path in ("../../../server.db", "%2e%2e/%2e%2e/x", "/etc/passwd"):
        status, reply = _send(live_server, "GET", f"/get-artifact?run_id={run_id}&path={path}")
        _assert_refused(status, reply)
        status, reply = _send(
            live_server, "GET", f"/api/2.0/mlflow/artifacts/list?run_id={run_id}&path={path}"
        )
        _assert_refused(status, reply)


def test_symlink_escaping_the_destination_is_not_followed(
    live_server: RunningServer, secret: Path
) -> None:
    destination = _destination(live_server)
    link_dir = destination / "5"
    link_dir.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, link_dir / "leak.txt")
    os.symlink(secret.parent, link_dir / "leakdir")
    status, reply = _send(live_server, "GET", f"{PROXY}/5/leak.txt")
    _assert_refused(status, reply)
    status, reply = _send(live_server, "PUT", f"{PROXY}/5/leakdir/new.txt", b"x", "text/plain")
    _assert_refused(status, reply)
    status, reply = _send(live_server, "GET", f"{PROXY}?path=5%2Fleakdir")
    _assert_refused(status, reply)
    status, reply = _send(live_server, "DELETE", f"{PROXY}/5/leak.txt")
    _assert_refused(status, reply)
    assert secret.read_text() == "top secret"
    assert not (secret.parent / "new.txt").exists()


def test_malformed_json_is_an_empty_message(live_server: RunningServer) -> None:
    status, reply = _send(live_server, "POST", "/api/2.0/mlflow/experiments/create", b"{not json")
    _assert_refused(status, reply)
    assert reply["message"].startswith("Missing value for required parameter 'name'.")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/2.0/mlflow/experiments/create", {"name": ["a"]}),
        ("/api/2.0/mlflow/runs/create", {"experiment_id": "0", "tags": "notalist"}),
        ("/api/2.0/mlflow/runs/create", {"experiment_id": "0", "tags": [1, 2]}),
        ("/api/2.0/mlflow/runs/create", {"experiment_id": "0", "start_time": "soon"}),
        ("/api/2.0/mlflow/runs/search", {"experiment_ids": "0"}),
        ("/api/2.0/mlflow/runs/search", {"max_results": {"n": 1}}),
        ("/api/2.0/mlflow/logged-models/search", {"order_by": [{"ascending": True}]}),
    ],
)
def test_wrong_types_are_invalid_parameter_values(
    live_server: RunningServer, path: str, body: dict[str, Any]
) -> None:
    status, reply = _send(live_server, "POST", path, json.dumps(body).encode())
    _assert_refused(status, reply)


def test_oversized_json_payload_is_refused(live_server: RunningServer) -> None:
    body = b'{"name": "' + b"x" * (MAX_JSON_BODY_BYTES + 10) + b'"}'
    status, reply = _send(live_server, "POST", "/api/2.0/mlflow/experiments/create", body)
    assert status == 400
    assert reply["error_code"] == "BAD_REQUEST"


def test_oversized_batches_are_refused(live_server: RunningServer) -> None:
    status, created = _send(
        live_server, "POST", "/api/2.0/mlflow/runs/create", b'{"experiment_id": "0"}'
    )
    run_id = created["run"]["info"]["run_id"]
    params = [{"key": f"p{i}", "value": "1"} for i in range(101)]
    status, reply = _send(
        live_server,
        "POST",
        "/api/2.0/mlflow/runs/log-batch",
        json.dumps({"run_id": run_id, "params": params}).encode(),
    )
    _assert_refused(status, reply)
    status, run = _send(live_server, "GET", f"/api/2.0/mlflow/runs/get?run_id={run_id}")
    assert "params" not in run["run"]["data"]


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("GET", "/api/2.0/mlflow/runs/get?run_id=ffffffffffffffffffffffffffffffff", None),
        (
            "POST",
            "/api/2.0/mlflow/runs/log-parameter",
            b'{"run_id": "nope", "key": "k", "value": "v"}',
        ),
        ("GET", "/api/2.0/mlflow/artifacts/list?run_id=ffffffffffffffffffffffffffffffff", None),
        ("GET", "/get-artifact?run_id=ffffffffffffffffffffffffffffffff&path=a.txt", None),
        ("GET", "/api/2.0/mlflow/logged-models/m-ffffffffffffffffffffffffffffffff", None),
    ],
)
def test_unknown_ids_are_404_json(
    live_server: RunningServer, method: str, target: str, body: bytes | None
) -> None:
    status, reply = _send(live_server, method, target, body)
    assert status == 404
    assert reply["error_code"] == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize(
    "location",
    ["local-outside", "http://169.254.169.254/latest/meta-data", "s3://someone-elses-bucket/x"],
)
def test_artifact_location_outside_the_root_is_never_served(
    tmp_path: Path, secret: Path, location: str
) -> None:
    from mlharbor.server.app import create_app

    if location == "local-outside":
        location = str(secret.parent)
    app = create_app(f"sqlite:///{tmp_path / 'db.sqlite'}", str(tmp_path / "root"), None, False)
    with TestClient(app) as test_client:
        created = test_client.post(
            "/api/2.0/mlflow/experiments/create",
            json={"name": "sneaky", "artifact_location": location},
        ).json()
        run = test_client.post(
            "/api/2.0/mlflow/runs/create", json={"experiment_id": created["experiment_id"]}
        ).json()["run"]
        run_id = run["info"]["run_id"]
        download = test_client.get("/get-artifact", params={"run_id": run_id, "path": "a.txt"})
        listing = test_client.get("/api/2.0/mlflow/artifacts/list", params={"run_id": run_id})
        for reply in (download, listing):
            assert reply.status_code == 403
            assert reply.json()["error_code"] == "PERMISSION_DENIED"
