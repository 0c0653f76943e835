"""A real ``mlharbor server --app-name basic-auth`` holding two tenants, alice and bob.

The default permission is READ (MLflow's default); alice keeps bob out of her experiment and
registered model with explicit ``NO_PERMISSIONS`` grants. Alice owns a run with two artifacts
(``secret.txt`` and ``model/model.pkl``) and the registered model ``alice-model`` (version 1
from that run); bob owns an experiment, a run and ``bob-model``.

Requests go out through ``http.client`` so query strings and paths arrive exactly as written.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fixtures.servers import RunningServer
from tests.server.auth.conftest import ADMIN, write_ini
from tests.server.conftest import start_server

ALICE = ("alice", "alice-password-1234")
BOB = ("bob", "bob-password-12345")
PROXY = "/api/2.0/mlflow-artifacts/artifacts"
SECRET = b"alice's secret"
PICKLE = b"alice's model bytes"

User = tuple[str, str]


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    def json(self) -> Any:
        return self.body


@dataclass(frozen=True)
class Tenants:
    """The server and the resources of alice and bob."""

    server: RunningServer
    alice_experiment: str
    alice_run: str
    bob_experiment: str
    bob_run: str
    workdir: Path

    def send(
        self,
        user: User | None,
        method: str,
        target: str,
        body: Any = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """One request as ``user``; ``body`` is JSON unless it is bytes."""
        all_headers = dict(headers or {})
        if user is not None:
            token = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
            all_headers["Authorization"] = f"Basic {token}"
        raw: bytes | None = None
        if body is not None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers.setdefault("Content-Type", content_type)
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            connection.request(method, target, body=raw, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        received = {k.lower(): v for k, v in response.getheaders()}
        decoded: Any = data
        if received.get("content-type", "").startswith("application/json") and data:
            decoded = json.loads(data)
        return Reply(response.status, decoded, received)

    def ok(self, user: User | None, method: str, target: str, body: Any = None) -> Any:
        reply = self.send(user, method, target, body)
        assert reply.status == 200, (method, target, reply.status, reply.body)
        return reply.body

    def alice_file(self, name: str) -> bytes:
        """An artifact of alice's run, read as alice."""
        path = f"{PROXY}/{self.alice_experiment}/{self.alice_run}/artifacts/{name}"
        reply = self.send(ALICE, "GET", path)
        assert reply.status == 200, reply.body
        return bytes(reply.body)


def _own_run(tenants_send: Any, user: User, name: str) -> tuple[str, str]:
    experiment_id = tenants_send(
        user, "POST", "/api/2.0/mlflow/experiments/create", {"name": name}
    )["experiment_id"]
    run = tenants_send(
        user, "POST", "/api/2.0/mlflow/runs/create", {"experiment_id": experiment_id}
    )["run"]
    return experiment_id, run["info"]["run_id"]


def _register(send: Any, user: User, name: str, experiment_id: str, run_id: str) -> None:
    send(user, "POST", "/api/2.0/mlflow/registered-models/create", {"name": name})
    source = f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts/model"
    send(
        user,
        "POST",
        "/api/2.0/mlflow/model-versions/create",
        {"name": name, "source": source, "run_id": run_id},
    )


def start_tenants(workdir: Path) -> Iterator[Tenants]:
    """Start the server under ``workdir`` and create both tenants' resources."""
    import pytest

    ini = write_ini(workdir / "auth.ini", f"sqlite:///{workdir / 'users.db'}", "READ")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
        for server in start_server(workdir, "--app-name", "basic-auth"):
            empty = Tenants(server, "", "", "", "", workdir)
            send = empty.ok
            for user in (ALICE, BOB):
                send(
                    ADMIN,
                    "POST",
                    "/api/2.0/mlflow/users/create",
                    {"username": user[0], "password": user[1]},
                )
            alice_experiment, alice_run = _own_run(send, ALICE, "alice-exp")
            bob_experiment, bob_run = _own_run(send, BOB, "bob-exp")
            base = f"{PROXY}/{alice_experiment}/{alice_run}/artifacts"
            for name, data in (("secret.txt", SECRET), ("model/model.pkl", PICKLE)):
                reply = empty.send(ALICE, "PUT", f"{base}/{name}", data, "application/octet-stream")
                assert reply.status == 200, reply.body
            bob_base = f"{PROXY}/{bob_experiment}/{bob_run}/artifacts/model/model.pkl"
            assert empty.send(BOB, "PUT", bob_base, b"bob", "text/plain").status == 200
            _register(send, ALICE, "alice-model", alice_experiment, alice_run)
            _register(send, BOB, "bob-model", bob_experiment, bob_run)
            grants = (
                ("experiments", {"experiment_id": alice_experiment}),
                ("registered-models", {"name": "alice-model"}),
            )
            for kind, key in grants:
                send(
                    ADMIN,
                    "POST",
                    f"/api/2.0/mlflow/{kind}/permissions/create",
                    {**key, "username": BOB[0], "permission": "NO_PERMISSIONS"},
                )
            yield Tenants(server, alice_experiment, alice_run, bob_experiment, bob_run, workdir)
