"""The xgboost flavor: directory layout, round trips and the logged-model flow."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.model import Model


@pytest.mark.parametrize("model_format", ["ubj", "json"])
def test_classifier_round_trip(
    tmp_path: Path, xgb_classifier: Any, iris: Any, model_format: str
) -> None:
    features, _ = iris
    path = tmp_path / "model"
    mlflow.xgboost.save_model(xgb_classifier, path, model_format=model_format)

    assert (path / f"model.{model_format}").is_file()
    conf = Model.load(str(path)).flavors
    assert conf["xgboost"]["model_class"] == "xgboost.sklearn.XGBClassifier"
    assert conf["xgboost"]["model_format"] == model_format
    assert conf["xgboost"]["xgb_version"] == xgboost.__version__
    assert conf["python_function"]["loader_module"] == "mlflow.xgboost"
    native = mlflow.xgboost.load_model(str(path))
    assert isinstance(native, xgboost.XGBClassifier)
    np.testing.assert_array_equal(native.predict(features), xgb_classifier.predict(features))
    np.testing.assert_array_equal(
        mlflow.pyfunc.load_model(str(path)).predict(features), xgb_classifier.predict(features)
    )


def test_booster_round_trip(tmp_path: Path, xgb_booster: Any, iris: Any) -> None:
    features, _ = iris
    mlflow.xgboost.save_model(xgb_booster, tmp_path / "model")
    expected = xgb_booster.predict(xgboost.DMatrix(features))

    native = mlflow.xgboost.load_model(str(tmp_path / "model"))
    assert isinstance(native, xgboost.Booster)
    np.testing.assert_allclose(native.predict(xgboost.DMatrix(features)), expected)
    pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "model"))
    np.testing.assert_allclose(pyfunc.predict(features), expected)
    assert isinstance(pyfunc.get_raw_model(), xgboost.Booster)


def test_signature_example_and_requirements(tmp_path: Path, xgb_classifier: Any, iris: Any) -> None:
    features, _ = iris
    path = tmp_path / "model"
    mlflow.xgboost.save_model(xgb_classifier, path, input_example=features.head(3))

    model = Model.load(str(path))
    assert model.signature is not None
    assert model.signature.inputs is not None
    assert [c.name for c in model.signature.inputs.inputs] == list(features.columns)
    assert model.signature.outputs is not None
    assert (path / "input_example.json").is_file()
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert f"xgboost-cpu=={metadata.version('xgboost-cpu')}" in requirements
    assert "mlflow==3.17.2" in requirements


def test_pyfunc_params_reach_predict(tmp_path: Path, xgb_classifier: Any, iris: Any) -> None:
    features, _ = iris
    signature = mlflow.models.infer_signature(
        features, xgb_classifier.predict(features), params={"output_margin": False}
    )
    mlflow.xgboost.save_model(xgb_classifier, tmp_path / "model", signature=signature)
    pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "model"))

    margins = pyfunc.predict(features, params={"output_margin": True})
    np.testing.assert_allclose(margins, xgb_classifier.predict(features, output_margin=True))
    np.testing.assert_array_equal(pyfunc.predict(features), xgb_classifier.predict(features))


def test_subclass_from_code_paths_loads_as_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, iris: Any
) -> None:
    features, target = iris
    source = tmp_path / "src" / "boosted_models.py"
    source.parent.mkdir()
    source.write_text(
        "import xgboost\n\n\nclass TinyClassifier(xgboost.XGBClassifier):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(source.parent))
    from boosted_models import TinyClassifier

    model = TinyClassifier(n_estimators=2, max_depth=2).fit(features, target)
    mlflow.xgboost.save_model(model, tmp_path / "model", code_paths=[str(source)])

    assert (tmp_path / "model" / "code" / "boosted_models.py").is_file()
    loaded = mlflow.xgboost.load_model(str(tmp_path / "model"))
    assert type(loaded).__name__ == "TinyClassifier"
    np.testing.assert_array_equal(loaded.predict(features), model.predict(features))


def test_unknown_model_format_is_refused(tmp_path: Path, xgb_classifier: Any) -> None:
    with pytest.raises(InvalidParameterValue, match="model_format"):
        mlflow.xgboost.save_model(xgb_classifier, tmp_path / "model", model_format="bin")
    assert not (tmp_path / "model").exists()


def test_missing_flavor_is_a_clear_error(tmp_path: Path, lgb_booster: Any) -> None:
    mlflow.lightgbm.save_model(lgb_booster, tmp_path / "model")
    with pytest.raises(ResourceDoesNotExist, match='"xgboost" flavor'):
        mlflow.xgboost.load_model(str(tmp_path / "model"))


def test_log_model_and_load_by_run_and_model_uri(
    workdir: Path, xgb_classifier: Any, iris: Any
) -> None:
    features, _ = iris
    expected = xgb_classifier.predict(features)
    with mlflow.start_run() as run:
        info = mlflow.xgboost.log_model(
            xgb_classifier, name="model", input_example=features.head(2)
        )
    assert info.model_uri == f"models:/{info.model_id}"
    assert info.signature is not None
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/model"):
        np.testing.assert_array_equal(mlflow.xgboost.load_model(uri).predict(features), expected)
        np.testing.assert_array_equal(mlflow.pyfunc.load_model(uri).predict(features), expected)
