"""Batch scoring, through the library and ``mlharbor models predict``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mlharbor.cli.models import models
from mlharbor.exceptions import BadRequest, InvalidParameterValue
from mlharbor.serving.batch import predict_batch
from tests.serving.conftest import IRIS_COLUMNS, train_iris


@pytest.fixture(scope="module")
def iris_rows() -> pd.DataFrame:
    _, features = train_iris(IRIS_COLUMNS, n_estimators=1)
    return features


def _expected(iris_model_dir: str, rows: pd.DataFrame) -> list[int]:
    import mlharbor.pyfunc

    return [int(v) for v in mlharbor.pyfunc.load_model(iris_model_dir).predict(rows)]


def test_csv_in_chunks_to_csv(iris_model_dir: str, iris_rows: pd.DataFrame, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    iris_rows.to_csv(source, index=False)
    seen: list[tuple[int, int | None]] = []
    result = predict_batch(
        iris_model_dir,
        str(source),
        str(tmp_path / "out.csv"),
        chunk_rows=40,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (result.rows, result.chunks) == (150, 4)
    assert seen == [(40, 150), (80, 150), (120, 150), (150, 150)]
    written = pd.read_csv(tmp_path / "out.csv")
    assert list(written.columns) == ["predictions"]
    assert written["predictions"].tolist() == _expected(iris_model_dir, iris_rows)


@pytest.mark.parametrize("layout", ["split", "records", "bare-records", "inputs"])
def test_json_layouts_to_json(
    iris_model_dir: str, iris_rows: pd.DataFrame, tmp_path: Path, layout: str
) -> None:
    rows = iris_rows.head(25)
    payload: object
    if layout == "split":
        payload = {"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}
    elif layout == "records":
        payload = {"dataframe_records": rows.to_dict(orient="records")}
    elif layout == "bare-records":
        payload = rows.to_dict(orient="records")
    else:
        payload = {"inputs": rows.to_numpy().tolist()}
    source = tmp_path / "in.json"
    source.write_text(json.dumps(payload))
    result = predict_batch(iris_model_dir, str(source), str(tmp_path / "out.json"), chunk_rows=10)
    assert (result.rows, result.chunks) == (25, 3)
    written = json.loads((tmp_path / "out.json").read_text())
    assert written == {"predictions": _expected(iris_model_dir, rows)}


def test_bad_input_is_reported_with_the_chunk(iris_model_dir: str, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("sepal_length,sepal_width\n1.0,2.0\n")
    with pytest.raises(BadRequest, match="Chunk 1: Encountered an unexpected error"):
        predict_batch(iris_model_dir, str(source), str(tmp_path / "out.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": []}')
    with pytest.raises(BadRequest, match="exactly one of the input fields"):
        predict_batch(iris_model_dir, str(broken))
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        predict_batch(iris_model_dir, str(tmp_path / "nope.csv"))
    with pytest.raises(InvalidParameterValue, match="Unsupported input format 'xml'"):
        predict_batch(iris_model_dir, str(source), content_type="xml")


def test_cli_predict_csv_and_json(
    iris_model_dir: str, iris_rows: pd.DataFrame, tmp_path: Path
) -> None:
    rows = iris_rows.sample(30, random_state=1)
    rows.to_csv(tmp_path / "in.csv", index=False)
    (tmp_path / "in.json").write_text(
        json.dumps({"dataframe_records": rows.to_dict(orient="records")})
    )
    runner = CliRunner()
    to_csv = runner.invoke(
        models,
        [
            "predict",
            "-m",
            iris_model_dir,
            "-i",
            str(tmp_path / "in.csv"),
            "-o",
            str(tmp_path / "out.csv"),
            "--chunk-rows",
            "7",
        ],
    )
    assert to_csv.exit_code == 0, to_csv.output
    to_stdout = runner.invoke(
        models, ["predict", "-m", iris_model_dir, "-i", str(tmp_path / "in.json"), "-t", "json"]
    )
    assert to_stdout.exit_code == 0, to_stdout.output
    expected = _expected(iris_model_dir, rows)
    assert pd.read_csv(tmp_path / "out.csv")["predictions"].tolist() == expected
    assert json.loads(to_stdout.stdout) == {"predictions": expected}


def test_cli_predict_failure_exits_non_zero(iris_model_dir: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        models, ["predict", "-m", iris_model_dir, "-i", str(tmp_path / "missing.csv")]
    )
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def test_cli_predict_names_a_missing_model_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    import mlharbor.sklearn

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "fancylib.py").write_text(
        "class Constant:\n    def predict(self, x):\n        return [1] * len(x)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    import fancylib  # type: ignore[import-not-found]

    mlharbor.sklearn.save_model(fancylib.Constant(), str(tmp_path / "model"))
    monkeypatch.delitem(sys.modules, "fancylib")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path / "lib")])
    pd.DataFrame({"x": [1.0, 2.0]}).to_csv(tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(
        models, ["predict", "-m", str(tmp_path / "model"), "-i", str(tmp_path / "in.csv")]
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: the model needs the Python package 'fancylib' (module 'fancylib'), which is "
        "not installed here: pip install fancylib"
    ]
