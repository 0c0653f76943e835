"""The seed 002 §9 regression recipe end to end: run, inspect, artifacts, run and registry."""

from __future__ import annotations

from pathlib import Path

import pytest

import mlharbor as mlflow
from mlharbor.recipes import Recipe, RegressionRecipe


def test_seed_recipe_runs_end_to_end(
    regression_recipe: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = Recipe(profile="local")
    assert isinstance(recipe, RegressionRecipe)
    assert recipe.name == "houses"

    recipe.run()
    assert recipe.last_execution == dict.fromkeys(
        ["ingest", "split", "transform", "train", "evaluate", "register"], "executed"
    )
    assert all(recipe.step_status(s) == "SUCCEEDED" for s in recipe.last_execution)

    ingested = recipe.get_artifact("ingested_data")
    training = recipe.get_artifact("training_data")
    validation = recipe.get_artifact("validation_data")
    test = recipe.get_artifact("test_data")
    assert len(ingested) == 400
    assert len(training) + len(validation) + len(test) == 400
    assert 250 < len(training) < 350
    assert list(training.columns) == ["area", "rooms", "price"]

    transformer = recipe.get_artifact("transformer")
    scaled = transformer.transform(training[["area", "rooms"]])
    assert abs(scaled.mean()) < 1e-6

    model = recipe.get_artifact("model")
    predictions = model.predict(test[["area", "rooms"]])
    assert abs(predictions - test["price"].to_numpy()).max() < 5

    run = recipe.get_artifact("run")
    assert run.info.status == "FINISHED"
    assert run.data.tags["mlflow.source.type"] == "RECIPE"
    assert run.data.tags["mlflow.recipe.template.name"] == "regression/v1"
    assert run.data.tags["mlflow.recipe.profile.name"] == "local"
    assert run.data.params["fit_intercept"] == "True"
    metrics = run.data.metrics
    for name in ("training_", "val_", "test_"):
        assert metrics[f"{name}root_mean_squared_error"] < 2
        assert metrics[f"{name}r2_score"] > 0.99
    assert {"val_mean_absolute_error", "test_mean_absolute_error"} <= set(metrics)
    experiment = mlflow.get_experiment(run.info.experiment_id)
    assert experiment.name == "houses-experiment"

    version = recipe.get_artifact("registered_model_version")
    assert version.name == "my_regression_model"
    assert version.version == "1"
    assert version.run_id == run.info.run_id
    loaded = mlflow.pyfunc.load_model("models:/my_regression_model/1")
    assert abs(loaded.predict(test[["area", "rooms"]]) - predictions).max() < 1e-9

    capsys.readouterr()
    recipe.inspect("evaluate")
    card = capsys.readouterr().out
    assert "model validation status  VALIDATED" in card
    assert "root_mean_squared_error" in card
    assert "Validation criteria" in card
    html = recipe.execution_directory / "steps" / "evaluate" / "outputs" / "card.html"
    assert "VALIDATED" in html.read_text()

    recipe.inspect("split")
    assert "training rows" in capsys.readouterr().out

    recipe.inspect()
    dag = capsys.readouterr().out
    assert "ingest -> split -> transform -> train -> evaluate -> register" in dag
    assert dag.count("SUCCEEDED") == 6


def test_run_up_to_a_step_stops_there(regression_recipe: Path) -> None:
    recipe = Recipe(profile="local")
    recipe.run("train")
    assert list(recipe.last_execution) == ["ingest", "split", "transform", "train"]
    assert recipe.step_status("evaluate") == "UNKNOWN"
    assert recipe.get_artifact("run") is not None
    assert recipe.get_artifact("registered_model_version") is None
    assert mlflow.search_registered_models() == []


def test_csv_ingest_and_profile_overrides(regression_recipe: Path) -> None:
    (regression_recipe / "recipe.yaml").write_text(
        (regression_recipe / "recipe.yaml")
        .read_text()
        .replace(
            "ingest: {using: 'custom', loader_method: load_data}",
            "ingest: {{INGEST_CONFIG}}",
        )
    )
    (regression_recipe / "profiles" / "local.yaml").write_text(
        # a whole mapping behind one placeholder, as MLflow's recipe templates do
        "INGEST_CONFIG: {using: csv, location: data/houses.csv}\nSPLIT_RATIOS: [2, 1, 1]\n"
        "steps:\n  register: {model_name: profile_model}\n"
    )
    recipe = Recipe(profile="local")
    recipe.run()
    assert len(recipe.get_artifact("ingested_data")) == 400
    assert 150 < len(recipe.get_artifact("training_data")) < 250
    assert recipe.get_artifact("registered_model_version").name == "profile_model"


def test_post_split_filter_and_missing_targets(regression_recipe: Path) -> None:
    data = regression_recipe / "data" / "houses.csv"
    data.write_text(data.read_text() + "100.0,2,\n")
    (regression_recipe / "steps" / "split.py").write_text(
        "def keep_small(df):\n    return df['rooms'] < 5\n"
    )
    text = (regression_recipe / "recipe.yaml").read_text()
    (regression_recipe / "recipe.yaml").write_text(
        text.replace(
            "split: {split_ratios: {{SPLIT_RATIOS}}}",
            "split: {split_ratios: {{SPLIT_RATIOS}}, post_split_filter_method: keep_small}",
        )
    )
    recipe = Recipe(profile="local")
    recipe.run("split")
    assert len(recipe.get_artifact("ingested_data")) == 401
    for name in ("training_data", "validation_data", "test_data"):
        part = recipe.get_artifact(name)
        assert (part["rooms"] < 5).all()
        assert part["price"].notna().all()
