"""Kubernetes manifests for a scaled-out tracking server: PostgreSQL for metadata, S3 for
artifacts, and as many stateless server replicas as the load needs.

Objects: a Deployment whose init container migrates the database once before the new version
serves (``mlharbor db upgrade``; migrations take a database lock, so replicas starting together
are safe), a Service, a HorizontalPodAutoscaler and a PodDisruptionBudget. The database URI and
the S3 credentials come from Secrets, never from the manifest. The server refuses unknown
``Host`` headers, so the manifest allows the Service's names (and any ingress hosts given) and
sends the Service name as the probes' ``Host``.
"""

from __future__ import annotations

from collections.abc import Sequence
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

__all__ = ["tracking_server_manifest", "tracking_server_objects"]

_DB_ENV = "MLHARBOR_BACKEND_STORE_URI"


def _check_sizes(replicas: int, max_replicas: int, workers: int) -> None:
    if replicas < 1:
        raise InvalidParameterValue(f"replicas must be at least 1, got {replicas}")
    if max_replicas < replicas:
        raise InvalidParameterValue(f"max_replicas ({max_replicas}) is below replicas ({replicas})")
    if workers < 1:
        raise InvalidParameterValue(f"workers must be at least 1, got {workers}")


def tracking_server_objects(
    name: str,
    image: str,
    *,
    database_secret: str,
    artifacts_destination: str,
    database_secret_key: str = "uri",
    s3_secret: str | None = None,
    s3_endpoint_url: str | None = None,
    hosts: Sequence[str] = (),
    replicas: int = 2,
    max_replicas: int | None = None,
    workers: int = 2,
    port: int = 5000,
    cpu_request: str = "500m",
    memory_request: str = "256Mi",
    cpu_limit: str = "2",
    memory_limit: str = "1Gi",
    app_name: str | None = None,
) -> list[dict[str, Any]]:
    """The Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget.

    Args:
        name: name of every object (a DNS label); also the Service's host name.
        image: an image with mlharbor installed (``pip install 'mlharbor[postgres,s3]'``).
        database_secret: Secret holding the PostgreSQL URI under ``database_secret_key``.
        artifacts_destination: ``s3://bucket/prefix`` shared by every replica.
        s3_secret: Secret whose keys (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``...)
            become environment variables; omit when the pods get an IAM role.
        s3_endpoint_url: for S3-compatible stores (``MLFLOW_S3_ENDPOINT_URL``).
        hosts: extra host names the server answers (an ingress's).
        replicas, max_replicas: the autoscaler's bounds (``max_replicas`` defaults to 5x).
        workers: server processes per pod.
        app_name: ``basic-auth`` to require users and permissions.

    Raises:
        InvalidParameterValue: for a bad name, sizes, or an artifact store replicas can't share.
    """
    check_name(name)
    top = max_replicas if max_replicas is not None else replicas * 5
    _check_sizes(replicas, top, workers)
    if not artifacts_destination.startswith("s3://"):
        raise InvalidParameterValue(
            f"--artifacts-destination {artifacts_destination!r} is not shared storage: every "
            "replica must see the same artifacts, so use s3://bucket/prefix"
        )
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "tracking-server"}
    allowed = [name, f"{name}.*", *hosts]
    args = [
        "server",
        "--backend-store-uri", f"$({_DB_ENV})",
        "--artifacts-destination", artifacts_destination,
        "--host", "0.0.0.0",
        "--port", str(port),
        "--workers", str(workers),
        "--allowed-hosts", ",".join(allowed),
    ]  # fmt: skip
    if app_name:
        args += ["--app-name", app_name]

    def common() -> dict[str, Any]:
        # built per container: a shared list would be written as a YAML alias
        env: list[dict[str, Any]] = [
            {
                "name": _DB_ENV,
                "valueFrom": {
                    "secretKeyRef": {"name": database_secret, "key": database_secret_key}
                },
            }
        ]
        if s3_endpoint_url:
            env.append({"name": "MLFLOW_S3_ENDPOINT_URL", "value": s3_endpoint_url})
        env_from = [{"secretRef": {"name": s3_secret}}] if s3_secret else []
        return {"image": image, "imagePullPolicy": "IfNotPresent", "env": env, "envFrom": env_from}

    migrate = {
        "name": "migrate",
        "command": ["mlharbor"],
        "args": ["db", "upgrade", f"$({_DB_ENV})"],
        "securityContext": restricted_security_context(),
        **common(),
    }
    server = {
        "name": "tracking-server",
        "command": ["mlharbor"],
        "args": args,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "livenessProbe": http_probe("/health", 20, host=name),
        "readinessProbe": http_probe("/health", 3, host=name),
        "resources": {
            "requests": {"cpu": cpu_request, "memory": memory_request},
            "limits": {"cpu": cpu_limit, "memory": memory_limit},
        },
        "securityContext": restricted_security_context(),
        **common(),
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            # a new version only takes traffic from old pods once it is ready
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"initContainers": [migrate], "containers": [server]},
            },
        },
    }
    service = cluster_service(name, labels)
    autoscaler = cpu_autoscaler(name, labels, replicas, top, 70)
    disruption = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "labels": labels},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(labels)}},
    }
    return [deployment, service, autoscaler, disruption]


def tracking_server_manifest(name: str, image: str, **options: Any) -> str:
    """The objects of :func:`tracking_server_objects` as one multi-document YAML string."""
    return dump_all(tracking_server_objects(name, image, **options))
