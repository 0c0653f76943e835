"""``/mlharbor/gc`` under basic-auth: only admins may purge for good."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.server.auth.conftest import ADMIN, BOB, basic

GC = "/api/2.0/mlharbor/gc"


def test_only_admins_purge_deleted_experiments(client: TestClient, users: None) -> None:
    def create_deleted(name: str) -> str:
        experiment_id = client.post(
            "/api/2.0/mlflow/experiments/create", json={"name": name}, headers=basic(BOB)
        ).json()["experiment_id"]
        deleted = client.post(
            "/api/2.0/mlflow/experiments/delete",
            json={"experiment_id": experiment_id},
            headers=basic(BOB),
        )
        assert deleted.status_code == 200, deleted.text
        return str(experiment_id)

    bobs = create_deleted("bobs")
    # Bob manages his own experiment, yet may not purge it, by id or wholesale.
    for body in ({"experiment_ids": [bobs]}, {}, {"older_than": "0s", "dry_run": True}):
        refused = client.post(GC, json=body, headers=basic(BOB))
        assert refused.status_code == 403, refused.text
        assert refused.json()["error_code"] == "PERMISSION_DENIED"
    assert client.post(GC, json={}).status_code == 401
    still = client.get(
        "/api/2.0/mlflow/experiments/get", params={"experiment_id": bobs}, headers=basic(ADMIN)
    )
    assert still.json()["experiment"]["lifecycle_stage"] == "deleted"

    purged = client.post(GC, json={"experiment_ids": [bobs]}, headers=basic(ADMIN))
    assert purged.status_code == 200, purged.text
    assert purged.json()["experiment_ids"] == [bobs]
    gone = client.get(
        "/api/2.0/mlflow/experiments/get", params={"experiment_id": bobs}, headers=basic(ADMIN)
    )
    assert gone.status_code == 404
