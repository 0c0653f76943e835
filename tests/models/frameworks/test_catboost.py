"""The catboost flavor: MLflow's layout, round trips, serving, and directories crossing between
mlharbor and MLflow 3.17.2 both ways."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import catboost
import numpy as np
import pytest

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.model import Model
from tests.models.frameworks.conftest import (
    MLFLOW_ANSWERS,
    invoke,
    our_answers,
    run_reference,
    seed_bodies,
)


@pytest.fixture
def cb_classifier(iris: Any) -> Any:
    features, target = iris
    # no catboost_info/ training folder in the working directory
    model = catboost.CatBoostClassifier(
        iterations=5, depth=2, verbose=False, allow_writing_files=False
    )
    return model.fit(features, target)


def test_classifier_round_trip(tmp_path: Path, cb_classifier: Any, iris: Any) -> None:
    features, _ = iris
    path = tmp_path / "model"
    mlflow.catboost.save_model(cb_classifier, path, input_example=features.head(2))

    assert (path / "model.cb").is_file()
    model = Model.load(str(path))
    conf = model.flavors["catboost"]
    assert conf["model_type"] == "CatBoostClassifier"
    assert conf["save_format"] == "cbm"
    assert conf["data"] == "model.cb"
    assert conf["catboost_version"] == catboost.__version__
    assert model.flavors["python_function"]["loader_module"] == "mlflow.catboost"
    assert model.signature is not None
    assert model.signature.inputs is not None
    assert [c.name for c in model.signature.inputs.inputs] == list(features.columns)
    native = mlflow.catboost.load_model(str(path))
    assert isinstance(native, catboost.CatBoostClassifier)
    expected = cb_classifier.predict(features)
    np.testing.assert_array_equal(native.predict(features), expected)
    np.testing.assert_array_equal(mlflow.pyfunc.load_model(str(path)).predict(features), expected)
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert f"catboost=={catboost.__version__}" in requirements


def test_json_format_regressor_through_a_run(workdir: Path, iris: Any) -> None:
    features, target = iris
    regressor = catboost.CatBoostRegressor(iterations=5, depth=2, verbose=False)
    regressor.fit(features, target)
    with mlflow.start_run() as run:
        info = mlflow.catboost.log_model(regressor, name="model", format="json")
    assert Model.load(info.model_uri).flavors["catboost"]["save_format"] == "json"
    expected = regressor.predict(features)
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/model"):
        loaded = mlflow.catboost.load_model(uri)
        assert isinstance(loaded, catboost.CatBoostRegressor)
        np.testing.assert_allclose(loaded.predict(features), expected)


def test_a_non_catboost_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterValue, match="Expected a CatBoost model"):
        mlflow.catboost.save_model(object(), tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_served_model_answers_seed_style_requests(
    tmp_path: Path, cb_classifier: Any, iris: Any
) -> None:
    features, _ = iris
    path = str(tmp_path / "model")
    mlflow.catboost.save_model(cb_classifier, path, input_example=features.head(2))
    rows = features.head(3)
    expected = cb_classifier.predict(rows).tolist()
    split = {"columns": list(rows.columns), "data": rows.to_numpy().tolist()}
    assert invoke(path, {"dataframe_split": split}) == expected
    assert invoke(path, {"dataframe_records": rows.to_dict(orient="records")}) == expected


_MLFLOW_SIDE = (
    MLFLOW_ANSWERS
    + """
import sys
import catboost, numpy as np
from sklearn.datasets import load_iris
features, target = load_iris(return_X_y=True, as_frame=True)
ours = sys.argv[1]
native = mlflow.catboost.load_model(ours)
loaded = {"class": type(native).__name__,
          "native": native.predict(features).tolist(),
          "pyfunc": np.asarray(mlflow.pyfunc.load_model(ours).predict(features)).tolist()}
model = catboost.CatBoostRegressor(iterations=5, depth=2, verbose=False).fit(features, target)
mlflow.catboost.save_model(model, sys.argv[2], input_example=features.head(2))
print(json.dumps({"loaded": loaded, "saved": model.predict(features).tolist(),
                  "answers": answers(ours, json.loads(sys.argv[3]))}))
"""
)


@pytest.mark.interop
def test_directories_cross_between_mlharbor_and_mlflow(
    tmp_path: Path, mlflow_python: str, cb_classifier: Any, iris: Any
) -> None:
    features, _ = iris
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    mlflow.catboost.save_model(cb_classifier, ours, input_example=features.head(2))

    bodies = seed_bodies(features.head(3))
    report = run_reference(
        mlflow_python, _MLFLOW_SIDE, str(ours), str(theirs), json.dumps(bodies), cwd=tmp_path
    )

    expected = cb_classifier.predict(features).tolist()
    assert report["loaded"] == {
        "class": "CatBoostClassifier",
        "native": expected,
        "pyfunc": expected,
    }
    loaded = mlflow.catboost.load_model(str(theirs))
    assert isinstance(loaded, catboost.CatBoostRegressor)
    np.testing.assert_allclose(loaded.predict(features), report["saved"])
    assert our_answers(str(ours), bodies) == report["answers"]
    pyfunc = mlflow.pyfunc.load_model(str(theirs))
    np.testing.assert_allclose(pyfunc.predict(features), report["saved"])
    assert Model.load(str(theirs)).flavors["catboost"]["save_format"] == "cbm"


def test_extra_files_are_saved_beside_the_model(tmp_path: Path, cb_classifier: Any) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("trained on iris")
    path = tmp_path / "model"
    mlflow.catboost.save_model(cb_classifier, path, extra_files=[str(notes)])
    conf = Model.load(str(path)).flavors["catboost"]
    assert conf["extra_files"] == [{"path": "extra_files/notes.txt"}]
    assert (path / "extra_files" / "notes.txt").read_text() == "trained on iris"
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        mlflow.catboost.save_model(cb_classifier, tmp_path / "m2", extra_files=["nope.txt"])
    assert not (tmp_path / "m2").exists()
