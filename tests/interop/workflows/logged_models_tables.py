"""Run by the reference MLflow client against an mlharbor server: read the table and logged
model mlharbor wrote, then write its own for mlharbor to read. Prints one JSON line."""

from __future__ import annotations

import json
import sys

import mlflow
import pandas as pd


def main(url: str, experiment: str, our_model_id: str, agent_id: str) -> None:
    mlflow.set_tracking_uri(url)
    mlflow.set_experiment(experiment)
    ours = mlflow.load_table("ours.json", extra_columns=["run_id"])
    assert ours[["q", "score"]].to_dict("records") == [
        {"q": "a", "score": 1},
        {"q": "b", "score": 2},
    ], ours
    model = mlflow.get_logged_model(our_model_id)
    assert model.status == "READY", model.status
    assert model.params == {"lr": "0.1"}, model.params
    assert [(m.key, m.value, m.dataset_name) for m in model.metrics] == [("acc", 0.7, "holdout")], (
        model.metrics
    )

    agent = mlflow.set_active_model(name="agent")
    assert agent.model_id == agent_id, (agent.model_id, agent_id)
    files = mlflow.MlflowClient().list_logged_model_artifacts(agent_id)
    assert [f.path for f in files] == ["MLmodel"], files
    mlflow.clear_active_model()

    dataset = mlflow.data.from_pandas(pd.DataFrame({"x": [1]}), name="holdout")
    with mlflow.start_run() as run:
        theirs = mlflow.initialize_logged_model(name="official", params={"depth": "3"})
        mlflow.log_metric("acc", 0.9, model_id=theirs.model_id, dataset=dataset)
        mlflow.finalize_logged_model(theirs.model_id, "READY")
        mlflow.log_table({"q": ["c"], "score": [3]}, "theirs.json")
        mlflow.log_table({"q": ["d"], "score": [4]}, "theirs.json")
    best = mlflow.search_logged_models(
        filter_string="metrics.acc > 0.5",
        datasets=[{"dataset_name": "holdout"}],
        order_by=[{"field_name": "metrics.acc", "ascending": False}],
        output_format="list",
    )
    assert [m.model_id for m in best] == [theirs.model_id, our_model_id], best
    print(json.dumps({"run_id": run.info.run_id, "model_id": theirs.model_id}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
