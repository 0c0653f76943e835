"""The users' model workflows (seeds 000, 001, 002 §6) with ``import mlharbor as mlflow``,
against the embedded SQLite store in a fresh working directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

import mlharbor as mlflow
import mlharbor.pyfunc
import mlharbor.sklearn
from mlharbor.models import infer_signature
from mlharbor.models.uri import download_model


def test_seed_000_random_forest_register_alias_and_serve(workdir: Path) -> None:
    mlflow.set_experiment("iris-rf-exp")
    with mlflow.start_run() as run:
        iris = load_iris()
        x_train, x_test, y_train, y_test = train_test_split(iris.data, iris.target, test_size=0.2)
        clf = RandomForestClassifier(n_estimators=100, max_depth=3)
        clf.fit(x_train, y_train)
        acc = clf.score(x_test, y_test)
        mlflow.log_param("n_estimators", 100)
        mlflow.log_param("max_depth", 3)
        mlflow.log_metric("accuracy", acc)
        mlflow.sklearn.log_model(clf, "model")

    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "iris-rf")
    mlflow.MlflowClient().set_registered_model_alias("iris-rf", "production", version.version)

    model = mlflow.pyfunc.load_model("models:/iris-rf@production")
    features = [5.1, 3.5, 1.4, 0.2]
    input_df = pd.DataFrame(
        [features], columns=["sepal_length", "sepal_width", "petal_length", "petal_width"]
    )
    prediction = model.predict(input_df)
    assert prediction.tolist() == clf.predict(np.array([features])).tolist()


def test_seed_001_logistic_regression(workdir: Path) -> None:
    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=0.2, random_state=42
    )
    with mlflow.start_run() as run:
        params = {"solver": "lbfgs", "max_iter": 1000, "random_state": 8888}
        lr = LogisticRegression(**params)
        lr.fit(x_train, y_train)
        predictions = lr.predict(x_test)
        accuracy = accuracy_score(y_test, predictions)
        mlflow.log_params(params)
        mlflow.log_metric("accuracy", accuracy)
        info = mlflow.sklearn.log_model(lr, "model")
    loaded = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    assert accuracy_score(y_test, loaded.predict(x_test)) == accuracy
    assert mlflow.MlflowClient().get_logged_model(info.model_id).params["solver"] == "lbfgs"


def test_seed_002_signature_example_runs_uri_and_pyfunc(workdir: Path) -> None:
    features, target = load_iris(return_X_y=True, as_frame=True)
    x_train, x_test, y_train, _ = train_test_split(features, target, random_state=0)
    model = LogisticRegression(max_iter=500).fit(x_train, y_train)
    predictions = model.predict(x_train)

    signature = infer_signature(x_train, predictions)
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(
            sk_model=model,
            artifact_path="model",
            signature=signature,
            input_example=x_train[:3],
        )
    loaded_model = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    pyfunc_model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(pyfunc_model.predict(x_test), model.predict(x_test))
    np.testing.assert_array_equal(loaded_model.predict(x_test), model.predict(x_test))
    assert pyfunc_model.metadata.signature == signature
    example = pyfunc_model.metadata.load_input_example(
        download_model(f"runs:/{run.info.run_id}/model")
    )
    pd.testing.assert_frame_equal(example, x_train[:3].reset_index(drop=True))


def test_seed_002_models_from_code(workdir: Path) -> None:
    Path("model_code.py").write_text(
        "import mlflow\n\n"
        "class MyCustomModel(mlflow.pyfunc.PythonModel):\n"
        "    def predict(self, context, model_input):\n"
        "        return model_input * 2\n\n"
        "mlflow.models.set_model(MyCustomModel())\n"
    )
    with mlflow.start_run() as run:
        mlflow.pyfunc.log_model(artifact_path="model", python_model="model_code.py")
    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    frame = pd.DataFrame({"x": [1, 2]})
    assert loaded.predict(frame)["x"].tolist() == [2, 4]
