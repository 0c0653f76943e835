"""The artifact proxy (``/mlflow-artifacts/*``), run artifact listing and UI downloads."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from mlharbor.server.app import create_app

PROXY = "/api/2.0/mlflow-artifacts/artifacts"


def test_put_get_list_delete_round_trip(client: TestClient, artifacts_dir: Path) -> None:
    put = client.put(f"{PROXY}/1/scratch/hello.txt", content=b"hello")
    assert put.status_code == 200
    assert put.content == b""
    assert "content-type" not in put.headers
    assert (artifacts_dir / "1" / "scratch" / "hello.txt").read_bytes() == b"hello"
    listing = client.get(PROXY, params={"path": "1/scratch"})
    assert listing.json() == {"files": [{"path": "hello.txt", "is_dir": False, "file_size": 5}]}
    root = client.get(PROXY).json()
    assert root == {"files": [{"path": "1", "is_dir": True}]}
    got = client.get(f"{PROXY}/1/scratch/hello.txt")
    assert got.content == b"hello"
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-disposition"].startswith("attachment")
    assert client.delete(f"{PROXY}/1/scratch/hello.txt").json() == {}
    assert client.get(PROXY, params={"path": "1/scratch"}).json() == {}


def test_upload_overwrites_and_accepts_empty_files(client: TestClient) -> None:
    client.put(f"{PROXY}/1/f.bin", content=b"first")
    client.put(f"{PROXY}/1/f.bin", content=b"second")
    assert client.get(f"{PROXY}/1/f.bin").content == b"second"
    assert client.put(f"{PROXY}/1/empty.txt", content=b"").status_code == 200
    assert client.get(f"{PROXY}/1/empty.txt").content == b""


def test_large_upload_streams_to_disk(client: TestClient, artifacts_dir: Path) -> None:
    payload = bytes(range(256)) * (40 * 1024 * 4)  # 40 MiB, above the JSON body limit

    def chunks() -> object:
        for start in range(0, len(payload), 1 << 20):
            yield payload[start : start + (1 << 20)]

    response = client.put(f"{PROXY}/2/big.bin", content=chunks())  # type: ignore[arg-type]
    assert response.status_code == 200
    assert (artifacts_dir / "2" / "big.bin").stat().st_size == len(payload)
    ranged = client.get(f"{PROXY}/2/big.bin", headers={"Range": "bytes=256-511"})
    assert ranged.status_code == 206
    assert ranged.content == bytes(range(256))


def test_missing_file_is_404_json_and_directory_is_400(client: TestClient) -> None:
    missing = client.get(f"{PROXY}/999/nope.txt")
    assert missing.status_code == 404
    assert missing.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "No such artifact: '999/nope.txt'",
    }
    client.put(f"{PROXY}/1/models/a.txt", content=b"a")
    directory = client.get(f"{PROXY}/1/models")
    assert directory.status_code == 400
    assert directory.json() == {
        "detail": "Artifact path refers to a directory, not a file: '1/models'"
    }


def test_listing_a_file_or_missing_path_is_empty(client: TestClient) -> None:
    client.put(f"{PROXY}/1/a.txt", content=b"a")
    assert client.get(PROXY, params={"path": "1/a.txt"}).json() == {}
    assert client.get(PROXY, params={"path": "7/none"}).json() == {}


def test_multipart_is_not_implemented_for_local_destinations(client: TestClient) -> None:
    response = client.post(
        "/api/2.0/mlflow-artifacts/mpu/create/1/big.bin",
        json={"path": "1/big.bin", "num_parts": 2},
    )
    assert response.status_code == 501
    assert response.json() == {
        "error_code": "NOT_IMPLEMENTED",
        "message": "Multipart upload is not supported for the current artifact repository",
    }


def test_run_artifact_listing_and_get_artifact(client: TestClient) -> None:
    run = client.post("/api/2.0/mlflow/runs/create", json={"experiment_id": "0"}).json()["run"]
    run_id = run["info"]["run_id"]
    client.put(f"{PROXY}/0/{run_id}/artifacts/plots/curve.png", content=b"\x89PNG")
    listing = client.get(
        "/api/2.0/mlflow/artifacts/list", params={"run_id": run_id, "path": "plots"}
    ).json()
    assert listing == {
        "root_uri": f"mlflow-artifacts:/0/{run_id}/artifacts",
        "files": [{"path": "plots/curve.png", "is_dir": False, "file_size": 4}],
    }
    top = client.get("/api/2.0/mlflow/artifacts/list", params={"run_uuid": run_id}).json()
    assert top["files"] == [{"path": "plots", "is_dir": True}]
    got = client.get("/get-artifact", params={"run_uuid": run_id, "path": "plots/curve.png"})
    assert got.content == b"\x89PNG"
    assert got.headers["content-type"] == "image/png"
    missing = client.get("/get-artifact", params={"run_id": run_id, "path": "nope.txt"})
    assert missing.status_code == 404
    assert missing.json()["message"] == f"No such artifact: '0/{run_id}/artifacts/nope.txt'"
    unknown = client.get("/api/2.0/mlflow/artifacts/list", params={"run_id": "0" * 32})
    assert unknown.status_code == 404


def test_without_artifact_serving_the_proxy_is_unavailable(tmp_path: Path) -> None:
    root = tmp_path / "mlruns"
    app = create_app(f"sqlite:///{tmp_path / 'db.sqlite'}", str(root), None, False)
    with TestClient(app) as client:
        assert client.put(f"{PROXY}/1/a.txt", content=b"a").status_code == 503
        assert client.get(PROXY).status_code == 503
        run = client.post("/api/2.0/mlflow/runs/create", json={"experiment_id": "0"}).json()
        info = run["run"]["info"]
        assert info["artifact_uri"].startswith(str(root))
        artifact_dir = Path(info["artifact_uri"])
        artifact_dir.mkdir(parents=True)
        (artifact_dir / "notes.txt").write_text("hi")
        listing = client.get("/api/2.0/mlflow/artifacts/list", params={"run_id": info["run_id"]})
        assert listing.json()["files"] == [{"path": "notes.txt", "is_dir": False, "file_size": 2}]
        got = client.get("/get-artifact", params={"run_id": info["run_id"], "path": "notes.txt"})
        assert got.text == "hi"


def test_s3_destination_round_trip(tmp_path: Path, s3_bucket: str) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'db.sqlite'}", None, f"s3://{s3_bucket}/proxied")
    with TestClient(app) as client:
        assert client.put(f"{PROXY}/1/run/artifacts/a.txt", content=b"alpha").status_code == 200
        assert (
            client.put(f"{PROXY}/1/run/artifacts/sub/b.bin", content=b"\x00\x01").status_code == 200
        )
        listing = client.get(PROXY, params={"path": "1/run/artifacts"}).json()
        assert listing == {
            "files": [
                {"path": "a.txt", "is_dir": False, "file_size": 5},
                {"path": "sub", "is_dir": True},
            ]
        }
        got = client.get(f"{PROXY}/1/run/artifacts/a.txt")
        assert got.content == b"alpha"
        assert got.headers["content-type"].startswith("text/plain")
        assert client.get(f"{PROXY}/1/run/artifacts/none.txt").status_code == 404
        assert client.delete(f"{PROXY}/1/run/artifacts/sub").json() == {}
        after = client.get(PROXY, params={"path": "1/run/artifacts"}).json()
        assert after == {"files": [{"path": "a.txt", "is_dir": False, "file_size": 5}]}


def test_upload_below_an_existing_file_is_refused(client: TestClient) -> None:
    client.put(f"{PROXY}/1/plain.txt", content=b"x")
    response = client.put(f"{PROXY}/1/plain.txt/child.txt", content=b"y")
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_ui_upload_into_a_run(client: TestClient, artifacts_dir: Path) -> None:
    run = client.post("/api/2.0/mlflow/runs/create", json={"experiment_id": "0"}).json()["run"]
    run_id = run["info"]["run_id"]
    upload = "/ajax-api/2.0/mlflow/upload-artifact"
    done = client.post(upload, params={"run_uuid": run_id, "path": "ui/note.txt"}, content=b"hi")
    assert done.json() == {}
    assert (artifacts_dir / "0" / run_id / "artifacts" / "ui" / "note.txt").read_bytes() == b"hi"
    too_big = client.post(
        upload,
        params={"run_uuid": run_id, "path": "big.bin"},
        content=b"x" * (10 * 1024 * 1024 + 1),
    )
    assert too_big.status_code == 400
    sneaky = client.post(upload, params={"run_uuid": run_id, "path": "../../x"}, content=b"x")
    assert sneaky.status_code == 400


def test_runs_below_a_remote_default_root_are_served(tmp_path: Path, s3_bucket: str) -> None:
    from mlharbor.store.artifact.factory import get_artifact_repository

    root = f"s3://{s3_bucket}/root"
    app = create_app(f"sqlite:///{tmp_path / 'db.sqlite'}", root, None, False)
    with TestClient(app) as client:
        run = client.post("/api/2.0/mlflow/runs/create", json={"experiment_id": "0"}).json()
        info = run["run"]["info"]
        assert info["artifact_uri"].startswith(root + "/")
        note = tmp_path / "note.txt"
        note.write_text("remote")
        get_artifact_repository(info["artifact_uri"]).log_artifact(str(note), "docs")
        listing = client.get("/api/2.0/mlflow/artifacts/list", params={"run_id": info["run_id"]})
        assert listing.json()["files"] == [{"path": "docs", "is_dir": True}]
        got = client.get(
            "/get-artifact", params={"run_id": info["run_id"], "path": "docs/note.txt"}
        )
        assert got.text == "remote"
