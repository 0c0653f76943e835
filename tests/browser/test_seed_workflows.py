"""Seeds 001, 002 and 003 as their readers run them: the post's code in a fresh folder with
``import mlharbor as mlflow`` (logging without a server, or to the post's relative SQLite URI),
then the post's ``ui``/``server`` command started in that folder, and the runs, metrics,
artifacts and models read back through the REST API and in the browser.

Departures from the posts, each forced by the environment: scikit-learn 1.8 removed
``LogisticRegression(multi_class=...)`` (seed 001), ports are free loopback ports instead of
5000, and the posts' undefined training data is a scikit-learn dataset.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.fixtures.servers import RunningServer, free_port, run_server

MLHARBOR = str(Path(sys.executable).with_name("mlharbor"))

SEED_001 = """
import mlharbor as mlflow
import mlharbor.sklearn
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_score, recall_score, f1_score

iris = datasets.load_iris()
X = iris.data
y = iris.target

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

with mlflow.start_run():
    params = {
        "solver": "lbfgs",
        "max_iter": 1000,
        "random_state": 8888
    }

    lr = LogisticRegression(**params)
    lr.fit(X_train, y_train)

    predictions = lr.predict(X_test)

    accuracy = accuracy_score(y_test, predictions)

    mlflow.log_params(params)
    mlflow.log_metric("accuracy", accuracy)
    mlflow.sklearn.log_model(lr, "model")

    print(f"Accuracy: {accuracy}")
"""

SEED_002 = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mlharbor as mlflow

mlflow.set_experiment("MLflow Quickstart")

with mlflow.start_run():
    mlflow.log_param("learning_rate", 0.01)
    mlflow.log_param("epochs", 100)
    mlflow.log_metric("accuracy", 0.95)
    mlflow.log_metric("loss", 0.05)
    mlflow.set_tag("model_type", "classification")

train_losses = [1.0 / (epoch + 1) for epoch in range(10)]
val_losses = [1.2 / (epoch + 1) for epoch in range(10)]
with mlflow.start_run():
    for epoch in range(10):
        mlflow.log_metric("train_loss", train_losses[epoch], step=epoch)
        mlflow.log_metric("val_loss", val_losses[epoch], step=epoch)
    plt.figure(figsize=(10, 6))
    plt.plot(train_losses, label="Train Loss")
    plt.plot(val_losses, label="Validation Loss")
    plt.legend()
    plt.savefig("learning_curve.png")
    mlflow.log_artifact("learning_curve.png", artifact_path="plots")
"""

# Seed 002 §3.3: the official client pointed at the server; it prints the run's link.
SEED_002_CLIENT = """
import mlflow

mlflow.set_tracking_uri("{url}")
mlflow.set_experiment("my-experiment")
with mlflow.start_run(run_name="from-mlflow"):
    mlflow.log_param("optimizer", "adam")
    mlflow.log_metric("accuracy", 0.9)
"""

SEED_003 = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import mlharbor as mlflow
import mlharbor.sklearn
from sklearn.datasets import load_diabetes, load_iris
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

mlflow_uri = "sqlite:///mlflow.db"
mlflow.set_tracking_uri(mlflow_uri)

exp_id = mlflow.create_experiment("exp1")

x, y = load_iris(return_X_y=True, as_frame=True)
x_train, x_val, y_train, y_val = train_test_split(x, y, random_state=0)

with mlflow.start_run(experiment_id = exp_id):

    model = DecisionTreeClassifier()
    model.fit(x_train, y_train)

    pred = model.predict(x_val)

    accuracy = accuracy_score(y_val, pred)

    mlflow.log_metric("accuracy", accuracy)
    mlflow.sklearn.log_model(model, "model", registered_model_name="Test_Model")

x, y = load_diabetes(return_X_y=True, as_frame=True)
x_train, x_val, y_train, y_val = train_test_split(x, y, random_state=0)
x_train_s = StandardScaler().fit_transform(x_train)

with mlflow.start_run(experiment_id=exp_id, run_name='gridsearch_tuning01'):

    mlflow.sklearn.autolog()

    params = {'n_neighbors' : range(1, 51), 'metric' : ['euclidean', 'manhattan']}
    model = GridSearchCV(KNeighborsRegressor(), params, cv=5)
    model.fit(x_train_s, y_train)

    result = pd.DataFrame(model.cv_results_)

    sns.scatterplot(x='param_n_neighbors', y='mean_test_score', data=result, hue='param_metric')
    plt.title('KNN GridSearch Tuning')
    plt.grid()
    plt.savefig('KNN_GridSearch_Tuning.png')
    mlflow.log_artifact('KNN_GridSearch_Tuning.png')

    mlflow.sklearn.log_model(model.best_estimator_, "model", registered_model_name="KNN_Tuning")

    mlflow.sklearn.autolog(disable=True)

model_uri = "models:/Test_Model/1"
model1 = mlflow.sklearn.load_model(model_uri)

model_uri = "models:/KNN_Tuning/latest"
model2 = mlflow.sklearn.load_model(model_uri)
print(model1.predict(load_iris().data[:2]), model2.predict(x_train_s[:2]))
"""


def _python(folder: Path, source: str, python: str = sys.executable, name: str = "train.py") -> str:
    """Run ``source`` as ``python <name>`` in ``folder`` with no tracking URI configured."""
    (folder / name).write_text(textwrap.dedent(source))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MLFLOW_TRACKING_URI", "MLHARBOR_TRACKING_URI", "MLFLOW_REGISTRY_URI")
    }
    done = subprocess.run(
        [python, name], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@contextmanager
def _serve(folder: Path, *args: str) -> Iterator[RunningServer]:
    """``mlharbor <args>`` started in ``folder`` on a free port."""
    port = free_port()
    with run_server(
        [MLHARBOR, *args, "--host", "127.0.0.1", "--port", str(port)],
        port,
        timeout_s=120,
        cwd=folder,
    ) as server:
        yield server


def _get(server: RunningServer, route: str, /, **query: str) -> Any:
    url = f"{server.url}/{route}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    return json.loads(body) if route.startswith("api/") else body


def _runs(server: RunningServer, experiment_id: str) -> list[Any]:
    reply = urllib.request.Request(
        f"{server.url}/api/2.0/mlflow/runs/search",
        data=json.dumps({"experiment_ids": [experiment_id]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(reply, timeout=30) as response:
        return list(json.load(response).get("runs", []))


def _experiment_id(server: RunningServer, name: str) -> str:
    reply = _get(server, "api/2.0/mlflow/experiments/get-by-name", experiment_name=name)
    return str(reply["experiment"]["experiment_id"])


def _model_files(server: RunningServer, model_id: str) -> list[str]:
    reply = _get(server, f"api/2.0/mlflow/logged-models/{model_id}/artifacts/directories")
    return sorted(f["path"] for f in reply.get("files", []))


@contextmanager
def _page(chromium: Any) -> Iterator[Any]:
    # Playwright's wait_for_function evaluates strings, which the page's policy forbids.
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert errors == []


def _params(run: Any) -> dict[str, str]:
    return {p["key"]: p["value"] for p in run["data"].get("params", [])}


def _metrics(run: Any) -> dict[str, float]:
    return {m["key"]: m["value"] for m in run["data"].get("metrics", [])}


def test_seed_001_iris_then_ui(tmp_path: Path, chromium: Any) -> None:
    printed = _python(tmp_path, SEED_001)
    assert (tmp_path / "mlflow.db").is_file()
    assert (tmp_path / "mlruns").is_dir()
    with _serve(tmp_path, "ui") as server:
        (run,) = _runs(server, "0")
        run_id = run["info"]["run_id"]
        assert _params(run) == {"solver": "lbfgs", "max_iter": "1000", "random_state": "8888"}
        assert f"Accuracy: {_metrics(run)['accuracy']}" in printed
        (output,) = run["outputs"]["model_outputs"]
        files = _model_files(server, output["model_id"])
        assert {"MLmodel", "model.pkl", "conda.yaml"} <= set(files)
        mlmodel = _get(
            server,
            f"ajax-api/2.0/mlflow/logged-models/{output['model_id']}/artifacts/files",
            artifact_file_path="MLmodel",
        )
        assert b"sklearn" in mlmodel

        with _page(chromium) as page:
            page.goto(f"{server.url}/#/experiments/0/runs/{run_id}")
            expect(page.locator("#params-table")).to_contain_text("lbfgs")
            expect(page.locator("#metrics-table")).to_contain_text("accuracy")
            page.locator("#logged-models-table").get_by_role("button", name="Files").click()
            page.click("#artifact-tree [data-path='MLmodel']")
            expect(page.locator("#artifact-preview")).to_contain_text("sklearn")


def test_seed_002_quickstart_then_server(tmp_path: Path, chromium: Any, mlflow_python: str) -> None:
    _python(tmp_path, SEED_002)
    with _serve(tmp_path, "server") as server:
        experiment_id = _experiment_id(server, "MLflow Quickstart")
        runs = _runs(server, experiment_id)
        assert len(runs) == 2
        quick = next(r for r in runs if "model_type" in str(r["data"].get("tags")))
        assert _params(quick) == {"learning_rate": "0.01", "epochs": "100"}
        assert _metrics(quick) == {"accuracy": 0.95, "loss": 0.05}
        curve = next(r for r in runs if r is not quick)
        listing = _get(
            server, "api/2.0/mlflow/artifacts/list", run_id=curve["info"]["run_id"], path="plots"
        )
        assert [f["path"] for f in listing["files"]] == ["plots/learning_curve.png"]
        image = _get(
            server, "get-artifact", run_id=curve["info"]["run_id"], path="plots/learning_curve.png"
        )
        assert image.startswith(b"\x89PNG")

        printed = _python(tmp_path, SEED_002_CLIENT.format(url=server.url), mlflow_python, "c.py")
        link = re.search(r"View run from-mlflow at: (\S+)", printed)
        assert link is not None, printed
        with _page(chromium) as page:
            page.goto(link.group(1))
            expect(page.locator("#run-title")).to_have_text("from-mlflow")
            expect(page.locator("#params-table")).to_contain_text("adam")

            page.goto(f"{server.url}/#/experiments/{experiment_id}/runs/{curve['info']['run_id']}")
            page.get_by_role("button", name="Artifacts").click()
            page.click("#artifact-tree [data-path='plots']")
            page.click("#artifact-tree [data-path='plots/learning_curve.png']")
            page.wait_for_function(
                "document.querySelector('#artifact-preview img')?.naturalWidth > 0"
            )


def test_seed_003_sqlite_gridsearch_then_server(tmp_path: Path, chromium: Any) -> None:
    _python(tmp_path, SEED_003)
    assert not (tmp_path / "artifacts").exists()
    with _serve(
        tmp_path,
        "server",
        "--backend-store-uri",
        "sqlite:///mlflow.db",
        "--default-artifact-root",
        "./artifacts",
    ) as server:
        experiment_id = _experiment_id(server, "exp1")
        runs = _runs(server, experiment_id)
        search = next(r for r in runs if r["info"]["run_name"] == "gridsearch_tuning01")
        search_id = search["info"]["run_id"]
        children = [r for r in runs if ("mlflow.parentRunId", search_id) in _tags(r)]
        assert len(children) == 5
        assert _params(search)["best_metric"] in ("euclidean", "manhattan")
        assert "best_cv_score" in _metrics(search)
        listing = _get(server, "api/2.0/mlflow/artifacts/list", run_id=search_id)
        names = {f["path"] for f in listing["files"]}
        assert {"KNN_GridSearch_Tuning.png", "cv_results.csv", "estimator.html"} <= names

        for name in ("Test_Model", "KNN_Tuning"):
            version = _get(server, "api/2.0/mlflow/model-versions/get", name=name, version="1")
            model_id = version["model_version"]["model_id"]
            assert "MLmodel" in _model_files(server, model_id)

        with _page(chromium) as page:
            page.goto(f"{server.url}/#/experiments/{experiment_id}/runs/{search_id}")
            expect(page.locator("#params-table")).to_contain_text("best_n_neighbors")
            page.goto(
                f"{server.url}/#/experiments/{experiment_id}/runs/{search_id}"
                "/artifacts/KNN_GridSearch_Tuning.png"
            )
            page.wait_for_function(
                "document.querySelector('#artifact-preview img')?.naturalWidth > 0"
            )
            page.goto(f"{server.url}/#/models/KNN_Tuning/versions/1")
            expect(page.locator("h1")).to_have_text("KNN_Tuning · Version 1")


def _tags(run: Any) -> set[tuple[str, str]]:
    return {(t["key"], t["value"]) for t in run["data"].get("tags", [])}
