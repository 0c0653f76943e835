"""``mlharbor.artifacts``: download, list and load artifacts by URI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from tests.client.isolation import isolated_workdir


@pytest.fixture
def run_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for _ in isolated_workdir(tmp_path, monkeypatch):
        with mlflow.start_run() as run:
            mlflow.log_text("hello", "notes/a.txt")
            mlflow.log_dict({"k": [1, 2]}, "config/c.json")
            mlflow.log_dict({"y": 1}, "config/c.yaml")
            mlflow.log_image(np.zeros((3, 4, 3), dtype=np.uint8), "img/z.png")
        yield run.info.run_id


def test_download_by_run_and_by_uri(run_id: str, tmp_path: Path) -> None:
    by_run = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="notes")
    assert (Path(by_run) / "a.txt").read_text() == "hello"
    target = tmp_path / "dst"
    by_uri = mlflow.artifacts.download_artifacts(f"runs:/{run_id}/notes/a.txt", dst_path=target)
    assert Path(by_uri) == target / "notes" / "a.txt"
    root = mlflow.get_run(run_id).info.artifact_uri
    direct = mlflow.artifacts.download_artifacts(f"{root}/config", dst_path=str(tmp_path / "d"))
    assert sorted(p.name for p in Path(direct).iterdir()) == ["c.json", "c.yaml"]


def test_load_helpers(run_id: str) -> None:
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/a.txt") == "hello"
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config/c.json") == {"k": [1, 2]}
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config/c.yaml") == {"y": 1}
    assert mlflow.artifacts.load_image(f"runs:/{run_id}/img/z.png").size == (4, 3)


def test_list(run_id: str) -> None:
    listed = mlflow.artifacts.list_artifacts(f"runs:/{run_id}/config")
    assert [f.path for f in listed] == ["config/c.json", "config/c.yaml"]
    top = mlflow.artifacts.list_artifacts(run_id=run_id)
    assert [f.path for f in top] == ["config", "img", "notes"]
    root = mlflow.get_run(run_id).info.artifact_uri
    assert [f.path for f in mlflow.artifacts.list_artifacts(root, artifact_path="notes")] == [
        "notes/a.txt"
    ]


def test_errors(run_id: str) -> None:
    with pytest.raises(InvalidParameterValue, match="Exactly one"):
        mlflow.artifacts.download_artifacts()
    with pytest.raises(InvalidParameterValue, match="cannot be specified"):
        mlflow.artifacts.download_artifacts(f"runs:/{run_id}", artifact_path="x")
    with pytest.raises(ResourceDoesNotExist):
        mlflow.artifacts.download_artifacts(f"runs:/{run_id}/missing.txt")
    with pytest.raises(InvalidParameterValue):
        mlflow.artifacts.download_artifacts(f"runs:/{run_id}/../../etc/passwd")
    with pytest.raises(InvalidParameterValue):
        mlflow.artifacts.load_dict(f"runs:/{run_id}/img/z.png")
