"""Data the browser tests look at, logged through mlharbor's own client against a live server:
the iris workflow of the seeds (three logistic regressions with per-step metrics, a training
dataset, a confusion matrix image, a CSV sample, a JSON report and a logged scikit-learn model;
the last one also keeps a saved model among its artifacts and has a nested run) plus one run
whose names and values are hostile markup."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

XSS = '<img src=x onerror="window.__xss=1">'
HOSTILE_FILE = "<img src=x onerror=alert(1)>.txt"
# An HTML report whose script and handler would mark the page if they ran.
HOSTILE_HTML = (
    '<h1 id="heading">Drift report</h1><script>parent.__xss = 2; window.__ran = 1;</script>'
    '<img src=x onerror="parent.__xss = 3">'
)


@dataclass(frozen=True)
class IrisWorkflow:
    experiment_id: str
    run_ids: dict[str, str]  # run name -> run id, the nested "calibration" run included
    model_ids: dict[str, str]  # run name -> logged model id
    hostile_run_id: str


def log_iris_workflow(tracking_uri: str, experiment_name: str = "iris-ui") -> IrisWorkflow:
    """Train and log the iris runs; returns their ids."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.model_selection import train_test_split

    import mlharbor as mlflow

    mlflow.set_tracking_uri(tracking_uri)
    experiment_id = mlflow.set_experiment(experiment_name).experiment_id
    x, y = load_iris(return_X_y=True, as_frame=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=42)
    run_ids: dict[str, str] = {}
    model_ids: dict[str, str] = {}
    for c in (0.1, 1.0, 10.0):
        name = f"logreg-C{c}"
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_params({"C": c, "max_iter": 200, "solver": "lbfgs"})
            mlflow.set_tag("team", "vision")
            model = LogisticRegression(C=c, max_iter=200).fit(x_train, y_train)
            predicted = model.predict(x_test)
            for step in range(10):
                mlflow.log_metric("loss", (1.0 / (step + 1)) / c**0.1, step=step)
            mlflow.log_metric("accuracy", float(accuracy_score(y_test, predicted)))
            mlflow.log_metric("f1", float(f1_score(y_test, predicted, average="macro")))
            with tempfile.TemporaryDirectory() as scratch:
                figure, axes = plt.subplots(figsize=(4, 4))
                axes.imshow(confusion_matrix(y_test, predicted), cmap="Blues")
                axes.set_title(f"Confusion matrix C={c}")
                image = Path(scratch) / "confusion.png"
                figure.savefig(image)
                plt.close(figure)
                mlflow.log_artifact(str(image), "plots")
                sample = Path(scratch) / "sample.csv"
                x_test.head(20).to_csv(sample, index=False)
                mlflow.log_artifact(str(sample), "data")
            mlflow.log_dict({"C": c, "classes": [0, 1, 2]}, "report.json")
            mlflow.log_input(
                mlflow.data.from_pandas(x_train, name="iris-train"), context="training"
            )
            info = mlflow.sklearn.log_model(model, name="model", input_example=x_train.head(3))
            run_ids[name] = run.info.run_id
            model_ids[name] = info.model_id
            if c == 10.0:
                # A model directory kept among the run's plain artifacts, and a nested run.
                with tempfile.TemporaryDirectory() as scratch:
                    mlflow.sklearn.save_model(model, str(Path(scratch) / "exported"))
                    mlflow.log_artifacts(str(Path(scratch) / "exported"), "exported_model")
                with mlflow.start_run(run_name="calibration", nested=True) as child:
                    mlflow.log_param("method", "sigmoid")
                    run_ids["calibration"] = child.info.run_id
    with mlflow.start_run(run_name=XSS) as hostile:
        mlflow.log_param("note", XSS)
        mlflow.set_tag("note", XSS)
        mlflow.log_metric("accuracy", 0.5)
        mlflow.log_text(XSS, f"notes/{HOSTILE_FILE}")
        mlflow.log_text(HOSTILE_HTML, "notes/report.html")
    return IrisWorkflow(experiment_id, run_ids, model_ids, hostile.info.run_id)
