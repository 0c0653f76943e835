"""``HttpArtifactRepository``: URI resolution, and transfers through a live mlharbor server."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.store.artifact.http import HttpArtifactRepository, resolve_artifacts_uri

SERVICE = "/api/2.0/mlflow-artifacts/artifacts"


@pytest.mark.parametrize(
    ("uri", "tracking", "expected"),
    [
        (
            "mlflow-artifacts:/1/abc/artifacts",
            "http://h:5000",
            f"http://h:5000{SERVICE}/1/abc/artifacts",
        ),
        ("mlflow-artifacts:/1", "https://h/prefix/", f"https://h/prefix{SERVICE}/1"),
        ("mlflow-artifacts:", "http://h:5000", f"http://h:5000{SERVICE}"),
        ("mlflow-artifacts://other:81/2/x", "https://h", f"https://other:81{SERVICE}/2/x"),
        ("mlflow-artifacts://other:81/2/x", "sqlite:///db", f"http://other:81{SERVICE}/2/x"),
        (f"http://h:1{SERVICE}/3/y/", None, f"http://h:1{SERVICE}/3/y"),
    ],
)
def test_resolve(uri: str, tracking: str | None, expected: str) -> None:
    assert resolve_artifacts_uri(uri, tracking) == expected


@pytest.mark.parametrize(
    ("uri", "tracking", "message"),
    [
        ("mlflow-artifacts:/1", "sqlite:///mlflow.db", "must be a valid http or https URI"),
        ("mlflow-artifacts:/1", None, "must be a valid http or https URI"),
        ("mlflow-artifacts://5000/1", "http://h", "no host was defined"),
        ("s3://bucket/x", "http://h", "Not an mlflow-artifacts"),
    ],
)
def test_resolve_refuses(uri: str, tracking: str | None, message: str) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        resolve_artifacts_uri(uri, tracking)


def test_tracking_uri_credentials_are_not_echoed() -> None:
    with pytest.raises(InvalidParameterValue) as err:
        resolve_artifacts_uri("mlflow-artifacts:/1", "postgresql://user:secret@db/x?password=p")
    assert "secret" not in str(err.value)
    assert "password=p" not in str(err.value)


def test_repository_outside_the_service_is_refused() -> None:
    with pytest.raises(InvalidParameterValue, match="does not point into an artifact service"):
        HttpArtifactRepository("http://h:1/somewhere/else")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_large_file_streams_both_ways(harbor_url: str, tmp_path: Path) -> None:
    repo = HttpArtifactRepository("mlflow-artifacts:/big/run", tracking_uri=harbor_url)
    big = tmp_path / "weights.bin"
    with big.open("wb") as out:
        for _ in range(24):
            out.write(os.urandom(1024 * 1024))
    repo.log_artifact(str(big), "ckpt")
    [info] = repo.list_artifacts("ckpt")
    assert (info.path, info.file_size) == ("ckpt/weights.bin", 24 * 1024 * 1024)
    copy = Path(repo.download_artifacts("ckpt/weights.bin", str(tmp_path)))
    assert copy == tmp_path / "ckpt" / "weights.bin"
    assert _digest(copy) == _digest(big)
    assert not list(copy.parent.glob("*.part"))


def test_authority_form_and_http_form_reach_the_same_files(harbor_url: str, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("same place")
    netloc = urlsplit(harbor_url).netloc
    HttpArtifactRepository(f"mlflow-artifacts://{netloc}/shared").log_artifact(str(note))
    by_url = HttpArtifactRepository(f"{harbor_url}{SERVICE}/shared")
    assert [f.path for f in by_url.list_artifacts()] == ["note.txt"]
    by_env = HttpArtifactRepository("mlflow-artifacts:/shared", tracking_uri=harbor_url)
    assert Path(by_env.download_artifacts("note.txt")).read_text() == "same place"


def test_whole_repository_download_and_delete(harbor_url: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    (src / "top.json").write_text("{}")
    (src / "a" / "b" / "deep.txt").write_text("deep")
    repo = HttpArtifactRepository("mlflow-artifacts:/1/run/artifacts", tracking_uri=harbor_url)
    repo.log_artifacts(str(src))
    everything = Path(repo.download_artifacts(""))
    assert (everything / "top.json").read_text() == "{}"
    assert (everything / "a" / "b" / "deep.txt").read_text() == "deep"
    repo.delete_artifacts("a")
    assert [f.path for f in repo.list_artifacts()] == ["top.json"]
    repo.delete_artifacts()
    assert repo.list_artifacts() == []


def test_service_root_is_never_deleted(harbor_url: str) -> None:
    repo = HttpArtifactRepository("mlflow-artifacts:", tracking_uri=harbor_url)
    with pytest.raises(InvalidParameterValue, match="Refusing to delete"):
        repo.delete_artifacts()


def test_missing_destination_directory_is_refused(harbor_url: str, tmp_path: Path) -> None:
    repo = HttpArtifactRepository("mlflow-artifacts:/1", tracking_uri=harbor_url)
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        repo.download_artifacts("x.txt", str(tmp_path / "absent"))


def test_missing_file_leaves_no_temporary_directory(harbor_url: str) -> None:
    repo = HttpArtifactRepository("mlflow-artifacts:/1", tracking_uri=harbor_url)
    with pytest.raises(MlharborException) as err:
        repo.download_artifacts("nope/missing.txt")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize(
    "bad", ["../x", "a/../../x", "/etc/passwd", "a\\b", "%2e%2e/x", "a#frag", "C:/x"]
)
def test_hostile_paths_are_refused_before_any_request(
    harbor_url: str, tmp_path: Path, bad: str
) -> None:
    file = tmp_path / "f.txt"
    file.write_text("x")
    repo = HttpArtifactRepository("mlflow-artifacts:/1", tracking_uri=harbor_url)
    for attempt in (
        lambda: repo.log_artifact(str(file), bad),
        lambda: repo.list_artifacts(bad),
        lambda: repo.download_artifacts(bad, str(tmp_path)),
        lambda: repo.delete_artifacts(bad),
    ):
        with pytest.raises(InvalidParameterValue):
            attempt()
    assert repo.list_artifacts() == []
