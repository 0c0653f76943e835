"""``log_table`` / ``load_table`` / ``log_stream`` on the real default SQLite store."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.exceptions import InvalidParameterValue, MlharborException


def _artifact_json(run_id: str, path: str, dst: Path) -> object:
    local = MlharborClient().download_artifacts(run_id, path, str(dst))
    return json.loads(Path(local).read_text())


def test_log_table_writes_mlflow_format_and_appends(workdir: Path) -> None:
    with mlflow.start_run() as run:
        mlflow.log_table({"q": ["a", "b"], "score": [1, 2]}, "eval/results.json")
        mlflow.log_table(pd.DataFrame({"q": ["c"], "score": [3]}), "eval/results.json")
        mlflow.log_table({"question": "only one"}, "single.json")
    stored = _artifact_json(run.info.run_id, "eval/results.json", workdir)
    assert stored == {"columns": ["q", "score"], "data": [["a", 1], ["b", 2], ["c", 3]]}
    assert _artifact_json(run.info.run_id, "single.json", workdir) == {
        "columns": ["question"],
        "data": [["only one"]],
    }
    tag = json.loads(mlflow.get_run(run.info.run_id).data.tags["mlflow.loggedArtifacts"])
    assert tag == [
        {"path": "eval/results.json", "type": "table"},
        {"path": "single.json", "type": "table"},
    ]


def test_load_table_across_runs(workdir: Path) -> None:
    mlflow.set_experiment("tables")
    run_ids = []
    for score in (1, 2):
        with mlflow.start_run() as run:
            mlflow.log_table({"score": [score]}, "t.json")
            run_ids.append(run.info.run_id)
    with mlflow.start_run():
        mlflow.log_table({"run_id": ["mine"]}, "other.json")
    table = mlflow.load_table("t.json")
    assert sorted(table["score"]) == [1, 2]
    assert list(table.columns) == ["score"]
    one = mlflow.load_table("t.json", run_ids=[run_ids[0]], extra_columns=["run_id"])
    assert one.to_dict("records") == [{"score": 1, "run_id": run_ids[0]}]
    clash = mlflow.load_table("other.json", extra_columns=["run_id"])
    assert list(clash.columns) == ["run_id", "run_id_"]
    with pytest.raises(MlharborException, match="No runs found") as caught:
        mlflow.load_table("absent.json")
    assert caught.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_parquet_tables(workdir: Path) -> None:
    pytest.importorskip("pyarrow")
    with mlflow.start_run() as run:
        mlflow.log_table({"x": [1.5]}, "t.parquet")
        mlflow.log_table({"x": [2.5]}, "t.parquet")
    assert mlflow.load_table("t.parquet", run_ids=[run.info.run_id])["x"].tolist() == [1.5, 2.5]


def test_bad_table_input(workdir: Path) -> None:
    with mlflow.start_run():
        with pytest.raises(ValueError, match=r"'\.json' or '\.parquet'"):
            mlflow.log_table({"x": [1]}, "t.csv")
        with pytest.raises(InvalidParameterValue, match="DataFrame or a dictionary"):
            mlflow.log_table([1, 2], "t.json")
        with pytest.raises(InvalidParameterValue):
            mlflow.log_table({"x": [1]}, "../escape.json")


def test_image_cells_become_files(workdir: Path) -> None:
    from PIL import Image

    picture = Image.new("RGB", (600, 300), "red")
    with mlflow.start_run() as run:
        mlflow.log_table({"image": [picture], "label": ["red"]}, "images.json")
    stored = _artifact_json(run.info.run_id, "images.json", workdir)
    assert isinstance(stored, dict)
    cell = stored["data"][0][0]
    assert cell["type"] == "image"
    assert cell["filepath"].startswith("table_images/images/")
    client = MlharborClient()
    preview = client.download_artifacts(run.info.run_id, cell["compressed_filepath"], None)
    assert Image.open(preview).size == (256, 128)
    with mlflow.start_run(), pytest.raises(ValueError, match="mix of images"):
        mlflow.log_table({"image": [picture, "text"]}, "mixed.json")


def test_log_stream(workdir: Path) -> None:
    payload = bytes(range(256)) * 1000
    with mlflow.start_run() as run:
        mlflow.log_stream(io.BytesIO(payload), "blobs/data.bin")
    local = MlharborClient().download_artifacts(run.info.run_id, "blobs/data.bin", str(workdir))
    assert Path(local).read_bytes() == payload
