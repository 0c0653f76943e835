"""Tracking-server manifests, and replicas started with the manifest's own command line
sharing one PostgreSQL database and one S3 bucket."""

from __future__ import annotations

import concurrent.futures
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from click.testing import CliRunner

from mlharbor.cli import cli
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.kubernetes import tracking_server_manifest, tracking_server_objects
from tests.fixtures.servers import RunningServer, free_port, run_server

OPTIONS: dict[str, Any] = {
    "database_secret": "mlharbor-db",
    "artifacts_destination": "s3://ml/artifacts",
    "s3_secret": "aws",
    "hosts": ["mlflow.example.com"],
}


def _server_container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = objects[0]["spec"]["template"]["spec"]["containers"][0]
    return container


def test_objects_and_their_wiring() -> None:
    objects = tracking_server_objects("tracking", "reg/mlharbor:0.1", **OPTIONS, replicas=3)
    kinds = [o["kind"] for o in objects]
    assert kinds == ["Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"]
    pod = objects[0]["spec"]["template"]["spec"]
    migrate = pod["initContainers"][0]
    assert migrate["args"] == ["db", "upgrade", "$(MLHARBOR_BACKEND_STORE_URI)"]
    server = _server_container(objects)
    secret = {"secretKeyRef": {"name": "mlharbor-db", "key": "uri"}}
    for container in (migrate, server):
        assert container["env"][0] == {"name": "MLHARBOR_BACKEND_STORE_URI", "valueFrom": secret}
        assert container["envFrom"] == [{"secretRef": {"name": "aws"}}]
    args = server["args"]
    assert args[args.index("--backend-store-uri") + 1] == "$(MLHARBOR_BACKEND_STORE_URI)"
    allowed = args[args.index("--allowed-hosts") + 1].split(",")
    assert allowed == ["tracking", "tracking.*", "mlflow.example.com"]
    assert server["readinessProbe"]["httpGet"]["httpHeaders"] == [
        {"name": "Host", "value": "tracking"}
    ]
    assert objects[0]["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0}
    assert objects[2]["spec"]["minReplicas"] == 3
    assert objects[2]["spec"]["maxReplicas"] == 15


def test_yaml_has_no_aliases_and_round_trips() -> None:
    text = tracking_server_manifest("tracking", "img:1", **OPTIONS, app_name="basic-auth")
    assert "&id" not in text
    documents = list(yaml.safe_load_all(text))
    assert documents == tracking_server_objects(
        "tracking", "img:1", **OPTIONS, app_name="basic-auth"
    )
    assert _server_container(documents)["args"][-2:] == ["--app-name", "basic-auth"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Tracking_Server"}, "not a valid Kubernetes name"),
        ({"artifacts_destination": "./mlartifacts"}, "is not shared storage"),
        ({"replicas": 0}, "replicas must be at least 1"),
        ({"replicas": 4, "max_replicas": 2}, r"max_replicas \(2\) is below replicas \(4\)"),
        ({"workers": 0}, "workers must be at least 1"),
    ],
)
def test_bad_options_are_refused(changes: dict[str, Any], message: str) -> None:
    options = {**OPTIONS, **changes}
    name = options.pop("name", "tracking")
    with pytest.raises(InvalidParameterValue, match=message):
        tracking_server_objects(name, "img", **options)


def test_cli_prints_or_writes_the_manifest(tmp_path: Path) -> None:
    base = ["deploy", "tracking-server", "--image", "img", "--database-secret", "db"]
    result = CliRunner().invoke(cli, [*base, "--artifacts-destination", "s3://b/p"])
    assert result.exit_code == 0, result.output
    assert next(yaml.safe_load_all(result.output))["kind"] == "Deployment"
    out = tmp_path / "tracking.yaml"
    result = CliRunner().invoke(cli, [*base, "--artifacts-destination", "s3://b/p", "-o", out])
    assert result.exit_code == 0
    assert out.read_text().startswith("apiVersion: apps/v1")
    refused = CliRunner().invoke(cli, [*base, "--artifacts-destination", "/data"])
    assert refused.exit_code == 1
    assert "is not shared storage" in refused.output


@pytest.fixture
def replicas(postgres_url: str, s3_bucket: str, s3_env: str) -> Iterator[list[RunningServer]]:
    """Two servers run with the manifest's arguments, sharing the database and the bucket
    (loopback is allowed as an extra host, for the fixture's health polling)."""
    objects = tracking_server_objects(
        "tracking",
        "img",
        database_secret="db",
        artifacts_destination=f"s3://{s3_bucket}/a",
        hosts=["127.0.0.1"],
    )
    args = _server_container(objects)["args"]
    with ExitStack() as stack:
        servers = []
        for _ in range(2):
            port = free_port()
            command = [str(Path(sys.executable).with_name("mlharbor")), *args]
            command[command.index("$(MLHARBOR_BACKEND_STORE_URI)")] = postgres_url
            command[command.index("--host") + 1] = "127.0.0.1"
            command[command.index("--port") + 1] = str(port)
            command[command.index("--workers") + 1] = "1"
            servers.append(
                stack.enter_context(
                    run_server(command, port, env={"MLFLOW_S3_ENDPOINT_URL": s3_env})
                )
            )
        yield servers


def _api(server: RunningServer, path: str, body: dict[str, Any] | None = None) -> Any:
    method = requests.post if body is not None else requests.get
    response = method(
        f"{server.url}/api/2.0/mlflow/{path}", json=body, headers={"Host": "tracking"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.postgres
def test_replicas_share_one_database_and_bucket(replicas: list[RunningServer]) -> None:
    first, second = replicas
    experiment_id = _api(first, "experiments/create", {"name": "scaled"})["experiment_id"]
    run_id = _api(second, "runs/create", {"experiment_id": experiment_id})["run"]["info"]["run_id"]

    def log(step: int) -> None:
        server = replicas[step % 2]
        body = {"run_id": run_id, "key": "m", "value": step, "step": step, "timestamp": step}
        _api(server, "runs/log-metric", body)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(log, range(200)))
    history = _api(first, f"metrics/get-history?run_id={run_id}&metric_key=m")["metrics"]
    assert sorted(point["step"] for point in history) == list(range(200))

    _api(first, "registered-models/create", {"name": "shared"})

    def register(index: int) -> str:
        body = {"name": "shared", "source": f"runs:/{run_id}/model", "run_id": run_id}
        version: str = _api(replicas[index % 2], "model-versions/create", body)["model_version"][
            "version"
        ]
        return version

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        versions = sorted(int(v) for v in pool.map(register, range(12)))
    assert versions == list(range(1, 13))

    artifact = f"{experiment_id}/{run_id}/artifacts/notes.txt"
    url = "/api/2.0/mlflow-artifacts/artifacts/"
    put = requests.put(first.url + url + artifact, data=b"hello", headers={"Host": "tracking"})
    assert put.status_code == 200, put.text
    got = requests.get(second.url + url + artifact, headers={"Host": "tracking"}, timeout=30)
    assert got.content == b"hello"
    foreign = requests.get(f"{second.url}/health", headers={"Host": "evil.example"}, timeout=30)
    assert foreign.status_code == 403
