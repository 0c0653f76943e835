"""``S3ArtifactRepository`` against moto's standalone S3 server on a loopback port."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.store.artifact.s3 import S3ArtifactRepository, parse_s3_uri


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.csv").write_text("x,y\n1,2\n")
    (src / "sub" / "deeper" / "c.bin").write_bytes(os.urandom(1024))
    return src


def test_parse_s3_uri() -> None:
    assert parse_s3_uri("s3://bucket/some/prefix/") == ("bucket", "some/prefix")
    assert parse_s3_uri("s3://bucket") == ("bucket", "")
    with pytest.raises(InvalidParameterValue):
        parse_s3_uri("gs://bucket/x")
    with pytest.raises(InvalidParameterValue):
        parse_s3_uri("s3:///no-bucket")


def test_upload_list_download_delete(s3_bucket: str, source: Path, tmp_path: Path) -> None:
    repo = S3ArtifactRepository(f"s3://{s3_bucket}/exp/run/artifacts")
    repo.log_artifacts(str(source), "results")
    repo.log_artifact(str(source / "a.txt"))
    repo.log_artifact(str(source / "a.txt"), "copies/one")

    assert [(f.path, f.is_dir, f.file_size) for f in repo.list_artifacts()] == [
        ("a.txt", False, 5),
        ("copies", True, None),
        ("results", True, None),
    ]
    assert [(f.path, f.is_dir) for f in repo.list_artifacts("results/sub")] == [
        ("results/sub/b.csv", False),
        ("results/sub/deeper", True),
    ]
    assert repo.list_artifacts("missing") == []

    out = tmp_path / "out"
    out.mkdir()
    local = Path(repo.download_artifacts("results", str(out)))
    assert local == out / "results"
    assert _tree(local) == _tree(source)
    single = Path(repo.download_artifacts("copies/one/a.txt"))
    assert single.read_text() == "alpha"
    everything = Path(repo.download_artifacts("", str(tmp_path / "all")))
    assert sorted(_tree(everything)) == [
        "a.txt",
        "copies/one/a.txt",
        "results/a.txt",
        "results/sub/b.csv",
        "results/sub/deeper/c.bin",
    ]

    with pytest.raises(ResourceDoesNotExist):
        repo.download_artifacts("nope.txt", str(out))

    repo.delete_artifacts("results/sub")
    assert [f.path for f in repo.list_artifacts("results")] == ["results/a.txt"]
    repo.delete_artifacts("a.txt")
    assert [f.path for f in repo.list_artifacts()] == ["copies", "results"]
    repo.delete_artifacts()
    assert repo.list_artifacts() == []


def test_prefix_boundaries_are_respected(s3_bucket: str, source: Path) -> None:
    run1 = S3ArtifactRepository(f"s3://{s3_bucket}/runs/1")
    run10 = S3ArtifactRepository(f"s3://{s3_bucket}/runs/10")
    run1.log_artifact(str(source / "a.txt"))
    run10.log_artifact(str(source / "sub" / "b.csv"))
    assert [f.path for f in run1.list_artifacts()] == ["a.txt"]
    run1.delete_artifacts()
    assert [f.path for f in run10.list_artifacts()] == ["b.csv"]


def test_bucket_root_repository(s3_bucket: str, source: Path) -> None:
    repo = S3ArtifactRepository(f"s3://{s3_bucket}")
    repo.log_artifact(str(source / "a.txt"), "top")
    assert [f.path for f in repo.list_artifacts()] == ["top"]
    assert [f.path for f in repo.list_artifacts("top")] == ["top/a.txt"]


def test_multipart_upload_of_a_large_file(
    s3_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", str(5 * 1024 * 1024))
    monkeypatch.setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", str(5 * 1024 * 1024))
    big = tmp_path / "big.bin"
    payload = os.urandom(11 * 1024 * 1024)
    big.write_bytes(payload)
    repo = S3ArtifactRepository(f"s3://{s3_bucket}/large")
    repo.log_artifact(str(big))
    head = repo.client.head_object(Bucket=s3_bucket, Key="large/big.bin")
    # A multipart object's ETag ends with "-<number of parts>".
    assert head["ETag"].strip('"').endswith("-3")
    copy = Path(repo.download_artifacts("big.bin", str(tmp_path / "dl")))
    assert copy.read_bytes() == payload


def test_extra_upload_args_are_applied(
    s3_bucket: str, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_S3_UPLOAD_EXTRA_ARGS", '{"Metadata": {"origin": "mlharbor"}}')
    repo = S3ArtifactRepository(f"s3://{s3_bucket}/meta")
    repo.log_artifact(str(source / "a.txt"))
    head = repo.client.head_object(Bucket=s3_bucket, Key="meta/a.txt")
    assert head["Metadata"] == {"origin": "mlharbor"}
    monkeypatch.setenv("MLFLOW_S3_UPLOAD_EXTRA_ARGS", "[1]")
    with pytest.raises(InvalidParameterValue, match="JSON object"):
        repo.log_artifact(str(source / "a.txt"))


def test_hostile_paths_are_refused(s3_bucket: str, source: Path) -> None:
    repo = S3ArtifactRepository(f"s3://{s3_bucket}/safe")
    for bad in ("../escape", "/abs", "a/../../b", "a\\b"):
        with pytest.raises(InvalidParameterValue):
            repo.log_artifact(str(source / "a.txt"), bad)
        with pytest.raises(InvalidParameterValue):
            repo.list_artifacts(bad)
    assert repo.list_artifacts() == []


def test_clients_are_shared_until_the_environment_changes(
    s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = S3ArtifactRepository(f"s3://{s3_bucket}/a").client
    assert S3ArtifactRepository(f"s3://{s3_bucket}/b").client is first
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "other-key")
    assert S3ArtifactRepository(f"s3://{s3_bucket}/a").client is not first
