"""``mlharbor.models`` helpers: signatures and requirements edited in place, serving payloads,
local prediction, requirement inference, custom evaluation metrics."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import mlharbor as mlflow
from mlharbor.exceptions import MlharborException
from mlharbor.models import (
    ModelSignature,
    Schema,
    build_docker,
    convert_input_example_to_serving_input,
    infer_pip_requirements,
    infer_signature,
    list_evaluators,
    make_metric,
    predict,
    set_signature,
    update_model_requirements,
    validate_schema,
    validate_serving_input,
)
from mlharbor.models.schema import ColSpec, DataType


@pytest.fixture
def logged(workdir: Path, iris: tuple[Any, Any]) -> tuple[str, pd.DataFrame]:
    features, target = iris
    model = LogisticRegression(max_iter=300).fit(features, target)
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="clf", input_example=features.head(3))
    return info.model_uri, features


def test_set_signature_rewrites_mlmodel_for_logged_and_run_uris(
    logged: tuple[str, pd.DataFrame], mlflow_python: Path
) -> None:
    model_uri = logged[0]
    assert model_uri.startswith("models:/m-")
    signature = ModelSignature(Schema([ColSpec(DataType.double, "sepal length (cm)")]))
    set_signature(model_uri, signature)
    local = mlflow.artifacts.download_artifacts(model_uri)
    assert mlflow.models.Model.load(local).signature == signature
    # MLflow reads the edited file too
    probe = "import sys, mlflow; print(mlflow.models.Model.load(sys.argv[1]).signature.to_dict())"
    out = subprocess.run(
        [str(mlflow_python), "-c", probe, local],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "sepal length (cm)" in out
    with pytest.raises(MlharborException, match="must be a ModelSignature"):
        set_signature(model_uri, "not a signature")  # type: ignore[arg-type]


def test_set_signature_refuses_registered_versions(logged: tuple[str, pd.DataFrame]) -> None:
    model_uri, features = logged
    mlflow.register_model(model_uri, "iris-clf")
    signature = infer_signature(features, np.zeros(len(features)))
    with pytest.raises(MlharborException, match="not supported"):
        set_signature("models:/iris-clf/1", signature)


def test_update_model_requirements_adds_replaces_and_removes(tmp_path: Path) -> None:
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    path = tmp_path / "model"
    mlflow.sklearn.save_model(model, str(path))
    update_model_requirements(str(path), "add", ["pandas==2.0.0", "tqdm>=4"])
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert "pandas==2.0.0" in requirements
    assert "tqdm>=4" in requirements
    assert not any(line.startswith("pandas") and line != "pandas==2.0.0" for line in requirements)
    conda = (path / "conda.yaml").read_text()
    assert "tqdm>=4" in conda
    update_model_requirements(str(path), "remove", ["tqdm"])
    assert "tqdm" not in (path / "requirements.txt").read_text()
    assert "tqdm" not in (path / "conda.yaml").read_text()
    with pytest.raises(MlharborException, match="Invalid operation"):
        update_model_requirements(str(path), "replace", ["x"])  # type: ignore[arg-type]
    with pytest.raises(MlharborException, match="invalid requirements"):
        update_model_requirements(str(path), "add", ["==1.0"])


def test_serving_input_round_trip_and_validation(logged: tuple[str, pd.DataFrame]) -> None:
    model_uri, features = logged
    payload = convert_input_example_to_serving_input(features.head(2))
    assert payload is not None
    assert json.loads(payload)["dataframe_split"]["columns"] == list(features.columns)
    assert convert_input_example_to_serving_input(None) is None
    with_params = json.loads(convert_input_example_to_serving_input(([1, 2], {"k": 1})) or "")
    assert with_params == {"inputs": [1, 2], "params": {"k": 1}}
    predictions = validate_serving_input(model_uri, payload)
    assert len(predictions) == 2
    bad = {"dataframe_split": {"columns": ["nope"], "data": [[1.0]]}}
    with pytest.raises(MlharborException, match=r"nope|missing|schema"):
        validate_serving_input(model_uri, bad)


def test_validate_schema() -> None:
    schema = Schema([ColSpec(DataType.long, "a")])
    validate_schema(pd.DataFrame({"a": [1, 2]}), schema)
    with pytest.raises(MlharborException):
        validate_schema(pd.DataFrame({"b": [1]}), schema)


def test_predict_locally_from_data_and_file(
    logged: tuple[str, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_uri, features = logged
    predict(model_uri, input_data=features.head(4))
    assert len(json.loads(capsys.readouterr().out)["predictions"]) == 4
    source = tmp_path / "rows.csv"
    features.head(5).to_csv(source, index=False)
    target = tmp_path / "out.json"
    predict(model_uri, input_path=str(source), content_type="csv", output_path=str(target))
    assert len(json.loads(target.read_text())["predictions"]) == 5
    with pytest.raises(MlharborException, match="env_manager 'uv' is not supported"):
        predict(model_uri, input_data=features.head(1), env_manager="uv")
    with pytest.raises(MlharborException, match="Exactly one"):
        predict(model_uri)


def test_build_docker_without_a_docker_engine_says_so(logged: tuple[str, pd.DataFrame]) -> None:
    expected = "No Docker engine" if shutil.which("docker") else "'docker' command was not found"
    with pytest.raises(MlharborException, match=expected):
        build_docker(logged[0], name="iris")


def test_infer_pip_requirements_pins_what_the_model_imports(
    logged: tuple[str, pd.DataFrame],
) -> None:
    import sklearn

    requirements = infer_pip_requirements(logged[0], "sklearn")
    assert requirements[0].startswith("mlflow==")
    assert f"scikit-learn=={sklearn.__version__}" in requirements
    assert infer_pip_requirements("/nonexistent", "sklearn", fallback=["x"]) == ["x"]
    with pytest.raises(MlharborException):
        infer_pip_requirements("/nonexistent", "sklearn")


def test_evaluate_with_custom_metrics_and_artifacts(workdir: Path) -> None:
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "weight": [1, 1, 2, 2], "y": [1, 2, 3, 5]})

    def weighted_error(predictions: pd.Series, targets: pd.Series, weight: pd.Series) -> float:
        return float(((predictions - targets).abs() * weight).sum())

    def doubled_mae(metrics: dict[str, Any]) -> float:
        return 2 * metrics["mean_absolute_error"].aggregate_results["mean_absolute_error"]

    def residuals(eval_df: pd.DataFrame, builtin: dict[str, float], directory: str) -> dict:
        return {"residual_table": eval_df.assign(r=eval_df["target"] - eval_df["prediction"])}

    result = mlflow.models.evaluate(
        lambda frame: frame["x"],
        data,
        targets="y",
        model_type="regressor",
        feature_names=["x", "weight"],
        extra_metrics=[
            make_metric(eval_fn=weighted_error, greater_is_better=False),
            make_metric(eval_fn=doubled_mae, greater_is_better=False, name="mae2"),
        ],
        custom_artifacts=[residuals],
    )
    assert result.metrics["weighted_error"] == 2.0
    assert result.metrics["mae2"] == pytest.approx(2 * result.metrics["mean_absolute_error"])
    stored = mlflow.get_run(result.run_id).data.metrics
    assert stored["weighted_error"] == 2.0
    table = result.artifacts["residual_table"].content
    assert table["columns"][-1] == "r"
    assert "default" in list_evaluators()
    with pytest.raises(MlharborException, match="lambda"):
        make_metric(eval_fn=lambda predictions: 1.0, greater_is_better=True)
    with pytest.raises(MlharborException, match="Missing arguments"):
        mlflow.evaluate(
            lambda frame: frame["x"],
            data,
            targets="y",
            model_type="regressor",
            extra_metrics=[make_metric(eval_fn=weighted_error, greater_is_better=False, name="w2")],
            feature_names=["x"],
        )


def test_image_object_and_artifact_flush(workdir: Path, tmp_path: Path) -> None:
    pixels = np.zeros((4, 6, 3), dtype=np.uint8)
    image = mlflow.Image(pixels)
    assert image.size == (6, 4)
    assert image.to_array().shape == (4, 6, 3)
    assert image.resize((3, 2)).size == (3, 2)
    image.save(str(tmp_path / "a.png"))
    assert mlflow.Image(str(tmp_path / "a.png")).to_list()[0] == (0, 0, 0)
    with pytest.raises(TypeError):
        mlflow.Image(42)
    with mlflow.start_run() as run:
        mlflow.log_image(image, "pic.png")
        mlflow.log_metric("m", 1.0, synchronous=False)
        mlflow.flush_artifact_async_logging()
        assert mlflow.get_run(run.info.run_id).data.metrics == {"m": 1.0}
    names = [f.path for f in mlflow.MlflowClient().list_artifacts(run.info.run_id)]
    assert names == ["pic.png"]
