"""classification/v1: a binary recipe with a positive class, csv ingest and custom metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlharbor.exceptions import MlharborException
from mlharbor.recipes import ClassificationRecipe, Recipe
from tests.recipes.conftest import write_steps

RECIPE_YAML = """\
recipe: 'classification/v1'
target_col: 'label'
positive_class: 'yes'
primary_metric: 'f1_score'
custom_metrics:
  - {name: weighted_hits, function: weighted_hits, greater_is_better: true}
steps:
  ingest: {using: csv, location: data/points.csv}
  split: {split_ratios: [0.6, 0.2, 0.2]}
  transform: {using: 'custom', transformer_method: transformer_fn}
  train:
    using: 'custom'
    estimator_method: estimator_fn
    estimator_params: {C: 2.0}
  evaluate:
    validation_criteria:
      - {metric: f1_score, threshold: 0.8}
      - {metric: log_loss, threshold: 0.6}
      - {metric: weighted_hits, threshold: 0.5}
  register: {allow_non_validated_model: false}
model_registry: {model_name: points_classifier}
"""

STEPS = {
    "transform.py": """
        from sklearn.preprocessing import StandardScaler


        def transformer_fn():
            return StandardScaler()
    """,
    "train.py": """
        from sklearn.linear_model import LogisticRegression


        def estimator_fn(estimator_params=None):
            return LogisticRegression(**(estimator_params or {}))
    """,
    "custom_metrics.py": """
        def weighted_hits(eval_df, builtin_metrics):
            return float((eval_df["prediction"] == eval_df["target"]).mean())
    """,
}


def _points(rows: int = 300) -> str:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    x = rng.normal(size=rows)
    y = rng.normal(size=rows)
    label = np.where(x + y + rng.normal(0, 0.3, rows) > 0, "yes", "no")
    return pd.DataFrame({"x": x, "y": y, "label": label}).to_csv(index=False)


@pytest.fixture
def classification_recipe(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = workdir / "points"
    (root / "data").mkdir(parents=True)
    (root / "profiles").mkdir()
    (root / "data" / "points.csv").write_text(_points())
    (root / "recipe.yaml").write_text(RECIPE_YAML)
    (root / "profiles" / "local.yaml").write_text("experiment: {name: points}\n")
    write_steps(root, STEPS)
    monkeypatch.chdir(root)
    return root


def test_binary_classification_recipe(
    classification_recipe: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = Recipe(profile="local")
    assert isinstance(recipe, ClassificationRecipe)
    recipe.run()

    run = recipe.get_artifact("run")
    assert run.data.params["C"] == "2.0"
    metrics = run.data.metrics
    for prefix in ("val_", "test_"):
        assert metrics[f"{prefix}f1_score"] > 0.8
        assert 0.8 < metrics[f"{prefix}roc_auc"] <= 1.0
        for name in ("accuracy_score", "precision_score", "recall_score", "log_loss"):
            assert f"{prefix}{name}" in metrics
        assert metrics[f"{prefix}weighted_hits"] == pytest.approx(
            metrics[f"{prefix}accuracy_score"]
        )
    version = recipe.get_artifact("registered_model_version")
    assert version.name == "points_classifier"

    test = recipe.get_artifact("test_data")
    predictions = recipe.get_artifact("model").predict(test[["x", "y"]])
    assert set(predictions) <= {"yes", "no"}

    capsys.readouterr()
    recipe.inspect("evaluate")
    card = capsys.readouterr().out
    assert "VALIDATED" in card
    assert "weighted_hits" in card


def test_positive_class_must_be_a_class(classification_recipe: Path) -> None:
    path = classification_recipe / "recipe.yaml"
    path.write_text(path.read_text().replace("positive_class: 'yes'", "positive_class: 'maybe'"))
    recipe = Recipe(profile="local")
    with pytest.raises(MlharborException, match="positive_class") as info:
        recipe.run()
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert recipe.step_status("train") == "FAILED"
    assert recipe.last_execution["train"] == "failed"


def test_rejected_model_is_not_registered(classification_recipe: Path) -> None:
    path = classification_recipe / "recipe.yaml"
    path.write_text(path.read_text().replace("threshold: 0.8", "threshold: 0.9999"))
    recipe = Recipe(profile="local")
    with pytest.raises(MlharborException, match="validation status is REJECTED") as info:
        recipe.run()
    assert info.value.error_code == "BAD_REQUEST"
    assert recipe.step_status("evaluate") == "SUCCEEDED"
    assert recipe.step_status("register") == "FAILED"
    assert recipe.get_artifact("registered_model_version") is None

    path.write_text(
        path.read_text().replace(
            "allow_non_validated_model: false", "allow_non_validated_model: true"
        )
    )
    recipe.run()
    assert recipe.last_execution["register"] == "executed"
    assert recipe.get_artifact("registered_model_version").name == "points_classifier"
