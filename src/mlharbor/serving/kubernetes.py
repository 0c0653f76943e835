"""Kubernetes manifests for a scoring-server image: Deployment, Service and autoscaler.

The Deployment probes ``/ping`` (liveness) and ``/health`` (readiness), sets resource requests
and limits, and carries Prometheus scrape annotations for ``/metrics``; the Service exposes port
80; the HorizontalPodAutoscaler (``autoscaling/v2``) scales on CPU utilisation.
"""

from __future__ import annotations

from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.utils.kubernetes import (
    check_name,
    cluster_service,
    cpu_autoscaler,
    dump_all,
    http_probe,
    restricted_security_context,
)

__all__ = ["k8s_manifest", "k8s_objects"]


def k8s_objects(
    name: str,
    image: str,
    *,
    model_uri: str | None = None,
    replicas: int = 2,
    max_replicas: int | None = None,
    port: int = 8080,
    cpu_request: str = "250m",
    memory_request: str = "512Mi",
    cpu_limit: str = "1",
    memory_limit: str = "1Gi",
    target_cpu_percent: int = 70,
) -> list[dict[str, Any]]:
    """The Deployment, Service and HorizontalPodAutoscaler as dictionaries.

    Raises:
        InvalidParameterValue: for a name that is not a DNS label or bad replica counts.
    """
    check_name(name)
    if replicas < 1:
        raise InvalidParameterValue(f"replicas must be at least 1, got {replicas}")
    top = max_replicas if max_replicas is not None else max(replicas * 5, replicas)
    if top < replicas:
        raise InvalidParameterValue(f"max_replicas ({top}) is below replicas ({replicas})")
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "model-server"}
    annotations = {
        "prometheus.io/scrape": "true",
        "prometheus.io/path": "/metrics",
        "prometheus.io/port": str(port),
    }
    if model_uri:
        annotations["mlharbor.io/model-uri"] = model_uri

    container = {
        "name": "model-server",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "livenessProbe": http_probe("/ping", 30),
        "readinessProbe": http_probe("/health", 5),
        "resources": {
            "requests": {"cpu": cpu_request, "memory": memory_request},
            "limits": {"cpu": cpu_limit, "memory": memory_limit},
        },
        "securityContext": restricted_security_context(),
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels), "annotations": annotations},
                "spec": {"containers": [container]},
            },
        },
    }
    service = cluster_service(name, labels)
    autoscaler = cpu_autoscaler(name, labels, replicas, top, target_cpu_percent)
    return [deployment, service, autoscaler]


def k8s_manifest(name: str, image: str, **options: Any) -> str:
    """The objects of :func:`k8s_objects` as one multi-document YAML string."""
    return dump_all(k8s_objects(name, image, **options))
