"""``mlharbor recipes run|inspect|clean|get-artifact`` through the real command group."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mlharbor.cli import cli


def test_cli_run_inspect_get_artifact_clean(regression_recipe: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["recipes", "run", "--profile", "local", "--step", "split"])
    assert result.exit_code == 0, result.output
    assert "ingest: executed" in result.stdout
    assert "split: executed" in result.stdout

    result = runner.invoke(cli, ["recipes", "run", "--profile", "local"])
    assert result.exit_code == 0, result.output
    assert "split: cached" in result.stdout
    assert "register: executed" in result.stdout

    result = runner.invoke(cli, ["recipes", "inspect", "--profile", "local", "--step", "train"])
    assert result.exit_code == 0, result.output
    assert "root_mean_squared_error" in result.stdout

    result = runner.invoke(cli, ["recipes", "inspect", "--profile", "local"])
    assert "ingest -> split" in result.stdout

    result = runner.invoke(
        cli, ["recipes", "get-artifact", "--profile", "local", "--artifact", "test_data"]
    )
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()).is_file()

    result = runner.invoke(cli, ["recipes", "clean", "--profile", "local", "--step", "split"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli, ["recipes", "get-artifact", "--profile", "local", "--artifact", "test_data"]
    )
    assert result.exit_code != 0
    assert "not available" in result.output


def test_cli_errors(regression_recipe: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["recipes", "run", "--profile", "local", "--step", "deploy"])
    assert result.exit_code == 1
    assert "INVALID_PARAMETER_VALUE: Unknown step 'deploy'" in result.output

    result = runner.invoke(cli, ["recipes", "run", "--profile", "nope"])
    assert result.exit_code == 1
    assert "RESOURCE_DOES_NOT_EXIST" in result.output

    result = runner.invoke(cli, ["recipes", "run"], env={"MLFLOW_RECIPES_PROFILE": "local"})
    assert result.exit_code == 0, result.output
