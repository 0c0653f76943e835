"""Sweep endpoints under basic-auth: the sweep's experiment decides who may do what."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.server.auth.conftest import ALICE, BOB, basic

SWEEPS = "/api/2.0/mlharbor/sweeps"
CONFIG = {
    "method": "random",
    "metric": {"name": "loss"},
    "parameters": {"x": {"min": 0.0, "max": 1.0}},
}


def test_sweep_permissions_follow_the_experiment(client: TestClient, users: None) -> None:
    def call(who: tuple[str, str], method: str, path: str, **kwargs: object) -> int:
        response = client.request(method, f"{SWEEPS}/{path}", headers=basic(who), **kwargs)  # type: ignore[arg-type]
        return int(response.status_code)

    experiment_id = client.post(
        "/api/2.0/mlflow/experiments/create", json={"name": "alices"}, headers=basic(ALICE)
    ).json()["experiment_id"]
    created = client.post(
        f"{SWEEPS}/create",
        json={"experiment_id": experiment_id, "config": CONFIG},
        headers=basic(ALICE),
    )
    assert created.status_code == 200, created.text
    sweep_id = created.json()["sweep"]["sweep_id"]
    assert call(ALICE, "POST", "claim", json={"sweep_id": sweep_id}) == 200

    # Bob reads (the default permission) but may not start, steer or feed the sweep.
    assert call(BOB, "GET", "get", params={"sweep_id": sweep_id}) == 200
    assert call(BOB, "GET", "list", params={"experiment_id": experiment_id}) == 200
    body = {"experiment_id": experiment_id, "config": CONFIG}
    assert call(BOB, "POST", "create", json=body) == 403
    for path in ("claim", "stop", "resume"):
        assert call(BOB, "POST", path, json={"sweep_id": sweep_id}) == 403
    assert call(BOB, "POST", "report", json={"sweep_id": sweep_id, "number": 0}) == 403
    # An unknown sweep is refused alike, so ids cannot be probed.
    assert call(BOB, "POST", "claim", json={"sweep_id": "0" * 32}) == 403
    assert call(ALICE, "POST", "report", json={"sweep_id": sweep_id, "number": 0}) == 200
