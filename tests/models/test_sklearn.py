"""The scikit-learn flavor: formats, signatures, predict functions, errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist


@pytest.fixture
def forest(iris: Any) -> RandomForestClassifier:
    features, target = iris
    return RandomForestClassifier(n_estimators=10, max_depth=3, random_state=0).fit(
        features, target
    )


@pytest.mark.parametrize(
    ("fmt", "file_name"), [("cloudpickle", "model.pkl"), ("pickle", "model.pkl")]
)
def test_round_trip_per_format(
    tmp_path: Path, forest: RandomForestClassifier, iris: Any, fmt: str, file_name: str
) -> None:
    features, _ = iris
    mlflow.sklearn.save_model(forest, tmp_path / "m", serialization_format=fmt)
    mlmodel = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())
    assert mlmodel["flavors"]["sklearn"]["serialization_format"] == fmt
    assert mlmodel["flavors"]["sklearn"]["pickled_model"] == file_name
    assert mlmodel["flavors"]["python_function"]["loader_module"] == "mlflow.sklearn"
    requirements = (tmp_path / "m" / "requirements.txt").read_text().splitlines()
    assert requirements[0] == "mlflow==3.17.2"
    assert any(line.startswith("scikit-learn==") for line in requirements)
    assert any(line.startswith("cloudpickle==") for line in requirements) is (fmt == "cloudpickle")
    restored = mlflow.sklearn.load_model(str(tmp_path / "m"))
    np.testing.assert_array_equal(restored.predict(features), forest.predict(features))
    pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    np.testing.assert_array_equal(pyfunc.predict(features), forest.predict(features))
    assert pyfunc.get_raw_model().get_params() == forest.get_params()


@pytest.mark.skipif(importlib.util.find_spec("skops") is None, reason="skops is not installed")
def test_skops_format_needs_trusted_types(tmp_path: Path, forest: RandomForestClassifier) -> None:
    with pytest.raises(InvalidParameterValue, match="untrusted types"):
        mlflow.sklearn.save_model(forest, tmp_path / "a", serialization_format="skops")
    mlflow.sklearn.save_model(
        forest,
        tmp_path / "b",
        serialization_format="skops",
        skops_trusted_types=["sklearn.tree._tree.Tree"],
    )
    assert mlflow.sklearn.load_model(str(tmp_path / "b")).n_estimators == 10


def test_unknown_format_and_predict_fn_are_refused(
    tmp_path: Path, forest: RandomForestClassifier
) -> None:
    with pytest.raises(InvalidParameterValue, match="Unrecognized serialization format: joblib"):
        mlflow.sklearn.save_model(forest, tmp_path / "a", serialization_format="joblib")
    with pytest.raises(InvalidParameterValue, match="pyfunc_predict_fn"):
        mlflow.sklearn.save_model(forest, tmp_path / "b", pyfunc_predict_fn="transform")
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / "b").exists()


def test_predict_proba_as_pyfunc_predict(tmp_path: Path, iris: Any) -> None:
    features, target = iris
    model = LogisticRegression(max_iter=300).fit(features, target)
    mlflow.sklearn.save_model(model, tmp_path / "m", pyfunc_predict_fn="predict_proba")
    probabilities = mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(features[:4])
    np.testing.assert_allclose(probabilities, model.predict_proba(features[:4]))


def test_signature_inferred_from_input_example(
    tmp_path: Path, forest: RandomForestClassifier, iris: Any
) -> None:
    features, _ = iris
    mlflow.sklearn.save_model(forest, tmp_path / "m", input_example=features[:3])
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    signature = loaded.metadata.signature
    assert signature is not None
    assert signature.inputs is not None
    assert [c.name for c in signature.inputs] == list(features.columns)
    assert signature.outputs is not None
    # one prediction per input row: an unnamed column, as MLflow infers it
    assert signature.outputs.to_dict() == [{"type": "long", "required": True}]
    example = loaded.metadata.load_input_example(str(tmp_path / "m"))
    assert example.shape == (3, 4)
    with pytest.raises(InvalidParameterValue, match="Model is missing inputs"):
        loaded.predict(features.iloc[:, :2])


def test_load_model_without_sklearn_flavor(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text("flavors:\n  python_function:\n    loader_module: x\n")
    with pytest.raises(ResourceDoesNotExist, match='does not have the "sklearn" flavor'):
        mlflow.sklearn.load_model(str(tmp_path))


def test_missing_model_file_is_a_clear_error(
    tmp_path: Path, forest: RandomForestClassifier
) -> None:
    mlflow.sklearn.save_model(forest, tmp_path / "m")
    (tmp_path / "m" / "model.pkl").unlink()
    with pytest.raises(ResourceDoesNotExist, match=r"model\.pkl"):
        mlflow.sklearn.load_model(str(tmp_path / "m"))


def test_code_paths_make_custom_estimators_loadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, iris: Any
) -> None:
    import importlib
    import sys

    module_dir = tmp_path / "usercode"
    module_dir.mkdir()
    (module_dir / "harbor_custom_est.py").write_text(
        "from sklearn.base import BaseEstimator, ClassifierMixin\n"
        "import numpy as np\n"
        "class AlwaysFirst(ClassifierMixin, BaseEstimator):\n"
        "    def fit(self, X, y):\n"
        "        self.classes_ = np.unique(y)\n"
        "        return self\n"
        "    def predict(self, X):\n"
        "        return np.full(len(X), self.classes_[0])\n"
    )
    monkeypatch.syspath_prepend(str(module_dir))
    custom = importlib.import_module("harbor_custom_est")
    features, target = iris
    model = custom.AlwaysFirst().fit(features, target)
    mlflow.sklearn.save_model(
        model, tmp_path / "m", code_paths=[str(module_dir / "harbor_custom_est.py")]
    )
    monkeypatch.delitem(sys.modules, "harbor_custom_est")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(module_dir)])
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    assert loaded.predict(features[:3]).tolist() == [0, 0, 0]
