"""Seed-style tracking tour with the official mlflow client; prints one JSON object of results.

Run by ``tests/server/test_official_client.py`` under the reference MLflow interpreter with
``MLFLOW_TRACKING_URI`` pointing at an ``mlharbor server``.
"""

import json
import os
import sys
import tempfile

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

results = {}
mlflow.set_experiment("tour")
X, y = load_iris(return_X_y=True, as_frame=True)
clf = LogisticRegression(max_iter=300).fit(X, y)

with tempfile.TemporaryDirectory() as scratch:
    with mlflow.start_run(run_name="first") as run:
        mlflow.log_param("alpha", 0.1)
        mlflow.log_params({"l1": 0.5, "solver": "lbfgs"})
        for step in range(3):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "f1": float("nan")})
        mlflow.set_tags({"team": "ml", "stage": "dev"})
        note = os.path.join(scratch, "note.txt")
        with open(note, "w") as handle:
            handle.write("hello")
        mlflow.log_artifact(note, artifact_path="notes")
        os.makedirs(os.path.join(scratch, "results", "sub"))
        for name in ("results/a.csv", "results/sub/b.csv"):
            with open(os.path.join(scratch, name), "w") as handle:
                handle.write("x,y\n1,2\n")
        mlflow.log_artifacts(os.path.join(scratch, "results"), artifact_path="results")
        mlflow.log_text("some text", "texts/t.txt")
        mlflow.log_dict({"k": [1, 2]}, "dicts/d.json")
        frame = pd.DataFrame({"x1": [1.0, 2.0], "label": [0, 1]})
        dataset = mlflow.data.from_pandas(frame, source="s3://bucket/data.csv", name="train-df")
        mlflow.log_input(dataset, context="training")
        info = mlflow.sklearn.log_model(
            clf, name="model", serialization_format="cloudpickle", input_example=X.head(2)
        )
        with mlflow.start_run(run_name="child", nested=True):
            mlflow.log_metric("inner", 1.0)
    run_id = run.info.run_id

    client = MlflowClient()
    fetched = client.get_run(run_id)
    results["params"] = fetched.data.params
    results["metrics"] = {k: (None if v != v else v) for k, v in fetched.data.metrics.items()}
    results["tags"] = {k: v for k, v in fetched.data.tags.items() if not k.startswith("mlflow.")}
    results["status"] = fetched.info.status
    results["history"] = [(m.step, m.value) for m in client.get_metric_history(run_id, "loss")]
    results["top_artifacts"] = sorted(a.path for a in client.list_artifacts(run_id))
    results["results_artifacts"] = sorted(a.path for a in client.list_artifacts(run_id, "results"))
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="notes", dst_path=scratch
    )
    with open(os.path.join(local, "note.txt")) as handle:
        results["downloaded"] = handle.read()
    results["text"] = mlflow.artifacts.load_text(f"runs:/{run_id}/texts/t.txt")
    results["dict"] = mlflow.artifacts.load_dict(f"runs:/{run_id}/dicts/d.json")
    results["datasets"] = [d.dataset.name for d in fetched.inputs.dataset_inputs]
    results["model_outputs"] = [o.model_id for o in fetched.outputs.model_outputs]
    results["model_id"] = info.model_id
    by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    by_id = mlflow.pyfunc.load_model(f"models:/{info.model_id}")
    expected = clf.predict(X.head(5)).tolist()
    results["predictions_match"] = (
        np.asarray(by_run.predict(X.head(5))).tolist() == expected
        and np.asarray(by_id.predict(X.head(5))).tolist() == expected
    )
    logged = client.get_logged_model(info.model_id)
    results["logged_model_status"] = str(logged.status)
    results["logged_model_params"] = logged.params
    found = mlflow.search_runs(
        experiment_names=["tour"],
        filter_string="params.alpha = '0.1'",
        order_by=["start_time DESC"],
    )
    results["search_ids"] = list(found["run_id"])
    all_runs = mlflow.search_runs(experiment_names=["tour"], output_format="list")
    results["run_count"] = len(all_runs)
    client.delete_run(run_id)
    results["deleted_stage"] = client.get_run(run_id).info.lifecycle_stage
    client.restore_run(run_id)
    results["restored_stage"] = client.get_run(run_id).info.lifecycle_stage
    experiments = client.search_experiments(filter_string="name = 'tour'")
    client.set_experiment_tag(experiments[0].experiment_id, "project", "tour")
    results["experiment_tags"] = client.get_experiment(experiments[0].experiment_id).tags
    try:
        client.log_param(run_id, "alpha", "0.2")
    except mlflow.exceptions.MlflowException as exc:
        results["param_change_error"] = exc.error_code
    results["missing_experiment"] = mlflow.get_experiment_by_name("no-such-experiment")

json.dump(results, sys.stdout)
