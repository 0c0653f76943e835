"""Train, track, register and serve an iris classifier, end to end.

The workflow of a typical MLflow tutorial, with ``import mlharbor as
mlflow`` in place of ``import mlflow``. The server comes from ``MLFLOW_TRACKING_URI``
(``scripts/demo`` sets it to http://127.0.0.1:5000).
"""

from __future__ import annotations

import pandas as pd
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import mlharbor as mlflow

EXPERIMENT = "iris-rf-exp"
MODEL_NAME = "iris-rf"
ALIAS = "production"
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def main() -> None:
    mlflow.set_experiment(EXPERIMENT)

    with mlflow.start_run() as run:
        features, target = load_iris(return_X_y=True, as_frame=True)
        features.columns = FEATURES  # the names the prediction below uses
        x_train, x_test, y_train, y_test = train_test_split(
            features, target, test_size=0.2, random_state=42
        )
        clf = RandomForestClassifier(n_estimators=100, max_depth=3, random_state=42)
        clf.fit(x_train, y_train)
        acc = clf.score(x_test, y_test)

        mlflow.log_param("n_estimators", 100)
        mlflow.log_param("max_depth", 3)
        mlflow.log_metric("accuracy", acc)
        mlflow.sklearn.log_model(clf, "model")

    version = mlflow.register_model(f"runs:/{run.info.run_id}/model", MODEL_NAME)
    mlflow.MlflowClient().set_registered_model_alias(MODEL_NAME, ALIAS, version.version)

    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{ALIAS}")
    prediction = model.predict(pd.DataFrame([[5.1, 3.5, 1.4, 0.2]], columns=FEATURES))

    print(f"experiment: {EXPERIMENT}")
    print(f"run id: {run.info.run_id}")
    print(f"accuracy: {acc:.3f}")
    print(f"registered: {MODEL_NAME} version {version.version} (alias @{ALIAS})")
    print(f"prediction for [5.1, 3.5, 1.4, 0.2]: {int(prediction[0])}")


if __name__ == "__main__":
    main()
