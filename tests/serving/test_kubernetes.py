"""Kubernetes manifests: valid YAML with probes, resources, Service and autoscaler."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mlharbor.cli.models import models
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.serving.kubernetes import k8s_manifest


def _by_kind(text: str) -> dict[str, dict]:
    documents = list(yaml.safe_load_all(text))
    assert len(documents) == 3
    return {doc["kind"]: doc for doc in documents}


def test_manifest_objects() -> None:
    objects = _by_kind(
        k8s_manifest("iris-rf", "registry.local/iris:1", replicas=3, model_uri="models:/iris@p")
    )
    deployment = objects["Deployment"]
    assert deployment["apiVersion"] == "apps/v1"
    assert deployment["spec"]["replicas"] == 3
    template = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"] == template["metadata"]["labels"]
    assert template["metadata"]["annotations"]["mlharbor.io/model-uri"] == "models:/iris@p"
    assert template["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    (container,) = template["spec"]["containers"]
    assert container["image"] == "registry.local/iris:1"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/ping", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["securityContext"]["runAsNonRoot"] is True
    service = objects["Service"]
    assert service["spec"]["selector"] == template["metadata"]["labels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    autoscaler = objects["HorizontalPodAutoscaler"]
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == "iris-rf"
    assert autoscaler["spec"]["minReplicas"] == 3
    assert autoscaler["spec"]["maxReplicas"] == 15
    target = autoscaler["spec"]["metrics"][0]["resource"]
    assert target == {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}


def test_no_yaml_anchors() -> None:
    text = k8s_manifest("iris", "iris:1")
    assert "&id" not in text
    assert "*id" not in text


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("Iris_RF", {}, "not a valid Kubernetes name"),
        ("iris", {"replicas": 0}, "replicas must be at least 1"),
        ("iris", {"replicas": 4, "max_replicas": 2}, "is below replicas"),
    ],
)
def test_invalid_arguments(name: str, options: dict, message: str) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        k8s_manifest(name, "iris:1", **options)


def test_cli_prints_and_writes(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(
        models,
        ["k8s-manifest", "-m", "models:/iris-rf@production", "-n", "iris-rf", "--image",
         "iris:1", "--replicas", "2", "--memory", "256Mi"],
    )  # fmt: skip
    assert printed.exit_code == 0, printed.output
    objects = _by_kind(printed.stdout)
    (container,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["requests"]["memory"] == "256Mi"
    written = runner.invoke(
        models, ["k8s-manifest", "-n", "iris-rf", "--image", "iris:1", "-o", str(tmp_path / "m")]
    )
    assert written.exit_code == 0
    assert _by_kind((tmp_path / "m").read_text())["Service"]["metadata"]["name"] == "iris-rf"
    refused = runner.invoke(models, ["k8s-manifest", "-n", "Bad_Name", "--image", "iris:1"])
    assert refused.exit_code == 1
    assert "not a valid Kubernetes name" in refused.stderr
