"""LocalArtifactRepository and the artifact repository factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.artifact.factory import get_artifact_repository, register_artifact_repository
from mlharbor.store.artifact.local import LocalArtifactRepository
from mlharbor.store.artifact.protocol import ArtifactRepository
from mlharbor.utils.paths import local_path_to_file_uri


def test_factory_picks_local_for_paths_and_file_uris(tmp_path: Path) -> None:
    for uri in (str(tmp_path), local_path_to_file_uri(str(tmp_path))):
        repository = get_artifact_repository(uri)
        assert isinstance(repository, LocalArtifactRepository)
        assert isinstance(repository, ArtifactRepository)
        assert repository.root == str(tmp_path)


def test_factory_unknown_scheme_and_registration(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterValue, match="Could not find a registered artifact"):
        get_artifact_repository("nosuch://bucket/x")
    register_artifact_repository("nosuch", lambda uri: LocalArtifactRepository(str(tmp_path)))
    assert isinstance(get_artifact_repository("nosuch://bucket/x"), LocalArtifactRepository)


def test_round_trip_and_delete(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "d").mkdir(parents=True)
    (source / "d" / "100%.txt").write_text("literal percent")
    (source / "top.txt").write_text("top")
    repository = LocalArtifactRepository(local_path_to_file_uri(str(tmp_path / "root")))
    repository.log_artifacts(str(source), "dir")
    repository.log_artifact(str(source / "top.txt"))
    assert [f.path for f in repository.list_artifacts()] == ["dir", "top.txt"]
    assert repository.list_artifacts("top.txt") == []
    assert (tmp_path / "root" / "dir" / "d" / "100%.txt").read_text() == "literal percent"
    repository.delete_artifacts("dir/d")
    assert [f.path for f in repository.list_artifacts("dir")] == ["dir/top.txt"]
    repository.delete_artifacts("missing")
    repository.delete_artifacts()
    assert not (tmp_path / "root").exists()


def test_symlink_inside_root_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    (tmp_path / "f.txt").write_text("x")
    repository = LocalArtifactRepository(str(root))
    with pytest.raises(InvalidParameterValue):
        repository.log_artifact(str(tmp_path / "f.txt"), "link")
    with pytest.raises(InvalidParameterValue):
        repository.list_artifacts("link")
    with pytest.raises(InvalidParameterValue):
        repository.delete_artifacts("link/anything")
    (root / "f.txt").symlink_to(outside / "target.txt")
    with pytest.raises(InvalidParameterValue):
        repository.log_artifact(str(tmp_path / "f.txt"))
    assert list(outside.iterdir()) == []


def test_download_into_missing_destination_refused(tmp_path: Path) -> None:
    repository = LocalArtifactRepository(str(tmp_path / "root"))
    (tmp_path / "f.txt").write_text("x")
    repository.log_artifact(str(tmp_path / "f.txt"))
    with pytest.raises(InvalidParameterValue, match="does not exist or is not a directory"):
        repository.download_artifacts("f.txt", str(tmp_path / "nowhere"))
    whole = repository.download_artifacts("", str(tmp_path))
    assert Path(whole) == tmp_path
