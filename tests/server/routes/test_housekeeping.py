"""``/mlharbor/gc``: the server purges deleted runs and experiments, with their artifacts."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

API = "/api/2.0/mlflow"
GC = "/ajax-api/2.0/mlharbor/gc"


def test_gc_purges_deleted_runs_with_their_artifacts(
    client: TestClient, artifacts_dir: Path
) -> None:
    experiment_id = client.post(f"{API}/experiments/create", json={"name": "e"}).json()[
        "experiment_id"
    ]
    run = client.post(f"{API}/runs/create", json={"experiment_id": experiment_id}).json()["run"]
    run_id = run["info"]["run_id"]
    root = artifacts_dir / run["info"]["artifact_uri"].removeprefix("mlflow-artifacts:/")
    root.mkdir(parents=True, exist_ok=True)
    (root / "model.txt").write_text("weights")

    # Only what is deleted may go: an active experiment is refused, and nothing is touched.
    refused = client.post(GC, json={"experiment_ids": [experiment_id]})
    assert refused.status_code == 400
    assert refused.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert client.post(GC, json={"older_than": "soon"}).status_code == 400

    client.post(f"{API}/runs/delete", json={"run_id": run_id})
    dry = client.post(GC, json={"dry_run": True}).json()
    assert dry["run_ids"] == [run_id]
    assert (root / "model.txt").exists()
    assert client.post(GC, json={"older_than": "1d"}).json()["run_ids"] == []

    purged = client.post(GC, json={}).json()
    assert purged == {"run_ids": [run_id], "experiment_ids": [], "artifact_failures": {}}
    assert not root.exists()
    assert client.get(f"{API}/runs/get", params={"run_id": run_id}).status_code == 404
