"""Pieces every generated Kubernetes manifest shares: name checks, probes, a restricted
security context and multi-document YAML output."""

from __future__ import annotations

import copy
import re
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "check_name",
    "cluster_service",
    "cpu_autoscaler",
    "dump_all",
    "http_probe",
    "restricted_security_context",
]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def check_name(name: str) -> None:
    """Raise unless ``name`` can name Kubernetes objects (a DNS label).

    Raises:
        InvalidParameterValue: for any other name.
    """
    if not _DNS_LABEL.match(name):
        raise InvalidParameterValue(
            f"'{name}' is not a valid Kubernetes name: use at most 63 lower-case letters, digits "
            "and '-', starting and ending with a letter or digit"
        )


def http_probe(path: str, delay: int, host: str | None = None) -> dict[str, Any]:
    """An HTTP GET probe on the container's ``http`` port, optionally with a ``Host`` header
    (for servers that refuse unknown hosts)."""
    get: dict[str, Any] = {"path": path, "port": "http"}
    if host is not None:
        get["httpHeaders"] = [{"name": "Host", "value": host}]
    return {
        "httpGet": get,
        "initialDelaySeconds": delay,
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }


def restricted_security_context() -> dict[str, Any]:
    """What the "restricted" Pod Security Standard asks of a container."""
    return {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }


def cluster_service(name: str, labels: dict[str, str]) -> dict[str, Any]:
    """A ClusterIP Service on port 80 for the pods carrying ``labels`` (their ``http`` port)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "type": "ClusterIP",
            "selector": dict(labels),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def cpu_autoscaler(
    name: str, labels: dict[str, str], minimum: int, maximum: int, target_percent: int
) -> dict[str, Any]:
    """A HorizontalPodAutoscaler (``autoscaling/v2``) of the Deployment ``name`` on CPU."""
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": minimum,
            "maxReplicas": maximum,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": target_percent},
                    },
                }
            ],
        },
    }


def dump_all(objects: list[dict[str, Any]]) -> str:
    """``objects`` as one multi-document YAML string."""
    import yaml

    # a deep copy per object, so shared dicts are written out, not as YAML anchors
    return yaml.safe_dump_all([copy.deepcopy(o) for o in objects], sort_keys=False)
