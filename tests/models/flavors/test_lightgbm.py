"""The lightgbm flavor: directory layout, round trips and the logged-model flow."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pytest

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.model import Model


def test_booster_round_trip(tmp_path: Path, lgb_booster: Any, iris: Any) -> None:
    features, _ = iris
    path = tmp_path / "model"
    mlflow.lightgbm.save_model(lgb_booster, path)

    assert (path / "model.lgb").is_file()
    conf = Model.load(str(path)).flavors
    assert conf["lightgbm"]["model_class"] == "lightgbm.basic.Booster"
    assert conf["lightgbm"]["lgb_version"] == lightgbm.__version__
    assert conf["python_function"]["data"] == "model.lgb"
    native = mlflow.lightgbm.load_model(str(path))
    assert isinstance(native, lightgbm.Booster)
    expected = lgb_booster.predict(features)
    np.testing.assert_allclose(native.predict(features), expected)
    np.testing.assert_allclose(mlflow.pyfunc.load_model(str(path)).predict(features), expected)
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert f"lightgbm=={lightgbm.__version__}" in requirements
    assert not any(line.startswith("cloudpickle") for line in requirements)


@pytest.mark.parametrize("serialization_format", ["cloudpickle", "pickle"])
def test_sklearn_api_model_round_trip(
    tmp_path: Path, lgb_classifier: Any, iris: Any, serialization_format: str
) -> None:
    features, _ = iris
    path = tmp_path / "model"
    mlflow.lightgbm.save_model(lgb_classifier, path, serialization_format=serialization_format)

    assert (path / "model.pkl").is_file()
    conf = Model.load(str(path)).flavors["lightgbm"]
    assert conf["model_class"] == "lightgbm.sklearn.LGBMClassifier"
    assert conf["serialization_format"] == serialization_format
    native = mlflow.lightgbm.load_model(str(path))
    assert isinstance(native, lightgbm.LGBMClassifier)
    expected = lgb_classifier.predict(features)
    np.testing.assert_array_equal(native.predict(features), expected)
    np.testing.assert_array_equal(mlflow.pyfunc.load_model(str(path)).predict(features), expected)


def test_signature_example_and_requirements(tmp_path: Path, lgb_classifier: Any, iris: Any) -> None:
    features, _ = iris
    path = tmp_path / "model"
    mlflow.lightgbm.save_model(lgb_classifier, path, input_example=features.head(3))

    model = Model.load(str(path))
    assert model.signature is not None
    assert model.signature.inputs is not None
    assert [c.name for c in model.signature.inputs.inputs] == list(features.columns)
    assert model.signature.outputs is not None
    assert (path / "input_example.json").is_file()
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert f"cloudpickle=={metadata.version('cloudpickle')}" in requirements
    assert f"lightgbm=={lightgbm.__version__}" in requirements


def test_unknown_serialization_format_is_refused(tmp_path: Path, lgb_classifier: Any) -> None:
    with pytest.raises(InvalidParameterValue, match="Unrecognized serialization format"):
        mlflow.lightgbm.save_model(lgb_classifier, tmp_path / "m", serialization_format="joblib")
    assert not (tmp_path / "m").exists()


def test_log_model_and_load_by_run_and_model_uri(
    workdir: Path, lgb_booster: Any, iris: Any
) -> None:
    features, _ = iris
    expected = lgb_booster.predict(features)
    with mlflow.start_run() as run:
        info = mlflow.lightgbm.log_model(lgb_booster, name="model", input_example=features.head(2))
    assert info.model_uri == f"models:/{info.model_id}"
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/model"):
        np.testing.assert_allclose(mlflow.lightgbm.load_model(uri).predict(features), expected)
        np.testing.assert_allclose(mlflow.pyfunc.load_model(uri).predict(features), expected)
