"""Service routes: health, version, capability probe."""

from __future__ import annotations

from packaging.version import Version
from starlette.testclient import TestClient

import mlharbor


def test_health_is_plain_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.text == "OK"
    assert response.headers["content-type"].startswith("text/plain")


def test_version_is_a_pep440_version(client: TestClient) -> None:
    response = client.get("/version")
    assert response.text == mlharbor.__version__
    Version(response.text)


def test_server_info_says_multipart_is_off(client: TestClient) -> None:
    for prefix in ("/api", "/ajax-api"):
        info = client.get(f"{prefix}/3.0/mlflow/server-info").json()
        assert info["multipart_uploads_enabled"] is False
        assert info["multipart_downloads_enabled"] is False
        assert info["store_type"] == "SqlStore"
