"""Run artifacts through the client and the fluent API, stored in the local repository."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist


def _artifact_dir(client: MlharborClient, run_id: str) -> Path:
    return Path(client.get_run(run_id).info.artifact_uri)


def test_log_artifact_and_artifacts(client: MlharborClient, workdir: Path) -> None:
    run_id = client.create_run("0").info.run_id
    (workdir / "curve.png").write_bytes(b"\x89PNG fake")
    output = workdir / "output_dir"
    (output / "sub").mkdir(parents=True)
    (output / "summary.txt").write_text("ok")
    (output / "sub" / "deep.csv").write_text("a,b\n1,2\n")

    client.log_artifact(run_id, str(workdir / "curve.png"), artifact_path="plots")
    client.log_artifacts(run_id, str(output), artifact_path="results")

    root = _artifact_dir(client, run_id)
    assert (root / "plots" / "curve.png").read_bytes() == b"\x89PNG fake"
    assert (root / "results" / "sub" / "deep.csv").read_text() == "a,b\n1,2\n"
    listing = client.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in listing] == [("plots", True), ("results", True)]
    nested = client.list_artifacts(run_id, "results")
    assert [(f.path, f.is_dir, f.file_size) for f in nested] == [
        ("results/sub", True, None),
        ("results/summary.txt", False, 2),
    ]
    assert client.list_artifacts(run_id, "missing") == []


def test_log_artifact_of_directory_keeps_its_name(client: MlharborClient, workdir: Path) -> None:
    run_id = client.create_run("0").info.run_id
    (workdir / "configs").mkdir()
    (workdir / "configs" / "a.yaml").write_text("a: 1")
    client.log_artifact(run_id, str(workdir / "configs"))
    assert (_artifact_dir(client, run_id) / "configs" / "a.yaml").is_file()


def test_missing_local_files_are_clear_errors(client: MlharborClient, workdir: Path) -> None:
    run_id = client.create_run("0").info.run_id
    with pytest.raises(ResourceDoesNotExist, match="No such file or directory"):
        client.log_artifact(run_id, str(workdir / "nope.png"))
    with pytest.raises(ResourceDoesNotExist, match="No such file or directory"):
        client.log_artifacts(run_id, str(workdir / "nope_dir"))


@pytest.mark.parametrize("bad", ["../escape", "/abs", "a/../../b", "%2e%2e/x"])
def test_hostile_artifact_paths_refused(client: MlharborClient, workdir: Path, bad: str) -> None:
    run_id = client.create_run("0").info.run_id
    (workdir / "f.txt").write_text("x")
    with pytest.raises(InvalidParameterValue):
        client.log_artifact(run_id, str(workdir / "f.txt"), artifact_path=bad)
    with pytest.raises(InvalidParameterValue):
        client.log_text(run_id, "x", f"{bad}/f.txt")
    assert not (workdir / "escape").exists()


def test_download_artifacts(client: MlharborClient, workdir: Path) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_text(run_id, "hello", "notes/a.txt")
    client.log_text(run_id, "deeper", "notes/sub/b.txt")
    target = workdir / "dl"
    target.mkdir()
    path = client.download_artifacts(run_id, "notes", str(target))
    assert Path(path) == target / "notes"
    assert (target / "notes" / "sub" / "b.txt").read_text() == "deeper"
    single = client.download_artifacts(run_id, "notes/a.txt")
    assert Path(single).read_text() == "hello"
    with pytest.raises(ResourceDoesNotExist):
        client.download_artifacts(run_id, "notes/none.txt")


def test_log_text_and_dict(client: MlharborClient) -> None:
    run_id = client.create_run("0").info.run_id
    client.log_text(run_id, "안녕하세요", "notes.txt")
    client.log_dict(run_id, {"a": 1, "b": [1, 2]}, "config.json")
    client.log_dict(run_id, {"a": 1, "b": [1, 2]}, "conf/config.yaml")
    root = _artifact_dir(client, run_id)
    assert (root / "notes.txt").read_text(encoding="utf-8") == "안녕하세요"
    assert json.loads((root / "config.json").read_text()) == {"a": 1, "b": [1, 2]}
    assert yaml.safe_load((root / "conf" / "config.yaml").read_text()) == {"a": 1, "b": [1, 2]}


def test_log_figure(client: MlharborClient) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_id = client.create_run("0").info.run_id
    figure, axes = plt.subplots()
    axes.plot([1, 2, 3], [3, 2, 1])
    client.log_figure(run_id, figure, "plots/line.png")
    plt.close(figure)
    data = (_artifact_dir(client, run_id) / "plots" / "line.png").read_bytes()
    assert data.startswith(b"\x89PNG")
    with pytest.raises(InvalidParameterValue, match="Unsupported figure"):
        client.log_figure(run_id, object(), "x.png")


def test_log_image(client: MlharborClient) -> None:
    from PIL import Image

    run_id = client.create_run("0").info.run_id
    client.log_image(run_id, np.zeros((4, 5, 3), dtype=np.uint8), "img/zeros.png")
    client.log_image(run_id, np.full((2, 2), 0.5), "img/gray.png")
    client.log_image(run_id, Image.new("RGB", (3, 3)), "img/pil.png")
    client.log_image(run_id, np.ones((2, 2, 1)), key="val/sample", step=3)
    root = _artifact_dir(client, run_id)
    with Image.open(root / "img" / "zeros.png") as img:
        assert img.size == (5, 4)
    with Image.open(root / "img" / "gray.png") as img:
        assert img.getpixel((0, 0)) == 128
    stepped = os.listdir(root / "images")
    (full,) = [name for name in stepped if name.endswith(".png")]
    assert full.startswith("val~sample+step+3+timestamp+")
    assert sorted(stepped) == sorted([full, full[: -len(".png")] + "+compressed.webp"])
    assert client.get_run(run_id).data.tags["mlflow.loggedImages"] == "True"
    with pytest.raises(InvalidParameterValue, match="may only contain"):
        client.log_image(run_id, np.zeros((2, 2)), key="bad$key")
    with pytest.raises(InvalidParameterValue):
        client.log_image(run_id, np.full((2, 2), 2.0), "bad.png")
    with pytest.raises(InvalidParameterValue):
        client.log_image(run_id, np.zeros((2, 2, 2)), "bad.png")
    with pytest.raises(InvalidParameterValue):
        client.log_image(run_id, np.zeros((2, 2)))


def test_fluent_artifacts(workdir: Path) -> None:
    (workdir / "learning_curve.png").write_bytes(b"png")
    (workdir / "output_dir").mkdir()
    (workdir / "output_dir" / "r.txt").write_text("r")
    with mlflow.start_run() as run:
        mlflow.log_artifact("learning_curve.png", artifact_path="plots")
        mlflow.log_artifacts("./output_dir", artifact_path="results")
        mlflow.log_text("t", "notes/t.txt")
        mlflow.log_dict({"k": "v"}, "d.yml")
        with pytest.raises(ResourceDoesNotExist):
            mlflow.log_artifact("missing.png")
    files = mlflow.MlflowClient().list_artifacts(run.info.run_id)
    assert [f.path for f in files] == ["d.yml", "notes", "plots", "results"]
