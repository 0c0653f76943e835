"""A Kubernetes Job running sweep agents: N pods, each an ``mlharbor agent`` taking trials from
the tracking server until the sweep has no more (the role Katib plays for Kubeflow).

The pods need only the tracking server's URL (and, under basic-auth, a Secret with
``MLFLOW_TRACKING_USERNAME`` and ``MLFLOW_TRACKING_PASSWORD``); the controller on the server
hands each trial to exactly one pod, and fails the trial of a pod that dies after the
heartbeat timeout, so a lost pod costs one trial, never a duplicate.
"""

from __future__ import annotations

import re
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.utils.kubernetes import check_name, dump_all, restricted_security_context

__all__ = ["sweep_agents_job", "sweep_agents_manifest"]

_SWEEP_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def sweep_agents_job(
    sweep_id: str,
    image: str,
    tracking_uri: str,
    *,
    name: str | None = None,
    replicas: int = 1,
    count: int | None = None,
    credentials_secret: str | None = None,
    workdir: str | None = None,
    cpu: str = "1",
    memory: str = "2Gi",
    gpus: int = 0,
) -> dict[str, Any]:
    """The Job object (``batch/v1``) running ``replicas`` agents in parallel.

    Raises:
        InvalidParameterValue: for a bad name, sweep id, URI or size.
    """
    if not _SWEEP_ID.match(sweep_id):
        raise InvalidParameterValue(f"'{sweep_id}' is not a sweep id.")
    name = name or f"sweep-agents-{sweep_id[:8].lower()}"
    check_name(name)
    if replicas < 1:
        raise InvalidParameterValue(f"replicas must be at least 1, got {replicas}")
    if count is not None and count < 1:
        raise InvalidParameterValue(f"count must be at least 1, got {count}")
    if gpus < 0:
        raise InvalidParameterValue(f"gpus must not be negative, got {gpus}")
    if not tracking_uri.startswith(("http://", "https://")):
        raise InvalidParameterValue(
            f"Agents in a cluster reach the sweep through a tracking server; '{tracking_uri}' "
            "is not an http(s) URL."
        )
    labels = {"app.kubernetes.io/name": "mlharbor-sweep-agent", "mlharbor.sweep-id": sweep_id}
    args = ["agent", sweep_id] + (["--count", str(count)] if count is not None else [])
    limits: dict[str, Any] = {"cpu": cpu, "memory": memory}
    if gpus:
        limits["nvidia.com/gpu"] = gpus
    container: dict[str, Any] = {
        "name": "agent",
        "image": image,
        "command": ["mlharbor"],
        "args": args,
        "env": [{"name": "MLFLOW_TRACKING_URI", "value": tracking_uri}],
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": limits},
        "securityContext": restricted_security_context(),
    }
    if credentials_secret:
        container["envFrom"] = [{"secretRef": {"name": credentials_secret}}]
    if workdir:
        container["workingDir"] = workdir
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "parallelism": replicas,
            "completions": replicas,
            # A failed pod's trial is already marked failed; new pods take new trials.
            "backoffLimit": replicas,
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"restartPolicy": "Never", "containers": [container]},
            },
        },
    }


def sweep_agents_manifest(sweep_id: str, image: str, tracking_uri: str, **options: Any) -> str:
    """:func:`sweep_agents_job` as YAML."""
    return dump_all([sweep_agents_job(sweep_id, image, tracking_uri, **options)])
