"""Traces under basic auth: a trace acts on its experiment, whichever route names it."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.server.auth.conftest import ALICE, BOB, basic

V3 = "/api/3.0/mlflow/traces"
TRACE_HEX = "ab" * 16
TRACE_ID = f"tr-{TRACE_HEX}"


@pytest.fixture
def default_permission() -> str:
    return "NO_PERMISSIONS"


def _otlp(client: TestClient, who: tuple[str, str], experiment_id: str) -> int:
    span = {
        "traceId": TRACE_HEX,
        "spanId": "00000000000000aa",
        "name": "secret",
        "startTimeUnixNano": "1",
        "endTimeUnixNano": "2",
    }
    reply = client.post(
        "/v1/traces",
        json={"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]},
        headers={**basic(who), "x-mlflow-experiment-id": experiment_id},
    )
    return reply.status_code


def _experiment(client: TestClient, who: tuple[str, str], name: str) -> str:
    reply = client.post(
        "/api/2.0/mlflow/experiments/create", json={"name": name}, headers=basic(who)
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["experiment_id"])


def test_traces_follow_their_experiment_permissions(client: TestClient, users: None) -> None:
    alices = _experiment(client, ALICE, "alice-traces")
    bobs = _experiment(client, BOB, "bob-traces")
    assert _otlp(client, ALICE, alices) == 200
    assert _otlp(client, BOB, alices) == 403

    def bob(method: str, path: str, **kwargs: Any) -> int:
        return client.request(method, path, headers=basic(BOB), **kwargs).status_code

    location = {"mlflow_experiment": {"experiment_id": alices}}
    assert bob("GET", f"{V3}/{TRACE_ID}") == 403
    assert bob("GET", f"{V3}/get", params={"trace_id": TRACE_ID}) == 403
    assert bob("GET", f"{V3}/batchGet", params={"trace_ids": TRACE_ID}) == 403
    assert bob("POST", f"{V3}/search", json={"locations": [location]}) == 403
    assert bob("PATCH", f"{V3}/{TRACE_ID}/tags", json={"key": "k", "value": "v"}) == 403
    assessment = {"assessment_name": "x", "feedback": {"value": 1}}
    assert bob("POST", f"{V3}/{TRACE_ID}/assessments", json={"assessment": assessment}) == 403
    delete = {"experiment_id": alices, "request_ids": [TRACE_ID]}
    assert bob("POST", "/api/2.0/mlflow/traces/delete-traces", json=delete) == 403
    # Bob may write his own experiment, but not pull Alice's trace into it by its id.
    info = {
        "trace_id": TRACE_ID,
        "trace_location": {"mlflow_experiment": {"experiment_id": bobs}},
        "request_time": "2024-01-01T00:00:00Z",
        "state": "OK",
    }
    assert bob("POST", V3, json={"trace": {"trace_info": info}}) == 400
    assert _otlp(client, BOB, bobs) == 400
    reply = client.get(f"{V3}/{TRACE_ID}", headers=basic(ALICE))
    assert reply.json()["trace"]["trace_info"]["trace_location"]["mlflow_experiment"] == {
        "experiment_id": alices
    }
