"""Service routes: health, version, capability probe."""

from __future__ import annotations

from packaging.version import Version
from starlette.testclient import TestClient


def test_health_is_plain_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.text == "OK"
    assert response.headers["content-type"].startswith("text/plain")


def test_version_names_the_mlflow_api_level(client: TestClient) -> None:
    """MLflow's client sends spans over OTLP only to servers at 3.4 or later."""
    response = client.get("/version")
    assert Version(response.text) >= Version("3.4")


def test_server_info_says_multipart_is_off(client: TestClient) -> None:
    for prefix in ("/api", "/ajax-api"):
        info = client.get(f"{prefix}/3.0/mlflow/server-info").json()
        assert info["multipart_uploads_enabled"] is False
        assert info["multipart_downloads_enabled"] is False
        assert info["store_type"] == "SqlStore"
