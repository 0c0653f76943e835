"""The users' tracking workflows (seeds 001, 002, 003), run as scripts with
``import mlharbor as mlflow`` against the default embedded SQLite store and PostgreSQL.

Each snippet is the seed's code with ``mlflow`` imported from mlharbor; the model-logging lines
are covered by the model tests and left out here. Results are read back through the client.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlharbor.client.client import MlharborClient
from mlharbor.entities import Run
from mlharbor.store.tracking.factory import clear_tracking_store_cache

QUICKSTART = """
import mlharbor as mlflow

mlflow.set_experiment("MLflow Quickstart")

with mlflow.start_run():
    mlflow.log_param("learning_rate", 0.01)
    mlflow.log_param("epochs", 100)
    mlflow.log_metric("accuracy", 0.95)
    mlflow.log_metric("loss", 0.05)
    mlflow.set_tag("model_type", "classification")
"""

LOGGING_APIS = """
import os
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import mlharbor as mlflow
import mlharbor.data
from mlharbor.data.pandas_dataset import PandasDataset

mlflow.set_experiment("MLflow Quickstart")

with mlflow.start_run(run_name="params"):
    mlflow.log_param("learning_rate", 0.001)
    mlflow.log_param("batch_size", 32)
    params = {
        "optimizer": "adam",
        "dropout": 0.3,
        "hidden_layers": 3,
        "activation": "relu"
    }
    mlflow.log_params(params)
    mlflow.log_metric("accuracy", 0.93)

def train_one_epoch(epoch):
    return 1.0 / (epoch + 1)

def evaluate(epoch):
    return 1.2 / (epoch + 1)

train_losses, val_losses = [], []
with mlflow.start_run(run_name="metrics"):
    for epoch in range(100):
        train_loss = train_one_epoch(epoch)
        val_loss = evaluate(epoch)
        train_losses.append(train_loss)
        val_losses.append(val_loss)
        mlflow.log_metric("train_loss", train_loss, step=epoch)
        mlflow.log_metric("val_loss", val_loss, step=epoch)
    final_metrics = {"final_accuracy": 0.95, "final_f1": 0.93}
    mlflow.log_metrics(final_metrics)

os.makedirs("output_dir/sub", exist_ok=True)
with open("output_dir/summary.txt", "w") as handle:
    handle.write("summary")
with open("output_dir/sub/details.csv", "w") as handle:
    handle.write("epoch,loss\\n0,1.0\\n")

with mlflow.start_run(run_name="artifacts"):
    plt.figure(figsize=(10, 6))
    plt.plot(train_losses, label="Train Loss")
    plt.plot(val_losses, label="Validation Loss")
    plt.legend()
    plt.savefig("learning_curve.png")
    mlflow.log_artifact("learning_curve.png", artifact_path="plots")
    mlflow.log_artifacts("./output_dir", artifact_path="results")

df = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [4.0, 5.0, 6.0], "label": [0, 1, 0]})
dataset = mlflow.data.from_pandas(df, source="s3://my-bucket/data.csv")
assert isinstance(dataset, PandasDataset)

with mlflow.start_run(run_name="dataset"):
    mlflow.log_input(dataset, context="training")
"""

SEARCH = """
import mlharbor as mlflow

runs = mlflow.search_runs(
    experiment_names=["MLflow Quickstart"],
    filter_string="metrics.accuracy > 0.9 AND params.optimizer = 'adam'",
    order_by=["metrics.accuracy DESC"]
)
print(runs[["params.optimizer", "metrics.accuracy"]])
"""

SQLITE_URI_AND_RUN_NAME = """
import mlharbor as mlflow
from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

mlflow_uri = "{uri}"
mlflow.set_tracking_uri(mlflow_uri)

exp_id = mlflow.create_experiment("exp1")

x, y = load_iris(return_X_y=True)
x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2, random_state=0)

with mlflow.start_run(experiment_id = exp_id):
    model = DecisionTreeClassifier(random_state=0)
    model.fit(x_train, y_train)
    pred = model.predict(x_val)
    accuracy = accuracy_score(y_val, pred)
    mlflow.log_metric("accuracy", accuracy)

with mlflow.start_run(experiment_id=exp_id, run_name='DecisionTreeClf'):
    mlflow.log_metric("accuracy", accuracy)
"""

IRIS_LOGISTIC = """
import mlharbor as mlflow
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

iris = datasets.load_iris()
X = iris.data
y = iris.target

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

with mlflow.start_run():
    params = {
        "solver": "lbfgs",
        "max_iter": 1000,
        "multi_class": "auto",
        "random_state": 8888
    }
    # The installed scikit-learn no longer accepts multi_class; it is still logged as a param.
    lr = LogisticRegression(**{k: v for k, v in params.items() if k != "multi_class"})
    lr.fit(X_train, y_train)
    predictions = lr.predict(X_test)
    accuracy = accuracy_score(y_test, predictions)
    mlflow.log_params(params)
    mlflow.log_metric("accuracy", accuracy)
    print(f"Accuracy: {accuracy}")
"""


class Backend:
    """Where a seed script tracks to: the embedded default or a PostgreSQL URL."""

    def __init__(self, workdir: Path, tracking_uri: str | None) -> None:
        self.workdir = workdir
        self.tracking_uri = tracking_uri

    @property
    def client_uri(self) -> str:
        return self.tracking_uri or f"sqlite:///{self.workdir}/mlflow.db"

    def run(self, name: str, source: str) -> str:
        script = self.workdir / name
        script.write_text(source)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MLHARBOR_"))}
        env["MPLBACKEND"] = "Agg"
        if self.tracking_uri:
            env["MLFLOW_TRACKING_URI"] = self.tracking_uri
        result = subprocess.run(
            [sys.executable, name],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def client(self) -> MlharborClient:
        clear_tracking_store_cache()
        return MlharborClient(self.client_uri)

    def runs(self, experiment_name: str) -> dict[str, Run]:
        client = self.client()
        experiment = client.get_experiment_by_name(experiment_name)
        assert experiment is not None
        runs = client.search_runs([experiment.experiment_id], max_results=100)
        return {run.info.run_name: run for run in runs}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return Backend(tmp_path, url)
    return Backend(tmp_path, None)


def test_quickstart(backend: Backend) -> None:
    backend.run("quickstart.py", QUICKSTART)
    if backend.tracking_uri is None:
        assert (backend.workdir / "mlflow.db").is_file()
    (run,) = backend.runs("MLflow Quickstart").values()
    assert run.info.status == "FINISHED"
    assert run.data.params == {"learning_rate": "0.01", "epochs": "100"}
    assert run.data.metrics == {"accuracy": 0.95, "loss": 0.05}
    assert run.data.tags["model_type"] == "classification"
    assert run.data.tags["mlflow.source.name"] == "quickstart.py"


def test_logging_apis_and_search(backend: Backend) -> None:
    backend.run("quickstart.py", QUICKSTART)
    backend.run("logging_apis.py", LOGGING_APIS)
    runs = backend.runs("MLflow Quickstart")
    client = backend.client()

    assert runs["params"].data.params == {
        "learning_rate": "0.001",
        "batch_size": "32",
        "optimizer": "adam",
        "dropout": "0.3",
        "hidden_layers": "3",
        "activation": "relu",
    }
    history = client.get_metric_history(runs["metrics"].info.run_id, "train_loss")
    assert [m.step for m in history] == list(range(100))
    assert history[9].value == pytest.approx(0.1)
    assert runs["metrics"].data.metrics["final_f1"] == 0.93

    artifacts_run = runs["artifacts"].info.run_id
    assert [f.path for f in client.list_artifacts(artifacts_run)] == ["plots", "results"]
    plot = client.download_artifacts(artifacts_run, "plots/learning_curve.png")
    assert Path(plot).read_bytes().startswith(b"\x89PNG")
    results = [f.path for f in client.list_artifacts(artifacts_run, "results")]
    assert results == ["results/sub", "results/summary.txt"]

    (dataset_input,) = runs["dataset"].inputs.dataset_inputs
    assert dataset_input.dataset.source == '{"uri": "s3://my-bucket/data.csv"}'
    assert dataset_input.dataset.source_type == "s3"
    assert dataset_input.dataset.profile == '{"num_rows": 3, "num_elements": 9}'
    assert [(t.key, t.value) for t in dataset_input.tags] == [("mlflow.data.context", "training")]

    printed = backend.run("search.py", SEARCH).splitlines()
    assert printed[0].split() == ["params.optimizer", "metrics.accuracy"]
    assert [line.split()[1:] for line in printed[1:]] == [["adam", "0.93"]]


def test_sqlite_uri_create_experiment_and_run_name(backend: Backend) -> None:
    uri = backend.tracking_uri or "sqlite:///mlflow.db"
    if backend.tracking_uri is None:
        backend.tracking_uri = f"sqlite:///{backend.workdir}/mlflow.db"
    backend.run("seed003.py", SQLITE_URI_AND_RUN_NAME.format(uri=uri))
    if uri == "sqlite:///mlflow.db":
        assert (backend.workdir / "mlflow.db").is_file()
    runs = backend.runs("exp1")
    assert len(runs) == 2
    named = runs["DecisionTreeClf"]
    assert named.data.tags["mlflow.runName"] == "DecisionTreeClf"
    accuracies = {run.data.metrics["accuracy"] for run in runs.values()}
    assert len(accuracies) == 1
    assert 0.5 < accuracies.pop() <= 1.0


def test_iris_logistic_regression(backend: Backend) -> None:
    printed = backend.run("iris.py", IRIS_LOGISTIC)
    (run,) = backend.runs("Default").values()
    assert run.data.params == {
        "solver": "lbfgs",
        "max_iter": "1000",
        "multi_class": "auto",
        "random_state": "8888",
    }
    assert printed.strip() == f"Accuracy: {run.data.metrics['accuracy']}"
