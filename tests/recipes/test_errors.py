"""Each class of mistake gets an MlharborException with a fitting error code and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlharbor.exceptions import MlharborException
from mlharbor.recipes import Recipe


def _edit(root: Path, old: str, new: str) -> None:
    path = root / "recipe.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_no_recipe_yaml(workdir: Path) -> None:
    with pytest.raises(MlharborException, match=r"Failed to find recipe\.yaml") as info:
        Recipe(profile="local")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_recipe_found_from_a_subdirectory_and_by_env(
    regression_recipe: Path, monkeypatch: pytest.MonkeyPatch, workdir: Path
) -> None:
    monkeypatch.chdir(regression_recipe / "steps")
    assert Recipe(profile="local").root == regression_recipe
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("MLHARBOR_RECIPES_ROOT", str(regression_recipe))
    assert Recipe(profile="local").root == regression_recipe


def test_unknown_profile(regression_recipe: Path) -> None:
    with pytest.raises(MlharborException, match=r"Profile 'prod' not found.*local") as info:
        Recipe(profile="prod")
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_undefined_placeholder_and_unknown_template(regression_recipe: Path) -> None:
    (regression_recipe / "profiles" / "empty.yaml").write_text("{}\n")
    with pytest.raises(MlharborException, match="does not define SPLIT_RATIOS") as info:
        Recipe(profile="empty")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    _edit(regression_recipe, "regression/v1", "forecasting/v1")
    with pytest.raises(MlharborException, match="forecasting/v1") as info:
        Recipe(profile="local")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"


def test_unknown_step_and_artifact(regression_recipe: Path) -> None:
    recipe = Recipe(profile="local")
    for call in (recipe.run, recipe.inspect, recipe.clean, recipe.step_status):
        with pytest.raises(MlharborException, match="Unknown step 'deploy'") as info:
            call("deploy")
        assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlharborException, match="Unknown artifact 'weights'"):
        recipe.get_artifact("weights")


@pytest.mark.parametrize("ratios", ["[0.5, 0.5]", "[0.8, 0.2, 0]", "[0.8, -0.1, 0.3]", "'half'"])
def test_bad_split_ratios(regression_recipe: Path, ratios: str) -> None:
    (regression_recipe / "profiles" / "local.yaml").write_text(f"SPLIT_RATIOS: {ratios}\n")
    recipe = Recipe(profile="local")
    with pytest.raises(MlharborException, match="split_ratios must be a list of three") as info:
        recipe.run("split")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert recipe.step_status("split") == "FAILED"
    assert recipe.step_status("ingest") == "SUCCEEDED"


def test_missing_target_column(regression_recipe: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(regression_recipe, "target_col: 'price'", "target_col: 'cost'")
    recipe = Recipe(profile="local")
    with pytest.raises(MlharborException, match=r"Target column 'cost' is not in") as info:
        recipe.run()
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    capsys.readouterr()
    recipe.inspect("split")
    assert "Target column 'cost'" in capsys.readouterr().out
    recipe.inspect()
    assert "FAILED" in capsys.readouterr().out


def test_missing_steps_function_and_file(regression_recipe: Path) -> None:
    _edit(regression_recipe, "transformer_method: transformer_fn", "transformer_method: scaler")
    recipe = Recipe(profile="local")
    with pytest.raises(
        MlharborException, match=r"'scaler' is not defined in steps/transform"
    ) as info:
        recipe.run()
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"

    (regression_recipe / "steps" / "ingest.py").unlink()
    recipe.clean()
    with pytest.raises(MlharborException, match=r"needs steps/ingest\.py") as info:
        recipe.run()
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"


def test_failing_user_code_is_reported_as_the_step_failure(regression_recipe: Path) -> None:
    (regression_recipe / "steps" / "train.py").write_text(
        "def estimator_fn():\n    raise ValueError('no estimator today')\n"
    )
    recipe = Recipe(profile="local")
    with pytest.raises(MlharborException, match="Step 'train' failed: ValueError") as info:
        recipe.run()
    assert info.value.error_code == "BAD_REQUEST"
    assert recipe.last_execution["train"] == "failed"


def test_validation_failure_blocks_register(regression_recipe: Path) -> None:
    _edit(regression_recipe, "threshold: 10", "threshold: 0.01")
    recipe = Recipe(profile="local")
    with pytest.raises(MlharborException, match="validation status is REJECTED") as info:
        recipe.run()
    assert info.value.error_code == "BAD_REQUEST"
    assert recipe.get_artifact("registered_model_version") is None
    # a failed step is never taken from the cache
    with pytest.raises(MlharborException, match="REJECTED"):
        recipe.run()
    assert recipe.last_execution["register"] == "failed"
