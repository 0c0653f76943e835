"""Step caching: a step re-runs only when its config, its code or an upstream step changed."""

from __future__ import annotations

from pathlib import Path

import pytest

import mlharbor as mlflow
from mlharbor.recipes import Recipe

ALL = ["ingest", "split", "transform", "train", "evaluate", "register"]


def _outcomes(recipe: Recipe) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {"executed": [], "cached": []}
    for step, outcome in recipe.last_execution.items():
        grouped[outcome].append(step)
    return grouped


def test_second_run_skips_every_step(
    regression_recipe: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = Recipe(profile="local")
    recipe.run()
    run_id = recipe.get_artifact("run").info.run_id
    capsys.readouterr()

    recipe.run()
    assert _outcomes(recipe) == {"executed": [], "cached": ALL}
    assert "Step 'train': cached, skipped" in capsys.readouterr().err
    assert recipe.get_artifact("run").info.run_id == run_id
    # nothing was registered twice
    assert [
        v.version for v in mlflow.search_model_versions(filter_string="name='my_regression_model'")
    ] in (
        ["1"],
        [1],
    )
    # a new Recipe object sees the same cache
    fresh = Recipe(profile="local")
    fresh.run()
    assert _outcomes(fresh)["executed"] == []


def test_editing_train_code_reruns_train_evaluate_register(regression_recipe: Path) -> None:
    recipe = Recipe(profile="local")
    recipe.run()
    first_run = recipe.get_artifact("run").info.run_id

    (regression_recipe / "steps" / "train.py").write_text(
        "from sklearn.linear_model import Ridge\n\n\n"
        "def estimator_fn():\n    return Ridge(alpha=0.5)\n"
    )
    recipe.run()
    assert _outcomes(recipe) == {
        "executed": ["train", "evaluate", "register"],
        "cached": ["ingest", "split", "transform"],
    }
    run = recipe.get_artifact("run")
    assert run.info.run_id != first_run
    assert run.data.params["alpha"] == "0.5"
    assert recipe.get_artifact("registered_model_version").version == "2"


def test_profile_change_affecting_split_reruns_from_split(regression_recipe: Path) -> None:
    recipe = Recipe(profile="local")
    recipe.run("evaluate")
    (regression_recipe / "profiles" / "local.yaml").write_text(
        "SPLIT_RATIOS: [0.5, 0.25, 0.25]\nexperiment:\n  name: houses-experiment\n"
    )
    recipe.run("evaluate")
    assert _outcomes(recipe) == {
        "executed": ["split", "transform", "train", "evaluate"],
        "cached": ["ingest"],
    }
    assert len(recipe.get_artifact("training_data")) < 250


def test_evaluate_config_change_reruns_evaluate_only(regression_recipe: Path) -> None:
    recipe = Recipe(profile="local")
    recipe.run("evaluate")
    text = (regression_recipe / "recipe.yaml").read_text()
    (regression_recipe / "recipe.yaml").write_text(text.replace("threshold: 10", "threshold: 5"))
    recipe.run("evaluate")
    assert _outcomes(recipe)["executed"] == ["evaluate"]


def test_changed_data_file_reruns_ingest(regression_recipe: Path) -> None:
    text = (regression_recipe / "recipe.yaml").read_text()
    (regression_recipe / "recipe.yaml").write_text(
        text.replace(
            "ingest: {using: 'custom', loader_method: load_data}",
            "ingest: {using: csv, location: data/houses.csv}",
        )
    )
    recipe = Recipe(profile="local")
    recipe.run("split")
    data = regression_recipe / "data" / "houses.csv"
    data.write_text("\n".join(data.read_text().splitlines()[:201]) + "\n")
    recipe.run("split")
    assert _outcomes(recipe)["executed"] == ["ingest", "split"]
    assert len(recipe.get_artifact("ingested_data")) == 200


def test_clean(regression_recipe: Path) -> None:
    recipe = Recipe(profile="local")
    recipe.run("train")
    recipe.clean("transform")
    assert recipe.step_status("transform") == "UNKNOWN"
    assert recipe.get_artifact("transformer") is None
    assert recipe.step_status("ingest") == "SUCCEEDED"
    recipe.run("train")
    # the upstream re-execution invalidates train as well
    assert _outcomes(recipe)["executed"] == ["transform", "train"]

    recipe.clean()
    assert all(recipe.step_status(step) == "UNKNOWN" for step in ALL)
    assert recipe.get_artifact("ingested_data") is None
    recipe.run("ingest")
    assert _outcomes(recipe)["executed"] == ["ingest"]
