"""Seed 000 with the official mlflow client: train, log a RandomForest, register it, alias it,
and load ``models:/iris-rf@production`` in a fresh process; prints one JSON object of results.
"""

import json
import os
import subprocess
import sys

import mlflow
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

X, y = load_iris(return_X_y=True, as_frame=True)
mlflow.set_experiment("iris-rf-exp")
with mlflow.start_run() as run:
    clf = RandomForestClassifier(n_estimators=20, max_depth=3, random_state=0).fit(X, y)
    mlflow.log_param("n_estimators", 20)
    mlflow.log_param("max_depth", 3)
    mlflow.log_metric("accuracy", clf.score(X, y))
    mlflow.sklearn.log_model(clf, name="model", serialization_format="cloudpickle")

version = mlflow.register_model(f"runs:/{run.info.run_id}/model", "iris-rf")
client = MlflowClient()
client.set_registered_model_alias("iris-rf", "production", version.version)

loader = (
    "import json, mlflow, sys\n"
    "from sklearn.datasets import load_iris\n"
    "X, _ = load_iris(return_X_y=True, as_frame=True)\n"
    "model = mlflow.pyfunc.load_model('models:/iris-rf@production')\n"
    "print(json.dumps([int(v) for v in model.predict(X.head(5))]))\n"
)
loaded = subprocess.run(
    [sys.executable, "-c", loader], capture_output=True, text=True, env=os.environ, check=True
)
results = {
    "version": version.version,
    "alias_version": client.get_model_version_by_alias("iris-rf", "production").version,
    "predictions": json.loads(loaded.stdout.strip().splitlines()[-1]),
    "expected": [int(v) for v in clf.predict(X.head(5))],
    "run_status": client.get_run(run.info.run_id).info.status,
}
json.dump(results, sys.stdout)
