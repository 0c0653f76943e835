"""A tracking workflow written against MLflow's public API, run unchanged by mlflow and mlharbor.

Usage::

    python tracking_workflow.py <mlflow|mlharbor> <tracking-uri> <experiment-name> <workdir>
        [--models]

The first argument picks the package imported as ``mlflow`` (``import mlharbor as mlflow``).
Every check is an assertion; the process exits 0 and prints ``WORKFLOW OK`` only when all pass.
``--models`` adds ``sklearn.log_model`` and ``pyfunc.load_model`` of ``runs:/`` and ``models:/``.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

flavor, tracking_uri, experiment_name, workdir_arg = sys.argv[1:5]
with_models = "--models" in sys.argv[5:]
mlflow = importlib.import_module(flavor)
entities = importlib.import_module(f"{flavor}.entities")
exceptions = importlib.import_module(f"{flavor}.exceptions")
workdir = Path(workdir_arg)

import pandas as pd  # noqa: E402

mlflow.set_tracking_uri(tracking_uri)
experiment = mlflow.set_experiment(experiment_name)
exp_id = experiment.experiment_id

# -- files to log ------------------------------------------------------------------------------
plot = workdir / "learning_curve.png"
plot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(64)))
output_dir = workdir / "output_dir"
(output_dir / "sub").mkdir(parents=True)
(output_dir / "summary.txt").write_text("loss went down\n")
(output_dir / "sub" / "detail.csv").write_text("epoch,loss\n0,1.0\n1,0.5\n")
df = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [0.5, 0.1, 0.2], "label": [0, 1, 0]})

# -- logging -----------------------------------------------------------------------------------
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_param("learning_rate", 0.001)
    mlflow.log_params({"optimizer": "adam", "dropout": 0.3, "hidden_layers": 3})
    for epoch in range(5):
        mlflow.log_metric("train_loss", 1.0 / (epoch + 1), step=epoch)
    mlflow.log_metrics({"accuracy": 0.95, "final_f1": 0.93})
    mlflow.set_tag("team", "vision")
    mlflow.set_tags({"stage": "dev"})
    mlflow.log_artifact(str(plot), artifact_path="plots")
    mlflow.log_artifacts(str(output_dir), artifact_path="results")
    mlflow.log_text("hello notes", "notes/readme.txt")
    mlflow.log_dict({"layers": [64, 32]}, "config/model.json")
    dataset = mlflow.data.from_pandas(df, source="s3://my-bucket/data.csv", name="train-df")
    mlflow.log_input(dataset, context="training")
    with mlflow.start_run(run_name="child", nested=True) as child:
        mlflow.log_param("optimizer", "sgd")
        mlflow.log_metric("accuracy", 0.85)
parent_id, child_id = parent.info.run_id, child.info.run_id

with mlflow.start_run(run_name="other") as other:
    mlflow.log_param("optimizer", "adam")
    mlflow.log_metric("accuracy", 0.8)
    mlflow.log_metric("unstable", float("nan"))
other_id = other.info.run_id
first_end = mlflow.get_run(other_id).info.end_time

# Resuming a finished run, then a run that fails inside its block.
with mlflow.start_run(run_id=other_id):
    mlflow.log_metric("late", 1.0, step=7)
failed_id = None
try:
    with mlflow.start_run(run_name="boom") as boom:
        failed_id = boom.info.run_id
        raise RuntimeError("training diverged")
except RuntimeError:
    pass

# -- reading back ------------------------------------------------------------------------------
client = mlflow.MlflowClient()
run = client.get_run(parent_id)
assert run.info.status == "FINISHED", run.info.status
assert run.info.run_name == "parent"
assert run.data.params == {
    "learning_rate": "0.001",
    "optimizer": "adam",
    "dropout": "0.3",
    "hidden_layers": "3",
}, run.data.params
assert run.data.metrics["accuracy"] == 0.95
assert run.data.metrics["train_loss"] == 0.2
assert run.data.tags["team"] == "vision"
assert run.data.tags["stage"] == "dev"
assert run.data.tags["mlflow.runName"] == "parent"
assert client.get_run(child_id).data.tags["mlflow.parentRunId"] == parent_id

history = client.get_metric_history(parent_id, "train_loss")
assert [(m.step, m.value) for m in history] == [(i, 1.0 / (i + 1)) for i in range(5)]

[dataset_input] = run.inputs.dataset_inputs
assert dataset_input.dataset.name == "train-df"
assert dataset_input.dataset.source_type == "s3"
assert json.loads(dataset_input.dataset.source) == {"uri": "s3://my-bucket/data.csv"}
assert {t.key: t.value for t in dataset_input.tags}["mlflow.data.context"] == "training"

resumed = client.get_run(other_id)
assert resumed.info.status == "FINISHED"
assert resumed.info.end_time >= first_end
assert resumed.data.metrics["late"] == 1.0
assert math.isnan(resumed.data.metrics["unstable"])
assert client.get_run(failed_id).info.status == "FAILED"
client.update_run(failed_id, name="diverged")
assert client.get_run(failed_id).data.tags["mlflow.runName"] == "diverged"
client.delete_run(failed_id)

# The seed's search: filter, order and the DataFrame columns it prints.
found = mlflow.search_runs(
    experiment_names=[experiment_name],
    filter_string="metrics.accuracy > 0.9 AND params.optimizer = 'adam'",
    order_by=["metrics.accuracy DESC"],
)
assert list(found["run_id"]) == [parent_id], found
assert list(found["params.optimizer"]) == ["adam"]
assert list(found["metrics.accuracy"]) == [0.95]
ranked = mlflow.search_runs(experiment_ids=[exp_id], order_by=["metrics.accuracy DESC"])
assert list(ranked["run_id"]) == [parent_id, child_id, other_id], ranked
children = client.search_runs([exp_id], f"tags.mlflow.parentRunId = '{parent_id}'")
assert [r.info.run_id for r in children] == [child_id]

seen, token = [], None
for _ in range(5):
    page = client.search_runs(
        [exp_id], max_results=1, order_by=["attributes.start_time ASC"], page_token=token
    )
    seen.extend(r.info.run_id for r in page)
    token = page.token
    if not token:
        break
assert seen == [parent_id, child_id, other_id], seen

# -- artifacts ---------------------------------------------------------------------------------
top = [(f.path, f.is_dir) for f in client.list_artifacts(parent_id)]
assert top == [("config", True), ("notes", True), ("plots", True), ("results", True)], top
results = [(f.path, f.is_dir) for f in client.list_artifacts(parent_id, "results")]
assert results == [("results/sub", True), ("results/summary.txt", False)], results
download_dir = workdir / "downloads"
download_dir.mkdir()
local = Path(client.download_artifacts(parent_id, "results", str(download_dir)))
assert (local / "summary.txt").read_text() == "loss went down\n"
assert (local / "sub" / "detail.csv").read_text() == "epoch,loss\n0,1.0\n1,0.5\n"
png = Path(client.download_artifacts(parent_id, "plots/learning_curve.png", str(download_dir)))
assert png.read_bytes() == plot.read_bytes()
notes = Path(client.download_artifacts(parent_id, "notes/readme.txt", str(download_dir)))
assert notes.read_text() == "hello notes"
config = Path(client.download_artifacts(parent_id, "config/model.json", str(download_dir)))
assert json.loads(config.read_text()) == {"layers": [64, 32]}

# -- lifecycle and errors ----------------------------------------------------------------------
client.delete_run(other_id)
active = client.search_runs([exp_id], run_view_type=entities.ViewType.ACTIVE_ONLY)
assert other_id not in {r.info.run_id for r in active}
deleted = client.search_runs([exp_id], run_view_type=entities.ViewType.DELETED_ONLY)
assert {r.info.run_id for r in deleted} == {other_id, failed_id}
client.restore_run(other_id)
assert client.get_run(other_id).info.lifecycle_stage == "active"

client.set_experiment_tag(exp_id, "project", "tour")
[listed] = client.search_experiments(filter_string=f"name = '{experiment_name}'")
assert listed.experiment_id == exp_id
assert listed.tags["project"] == "tour"
assert client.get_experiment_by_name(experiment_name + "-missing") is None


def expect_error(code: str, call: Callable[..., object], *args: object) -> str:
    """Run ``call(*args)``; it must raise MlflowException with ``code``. Returns the message."""
    error = None
    try:
        call(*args)
    except exceptions.MlflowException as exc:
        error = exc
    assert error is not None, f"{call.__name__}{args} did not fail"
    assert error.error_code == code, (code, error.error_code, str(error))
    return str(error)


message = expect_error("INVALID_PARAMETER_VALUE", client.log_param, parent_id, "optimizer", "sgd")
assert "Changing param values is not allowed" in message
missing_run = "0123456789abcdef0123456789abcdef"
assert missing_run in expect_error("RESOURCE_DOES_NOT_EXIST", client.get_run, missing_run)
expect_error("RESOURCE_DOES_NOT_EXIST", client.get_experiment, "987654321")
expect_error("RESOURCE_ALREADY_EXISTS", client.create_experiment, experiment_name)
expect_error("INVALID_PARAMETER_VALUE", client.search_runs, [exp_id], "foo.bar = 1")
expect_error("RESOURCE_DOES_NOT_EXIST", client.delete_tag, parent_id, "no-such-tag")

client.delete_experiment(exp_id)
assert client.get_experiment_by_name(experiment_name).lifecycle_stage == "deleted"
expect_error("INVALID_PARAMETER_VALUE", mlflow.set_experiment, experiment_name)
client.restore_experiment(exp_id)
assert client.get_run(parent_id).info.lifecycle_stage == "active"

# -- models ------------------------------------------------------------------------------------
if with_models:
    sklearn_flavor = importlib.import_module(f"{flavor}.sklearn")
    pyfunc = importlib.import_module(f"{flavor}.pyfunc")
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=200).fit(df[["x1", "x2"]], df["label"])
    with mlflow.start_run(run_name="model-run") as model_run:
        mlflow.log_param("C", 1.0)
        # MLflow 3.17.2 defaults to skops, which mlharbor loads only with skops installed.
        info = sklearn_flavor.log_model(clf, name="model", serialization_format="cloudpickle")
    expected = list(clf.predict(df[["x1", "x2"]]))
    for uri in (f"runs:/{model_run.info.run_id}/model", info.model_uri):
        loaded = pyfunc.load_model(uri)
        assert list(loaded.predict(df[["x1", "x2"]])) == expected, uri
    outputs = client.get_run(model_run.info.run_id).outputs.model_outputs
    assert [o.model_id for o in outputs] == [info.model_id]
    # For the other client to load: the URI and what the model must predict.
    print("LOGGED_MODEL", info.model_uri, json.dumps([int(p) for p in expected]), flush=True)

print("WORKFLOW OK", flush=True)
