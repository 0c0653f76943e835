"""Artifacts in S3 (moto) behind both servers, written by both clients.

Two deployments from the seed's tracking-server scenarios:

* proxy: ``--artifacts-destination s3://…``; clients send bytes to the server, which writes S3;
* direct: ``--default-artifact-root s3://… --no-serve-artifacts``; clients write S3 themselves,
  so mlharbor's S3 repository must lay files out exactly where MLflow's reads them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlharbor.store.artifact.s3 import S3ArtifactRepository
from tests.fixtures.s3 import create_bucket, s3_environment
from tests.fixtures.servers import RunningServer, free_port, run_server
from tests.interop.commands import MLFLOW_SERVER_ENV, mlflow_server_cmd, mlharbor_server_cmd
from tests.interop.workflows import run_tracking_workflow


def _keys(endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    for key, value in s3_environment(endpoint).items():
        monkeypatch.setenv(key, value)
    repo = S3ArtifactRepository(f"s3://{bucket}")
    paginator = repo.client.get_paginator("list_objects_v2")
    return sorted(
        obj["Key"] for page in paginator.paginate(Bucket=bucket) for obj in page.get("Contents", [])
    )


@pytest.fixture(scope="module")
def bucket(s3_server: str) -> str:
    return create_bucket(s3_server)


@pytest.fixture(scope="module")
def proxy_server(
    s3_server: str, bucket: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("s3-proxy")
    port = free_port()
    cmd = mlharbor_server_cmd(root, port, "--artifacts-destination", f"s3://{bucket}/proxied")
    with run_server(cmd, port, "/health", s3_environment(s3_server), cwd=root) as server:
        yield server


@pytest.fixture(
    scope="module", params=["mlharbor", "mlflow"], ids=["mlharbor-server", "mlflow-server"]
)
def direct_server(
    request: pytest.FixtureRequest,
    s3_server: str,
    bucket: str,
    mlflow_python: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp(f"s3-direct-{request.param}")
    port = free_port()
    flags = ("--default-artifact-root", f"s3://{bucket}/direct", "--no-serve-artifacts")
    if request.param == "mlharbor":
        cmd = mlharbor_server_cmd(root, port, *flags)
    else:
        cmd = mlflow_server_cmd(mlflow_python, root, port, *flags)
    env = {**s3_environment(s3_server), **MLFLOW_SERVER_ENV}
    with run_server(cmd, port, "/health", env, timeout_s=180, cwd=root) as server:
        yield server


@pytest.mark.parametrize("flavor", ["mlharbor", "mlflow"], ids=["mlharbor-client", "mlflow-client"])
def test_proxied_s3_destination(
    flavor: str,
    proxy_server: RunningServer,
    s3_server: str,
    bucket: str,
    mlflow_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    python = sys.executable if flavor == "mlharbor" else mlflow_python
    # The client gets no S3 credentials: every byte goes through the server.
    run_tracking_workflow(python, flavor, proxy_server, tmp_path)
    keys = _keys(s3_server, bucket, monkeypatch)
    assert any(
        k.startswith("proxied/") and k.endswith("/artifacts/results/sub/detail.csv") for k in keys
    )
    assert any(
        k.startswith("proxied/") and k.endswith("/artifacts/plots/learning_curve.png") for k in keys
    )


@pytest.mark.parametrize("flavor", ["mlharbor", "mlflow"], ids=["mlharbor-client", "mlflow-client"])
def test_direct_s3_artifact_root(
    flavor: str,
    direct_server: RunningServer,
    s3_server: str,
    bucket: str,
    mlflow_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    python = sys.executable if flavor == "mlharbor" else mlflow_python
    run_tracking_workflow(python, flavor, direct_server, tmp_path, env=s3_environment(s3_server))
    keys = _keys(s3_server, bucket, monkeypatch)
    assert any(
        k.startswith("direct/") and k.endswith("/artifacts/results/summary.txt") for k in keys
    )
    assert any(k.startswith("direct/") and k.endswith("/artifacts/notes/readme.txt") for k in keys)
